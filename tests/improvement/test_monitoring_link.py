"""The links to monitoring: raising from a signal (one click or by the standard's rule), and
effectiveness checks on the stored metric results (rollups)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sqms.core.exceptions import SqmsError
from sqms.core.roles import Role
from sqms.improvement import services
from sqms.improvement.models import (
    DataSource,
    NcStatus,
    Nonconformance,
    RaiseRule,
    SourceType,
    Verdict,
)
from sqms.improvement.tasks import improvement_raise_from_signals
from sqms.monitoring.models import Grain, Rollup
from sqms.monitoring.series import org_tz
from sqms.standards.models import Aggregation, Direction
from tests.factories import make_service, make_site, make_user
from tests.improvement.factories import advance, make_signal
from tests.standards.factories import make_metric, make_standard

pytestmark = pytest.mark.django_db

D0 = dt.date(2026, 6, 1)


@pytest.fixture
def qm():
    return make_user(Role.QUALITY_MANAGER)


@pytest.fixture
def site():
    return make_site()


def _standard(site, **metric):
    return make_standard(service=make_service([site]), metric=make_metric(**metric))


def _rollups(standard, site, days, make):
    version = standard.versions.get()
    for i, day in enumerate(days):
        n, meeting, value = make(i)
        Rollup.objects.create(
            standard=standard,
            version=version,
            grain=Grain.DAY,
            period_start=dt.datetime.combine(day, dt.time.min, tzinfo=org_tz()),
            segment=f"site:{site.pk}",
            site=site,
            n=n,
            n_meeting=meeting,
            total=value * n,
            total_sq=value * value * n,
            value=value,
        )


def _days(start, n):
    return [start + dt.timedelta(days=i) for i in range(n)]


def _windows():
    return {
        "before_from": D0,
        "before_to": D0 + dt.timedelta(days=13),
        "after_from": D0 + dt.timedelta(days=20),
        "after_to": D0 + dt.timedelta(days=33),
    }


def _nc_for(qm, standard, site):
    return services.nonconformance_create(
        actor=qm,
        title="응답 지연",
        source_type=SourceType.MANUAL,
        service=standard.service,
        site=site,
        standard_version=standard.versions.get(),
    )


# --- raising from signals ---------------------------------------------------------------------


def test_it_raises_a_nonconformance_from_a_signal_with_one_click(qm, site, client_for):
    signal = make_signal(site=site)
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("improvement:signal_raise", kwargs={"pk": signal.pk})
    assert client.get(url).status_code == 405
    response = client.post(url)
    nc = Nonconformance.objects.get()
    assert response["Location"].startswith(
        reverse("improvement:nonconformance_detail", kwargs={"pk": nc.pk})
    )
    assert nc.source_type == SourceType.SIGNAL
    assert nc.source == signal
    assert nc.evidence["signal"]["id"] == signal.pk
    assert nc.evidence["chart"] == "p"
    assert nc.evidence["points"][0]["ucl"] == 0.16
    assert nc.standard_version == signal.version
    assert nc.site == site
    # A second click opens the same nonconformance.
    again = client.post(url)
    assert Nonconformance.objects.count() == 1
    assert again["Location"].startswith(
        reverse("improvement:nonconformance_detail", kwargs={"pk": nc.pk})
    )


def test_it_refuses_raising_to_readers_and_other_sites(site, client_for, users):
    signal = make_signal(site=site)
    url = reverse("improvement:signal_raise", kwargs={"pk": signal.pk})
    assert client_for(Role.STAFF).post(url).status_code == 403
    owner = users[Role.PROCESS_OWNER]
    make_site().scoped_users.add(owner)
    assert client_for(Role.PROCESS_OWNER).post(url).status_code == 404
    assert (
        client_for(Role.QUALITY_MANAGER)
        .post(reverse("improvement:signal_raise", kwargs={"pk": 999999}))
        .status_code
        == 404
    )
    assert not Nonconformance.objects.exists()


def test_it_raises_automatically_once_by_the_standards_rule(qm, site):
    ruled = make_signal(site=site)
    unruled = make_signal(site=site)
    RaiseRule.objects.create(standard=ruled.standard, enabled=True, severity="major")
    RaiseRule.objects.create(standard=unruled.standard, enabled=False)
    assert services.raise_from_open_signals() == 1
    nc = Nonconformance.objects.get()
    assert nc.source_type == SourceType.RULE
    assert nc.severity == "major"
    assert nc.source == ruled
    assert services.raise_from_open_signals() == 0
    assert improvement_raise_from_signals.call_local() == 0
    # Another open signal of the same standard and site while the first is open: nothing new.
    make_signal(site=site, standard=ruled.standard)
    assert services.raise_from_open_signals() == 0
    assert Nonconformance.objects.count() == 1


def test_it_skips_signals_that_are_not_open(site):
    signal = make_signal(site=site, status="dismissed")
    RaiseRule.objects.create(standard=signal.standard, enabled=True)
    assert services.raise_from_open_signals() == 0


def test_it_manages_the_raising_rules_per_standard(site, client_for):
    standard = _standard(site)
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("improvement:raise_rule_list")
    assert standard.code in client.get(url).content.decode()
    client.post(url, {"standard": standard.pk, "enabled": "on", "severity": "critical"})
    rule = RaiseRule.objects.get(standard=standard)
    assert rule.enabled
    assert rule.severity == "critical"
    client.post(url, {"standard": standard.pk, "severity": "critical"})
    rule.refresh_from_db()
    assert not rule.enabled
    assert client_for(Role.STAFF).post(url, {"standard": standard.pk}).status_code == 403
    assert client.post(url, {"standard": "x"}).status_code == 400


# --- effectiveness from rollups ---------------------------------------------------------------


def test_it_says_improved_on_an_improved_share(qm, site):
    standard = _standard(site)
    _rollups(standard, site, _days(D0, 14), lambda i: (100, 80 + i % 3, 50.0))
    _rollups(
        standard, site, _days(D0 + dt.timedelta(days=20), 14), lambda i: (100, 95 + i % 3, 30.0)
    )
    nc = _nc_for(qm, standard, site)
    check = services.effectiveness_check_from_results(actor=qm, nc=nc, **_windows())
    assert check.data_source == DataSource.METRIC_RESULTS
    assert check.kind == "proportion"
    assert check.higher_is_better
    assert check.verdict == Verdict.IMPROVED
    assert sum(check.before_data["sizes"]) == 1400
    assert check.metric == standard.metric


def test_it_says_improved_on_an_improved_mean(qm, site):
    standard = _standard(site, aggregation=Aggregation.MEAN, direction=Direction.LOWER_IS_BETTER)
    _rollups(standard, site, _days(D0, 14), lambda i: (50, 0, 100.0 + (i % 5)))
    _rollups(
        standard, site, _days(D0 + dt.timedelta(days=20), 14), lambda i: (50, 0, 60.0 + (i % 5))
    )
    nc = _nc_for(qm, standard, site)
    check = services.effectiveness_check_from_results(actor=qm, nc=nc, **_windows())
    assert check.kind == "mean"
    assert not check.higher_is_better
    assert check.verdict == Verdict.IMPROVED


def test_it_says_no_data_for_empty_windows(qm, site):
    standard = _standard(site)
    _rollups(standard, site, _days(D0, 14), lambda i: (100, 80, 50.0))
    nc = _nc_for(qm, standard, site)
    with pytest.raises(SqmsError, match="no metric results in the after window"):
        services.effectiveness_check_from_results(actor=qm, nc=nc, **_windows())
    bare = services.nonconformance_create(actor=qm, title="표준 없음", source_type="manual")
    with pytest.raises(SqmsError, match="names no standard version"):
        services.effectiveness_check_from_results(actor=qm, nc=bare, **_windows())


def test_it_checks_from_the_metric_results_on_the_page(qm, site, client_for):
    standard = _standard(site)
    _rollups(standard, site, _days(D0, 14), lambda i: (100, 80, 50.0))
    nc = advance(_nc_for(qm, standard, site), NcStatus.IMPLEMENTED, actor=qm)
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("improvement:check_create", kwargs={"pk": nc.pk})
    form = client.get(url).content.decode()
    assert 'value="metric_results" selected' in form
    data = {"data_source": "metric_results", "kind": "proportion"} | {
        k: v.isoformat() for k, v in _windows().items()
    }
    empty = client.post(url, data)
    assert empty.status_code == 400
    assert "no metric results in the after window" in empty.content.decode()
    _rollups(standard, site, _days(D0 + dt.timedelta(days=20), 14), lambda i: (100, 97, 30.0))
    assert client.post(url, data).status_code == 302
    assert nc.checks.get().verdict == Verdict.IMPROVED
    # The manual path still works and still needs its data.
    manual = client.post(url, data | {"data_source": "manual", "metric_label": "x"})
    assert manual.status_code == 400
    assert "Enter the data" in manual.content.decode()


def test_it_proposes_the_signal_periods_as_the_before_window(qm, site):
    first = timezone.now() - dt.timedelta(days=60)
    signal = make_signal(site=site, first=first, last=first + dt.timedelta(days=14))
    nc = services.nonconformance_raise_from_signal(actor=qm, signal=signal)
    nc = advance(nc, NcStatus.IMPLEMENTED, actor=qm)
    b_from, b_to, a_from, _a_to = services.proposed_windows(nc)
    assert b_from == timezone.localtime(first).date()
    assert b_to == timezone.localtime(first + dt.timedelta(days=14)).date()
    assert a_from == timezone.localdate()


# --- the demo's deterioration -----------------------------------------------------------------


def test_it_builds_the_deterioration_story_when_monitoring_has_it(qm):
    from sqms.improvement.demo import deterioration_demo
    from sqms.monitoring import demo as monitoring_demo
    from tests.improvement.factories import make_cause

    owner = make_user(Role.PROCESS_OWNER)
    make_cause(qm)
    det = monitoring_demo.DETERIORATION
    site = make_site(code=det["site"])
    standard = make_standard(service=make_service([site]), code=det["standard"])
    start, end = monitoring_demo.deterioration_window()
    assert deterioration_demo(qm, owner) is None  # no signal yet: skipped
    make_signal(site=site, standard=standard, first=start + dt.timedelta(days=3), last=end)
    nc = deterioration_demo(qm, owner)
    assert nc is not None
    assert nc.status == NcStatus.IMPLEMENTED
    assert nc.fishbone.count() == 5
    assert nc.root_cause_id is not None
    action = nc.actions.get()
    assert action.completed_on == timezone.localtime(end).date()
    # The proposed windows: the signal's periods before, the recovery on after.
    b_from, b_to, a_from, _a_to = services.proposed_windows(nc)
    assert b_from == timezone.localtime(start).date() + dt.timedelta(days=3)
    assert b_to < a_from == timezone.localtime(end).date()
    assert deterioration_demo(qm, owner) == nc  # idempotent
    assert Nonconformance.objects.count() == 1


# --- complaints -------------------------------------------------------------------------------


def _complaint(site, **kw):
    from sqms.feedback import complaints

    return complaints.complaint_receive(
        actor=None,
        intake="staff",
        subject="대기 시간이 너무 깁니다",
        description="창구에서 40분을 기다렸습니다.",
        severity="high",
        site=site,
        service=make_service([site]),
        **kw,
    )


def test_it_raises_a_nonconformance_from_a_complaint(site, client_for):
    complaint = _complaint(site)
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("improvement:complaint_raise", kwargs={"pk": complaint.pk})
    response = client.post(url)
    nc = Nonconformance.objects.get()
    assert response["Location"].startswith(
        reverse("improvement:nonconformance_detail", kwargs={"pk": nc.pk})
    )
    assert nc.source_type == SourceType.COMPLAINT
    assert nc.source == complaint
    assert nc.severity == "major"
    assert nc.source_reference == complaint.reference
    assert nc.site == site
    client.post(url)
    assert Nonconformance.objects.count() == 1
    assert client_for(Role.STAFF).post(url).status_code == 403
