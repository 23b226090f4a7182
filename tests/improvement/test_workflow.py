from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sqms.core.exceptions import InvalidTransition, ReasonRequired
from sqms.core.roles import Role
from sqms.improvement import rules, services
from sqms.improvement.models import (
    ActionKind,
    ActionStatus,
    NcStatus,
    Nonconformance,
    StatusChange,
)
from tests.factories import make_service, make_site, make_user
from tests.improvement.factories import advance, check, make_cause, make_nc
from tests.standards.factories import make_standard

S = NcStatus


@pytest.fixture
def qm(db):
    return make_user(Role.QUALITY_MANAGER)


def test_it_numbers_nonconformances_per_year(qm):
    first = make_nc(qm)
    second = make_nc(qm)
    year = timezone.localdate().year
    assert first.number == f"NC-{year}-0001"
    assert second.number == f"NC-{year}-0002"
    old = make_nc(qm, detected_at=timezone.now().replace(year=2024))
    assert old.number == "NC-2024-0001"


def test_it_walks_the_whole_workflow_and_records_each_status_change(qm):
    nc = make_nc(qm)
    nc = advance(nc, S.VERIFIED, actor=qm)
    assert nc.status == S.VERIFIED
    rows = list(
        StatusChange.objects.filter(nonconformance=nc).values_list("from_status", "to_status")
    )
    assert rows == [
        (S.OPEN, S.CONTAINED),
        (S.CONTAINED, S.ANALYSED),
        (S.ANALYSED, S.ACTION_PLANNED),
        (S.ACTION_PLANNED, S.IMPLEMENTED),
        (S.IMPLEMENTED, S.VERIFIED),
    ]


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.OPEN, S.CONTAINED),
        (S.CONTAINED, S.ANALYSED),
        (S.ANALYSED, S.ACTION_PLANNED),
        (S.ACTION_PLANNED, S.IMPLEMENTED),
        (S.IMPLEMENTED, S.VERIFIED),
    ],
)
def test_it_refuses_each_forward_move_until_its_requirement_is_met(qm, start, to):
    nc = make_nc(qm)
    if start != S.OPEN:
        nc = advance(nc, start, actor=qm)
    with pytest.raises(InvalidTransition):
        services.nonconformance_transition(actor=qm, nc=nc, to=to)
    assert Nonconformance.objects.get(pk=nc.pk).status == start


def test_it_needs_every_action_done_before_implemented(qm):
    nc = advance(make_nc(qm), S.ACTION_PLANNED, actor=qm)
    extra = services.action_create(
        actor=qm,
        nc=nc,
        kind=ActionKind.PREVENTIVE,
        title="예방",
        owner=qm,
        due_on=timezone.localdate(),
    )
    first = nc.actions.exclude(pk=extra.pk).get()
    services.action_set_status(actor=qm, action=first, status=ActionStatus.DONE)
    with pytest.raises(InvalidTransition):
        services.nonconformance_transition(actor=qm, nc=nc, to=S.IMPLEMENTED)
    services.action_set_status(actor=qm, action=extra, status=ActionStatus.CANCELLED)
    assert services.nonconformance_transition(actor=qm, nc=nc, to=S.IMPLEMENTED).status == (
        S.IMPLEMENTED
    )


def test_it_allows_only_the_moves_in_the_table(qm):
    nc = make_nc(qm)
    for to in S.values:
        if rules.allowed(S.OPEN, to):
            continue
        with pytest.raises(InvalidTransition):
            services.nonconformance_transition(actor=qm, nc=nc, to=to)
    with pytest.raises(InvalidTransition):
        services.nonconformance_transition(actor=qm, nc=nc, to="nonsense")


def test_it_never_moves_out_of_closed_or_cancelled(qm):
    nc = make_nc(qm)
    services.nonconformance_transition(actor=qm, nc=nc, to=S.CANCELLED, reason="중복")
    for to in S.values:
        with pytest.raises(InvalidTransition):
            services.nonconformance_transition(actor=qm, nc=nc, to=to, reason="x")


def test_it_needs_a_reason_to_cancel(qm):
    nc = make_nc(qm)
    with pytest.raises(ReasonRequired):
        services.nonconformance_transition(actor=qm, nc=nc, to=S.CANCELLED, reason="  ")


def test_it_closes_only_with_a_signature(qm):
    nc = advance(make_nc(qm), S.VERIFIED, actor=qm)
    with pytest.raises(InvalidTransition):
        services.nonconformance_transition(actor=qm, nc=nc, to=S.CLOSED)


def test_it_sends_an_ineffective_record_back_to_planning(qm):
    nc = advance(make_nc(qm), S.VERIFIED, actor=qm)
    nc = services.nonconformance_transition(
        actor=qm, nc=nc, to=S.ACTION_PLANNED, reason="효과 없음"
    )
    assert nc.status == S.ACTION_PLANNED


@pytest.mark.parametrize(
    ("role", "to", "may"),
    [
        (Role.PROCESS_OWNER, S.CONTAINED, True),
        (Role.PROCESS_OWNER, S.CANCELLED, False),
        (Role.PROCESS_OWNER, S.VERIFIED, False),
        (Role.QUALITY_MANAGER, S.VERIFIED, True),
        (Role.ADMIN, S.CANCELLED, True),
        (Role.STAFF, S.CONTAINED, False),
        (Role.AUDITOR, S.CONTAINED, False),
        (Role.EXECUTIVE, S.CANCELLED, False),
    ],
)
def test_it_lets_only_the_named_roles_make_each_move(db, role, to, may):
    qm = make_user(Role.QUALITY_MANAGER)
    nc = make_nc(qm, containment="봉쇄")
    if to == S.VERIFIED:
        nc = advance(nc, S.IMPLEMENTED, actor=qm)
        check(nc, actor=qm)
    actor = make_user(role)
    if may:
        assert (
            services.nonconformance_transition(actor=actor, nc=nc, to=to, reason="r").status == to
        )
    else:
        with pytest.raises(InvalidTransition):
            services.nonconformance_transition(actor=actor, nc=nc, to=to, reason="r")


def test_it_flags_a_recurrence_of_the_same_standard_when_it_is_raised(qm):
    service = make_service()
    standard = make_standard(service=service)
    version = standard.versions.get()
    first = make_nc(qm, service=service, standard_version=version)
    second = make_nc(qm, service=service, standard_version=version)
    assert second.recurrence_of_id == first.pk


def test_it_flags_a_recurrence_of_the_same_cause_and_service_within_the_window(qm, settings):
    settings.SQMS_NC_RECURRENCE_DAYS = 30
    site = make_site()
    service = make_service([site])
    cause = make_cause(qm)
    now = timezone.now()
    first = make_nc(qm, service=service, detected_at=now - dt.timedelta(days=20))
    services.root_cause_set(actor=qm, nc=first, cause=cause, statement="x")
    second = make_nc(qm, service=service, detected_at=now)
    assert second.recurrence_of_id is None  # not known until its cause is
    second = services.root_cause_set(actor=qm, nc=second, cause=cause, statement="y")
    assert second.recurrence_of_id == first.pk
    assert list(first.recurrences.all()) == [second]


def test_it_does_not_flag_outside_the_window_or_another_service(qm, settings):
    settings.SQMS_NC_RECURRENCE_DAYS = 30
    service, other = make_service(), make_service()
    cause = make_cause(qm)
    now = timezone.now()
    old = make_nc(qm, service=service, detected_at=now - dt.timedelta(days=45))
    services.root_cause_set(actor=qm, nc=old, cause=cause, statement="x")
    elsewhere = make_nc(qm, service=other, detected_at=now - dt.timedelta(days=5))
    services.root_cause_set(actor=qm, nc=elsewhere, cause=cause, statement="x")
    new = make_nc(qm, service=service, detected_at=now)
    new = services.root_cause_set(actor=qm, nc=new, cause=cause, statement="y")
    assert new.recurrence_of_id is None


def test_it_audit_logs_every_write(qm):
    from sqms.core.selectors import audit_entries_for_object

    nc = advance(make_nc(qm), S.CONTAINED, actor=qm)
    actions = [e.action for e in audit_entries_for_object(obj=nc)]
    assert actions.count("create") == 1
    assert actions.count("update") >= 2


def test_it_raises_from_a_signal_with_its_chart_and_points(qm):
    standard = make_standard()
    version = standard.versions.get()
    evidence = {"chart": "p", "points": [{"label": "W07", "value": 0.21, "ucl": 0.16}]}
    nc = services.nonconformance_from_signal(
        actor=qm, standard_version=version, title="신호", evidence=evidence
    )
    assert nc is not None
    assert nc.source_type == "signal"
    assert nc.service_id == standard.service_id
    assert nc.evidence == evidence


def test_it_raises_automatically_only_under_an_enabled_rule_and_once(qm):
    from sqms.core.records import record_create
    from sqms.improvement.models import RaiseRule

    standard = make_standard()
    version = standard.versions.get()
    kwargs = {"actor": None, "standard_version": version, "title": "자동", "evidence": {}}
    assert services.nonconformance_from_signal(automatic=True, **kwargs) is None
    record_create(actor=qm, obj=RaiseRule(standard=standard, severity="major"))
    first = services.nonconformance_from_signal(automatic=True, **kwargs)
    assert first is not None
    assert (first.source_type, first.severity) == ("rule", "major")
    again = services.nonconformance_from_signal(automatic=True, **kwargs)
    assert again == first
    assert Nonconformance.objects.count() == 1
