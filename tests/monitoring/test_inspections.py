"""Inspections: create, edit (audited), list with filters and site scoping, measurements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from sqms.core.roles import Role
from sqms.core.selectors import audit_entries_for_object
from sqms.monitoring import inspections
from sqms.monitoring.inspections_demo import build_inspections_demo
from sqms.monitoring.models import Inspection
from sqms.standards.models import Aggregation, MetricSource, Unit
from tests.factories import make_employee, make_service, make_site, make_team, make_user
from tests.monitoring.dashboard_factories import DAY0, local_midnight, make_inspection
from tests.standards.factories import make_metric

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(site: Any, service: Any, **extra: Any) -> dict[str, Any]:
    return {
        "service": service.pk,
        "site": site.pk,
        "channel": "phone",
        "inspected_at": "2026-03-02T10:30",
        "score": "87.5",
        "passed_items": "인사\n본인 확인\n",
        "failed_items": "마무리 안내",
        "notes": "좋음",
    } | extra


def test_it_creates_an_inspection_with_its_checklist_and_audits_it(users: Any) -> None:
    site = make_site()
    service = make_service([site])
    agent = make_employee(site=site)
    resp = _client(users[Role.QUALITY_MANAGER]).post(
        reverse("monitoring:inspection_create"), _form(site, service, agent=agent.pk)
    )
    assert resp.status_code == 302, resp.content[:2000]
    obj = Inspection.objects.get()
    assert obj.score == Decimal("87.5")
    assert obj.agent == agent
    assert obj.inspector == users[Role.QUALITY_MANAGER]
    assert obj.checklist == [
        {"item": "인사", "passed": True},
        {"item": "본인 확인", "passed": True},
        {"item": "마무리 안내", "passed": False},
    ]
    assert resp["Location"] == reverse("monitoring:inspection_detail", args=[obj.pk])
    assert [e.action for e in audit_entries_for_object(obj=obj)] == ["create"]
    detail = _client(users[Role.STAFF]).get(resp["Location"])
    assert detail.status_code == 200
    assert "마무리 안내" in detail.content.decode()
    assert detail.context["passed"] == 2
    assert detail.context["total"] == 3


def test_it_edits_an_inspection_with_a_reason_in_the_history(users: Any) -> None:
    obj = make_inspection()
    qm = _client(users[Role.QUALITY_MANAGER])
    url = reverse("monitoring:inspection_edit", args=[obj.pk])
    form = qm.get(url).context["form"]
    assert form.initial["passed_items"] == "인사"
    resp = qm.post(url, _form(obj.site, obj.service, score="55", reason="재평가"))
    assert resp.status_code == 302
    obj.refresh_from_db()
    assert obj.score == Decimal(55)
    entry = audit_entries_for_object(obj=obj).filter(action="update").get()
    assert entry.reason == "재평가"
    history = qm.get(reverse("monitoring:inspection_detail", args=[obj.pk])).context["history"]
    assert [e.action for e in history] == ["update", "create"]


def test_it_names_the_field_of_bad_input(users: Any) -> None:
    site, other = make_site(), make_site()
    service = make_service([site])
    qm = _client(users[Role.QUALITY_MANAGER])
    url = reverse("monitoring:inspection_create")
    resp = qm.post(url, _form(site, service, score="101"))
    assert resp.status_code == 200
    assert "score" in resp.context["form"].errors
    resp = qm.post(url, _form(site, service, team=make_team(other).pk))
    assert resp.context["form"].errors["team"] == ["The team belongs to another site."]
    resp = qm.post(url, _form(site, service, agent=make_employee(site=other).pk))
    assert "agent" in resp.context["form"].errors
    resp = qm.post(url, _form(site, service, inspected_at="yesterday", record="x"))
    assert {"inspected_at", "record"} <= set(resp.context["form"].errors)
    resp = qm.post(url, _form(site, service, passed_items="x" * 201))
    assert "passed_items" in resp.context["form"].errors
    assert not Inspection.objects.exists()


def test_it_refuses_writes_to_read_only_roles(users: Any) -> None:
    obj = make_inspection()
    for role in (Role.STAFF, Role.EXECUTIVE, Role.AUDITOR, Role.PROCESS_OWNER):
        client = _client(users[role])
        assert client.get(reverse("monitoring:inspection_create")).status_code == 403
        assert client.post(reverse("monitoring:inspection_create"), {}).status_code == 403
        edit = reverse("monitoring:inspection_edit", args=[obj.pk])
        assert client.post(edit, {"score": "1"}).status_code == 403
    obj.refresh_from_db()
    assert obj.score == Decimal(85)


def test_it_scopes_inspections_to_the_users_sites() -> None:
    site, other = make_site(), make_site()
    service = make_service([site, other])
    mine = make_inspection(service=service, site=site)
    theirs = make_inspection(service=service, site=other)
    limited = make_user(Role.QUALITY_MANAGER, sites=[site])
    client = _client(limited)
    page = client.get(reverse("monitoring:inspection_list")).context["page"]
    assert [i.pk for i in page] == [mine.pk]
    assert client.get(reverse("monitoring:inspection_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("monitoring:inspection_edit", args=[theirs.pk])).status_code == 404
    resp = client.post(reverse("monitoring:inspection_create"), _form(other, service))
    assert resp.status_code == 200
    assert "site" in resp.context["form"].errors
    with pytest.raises(PermissionDenied):
        inspections.inspection_create(
            actor=limited,
            service=service,
            site=other,
            inspected_at=local_midnight(DAY0),
            score=Decimal(1),
        )


def test_it_filters_and_paginates_the_list(users: Any) -> None:
    site = make_site()
    service = make_service([site])
    low = make_inspection(service=service, site=site, score="40")
    for i in range(26):
        make_inspection(
            service=service, site=site, score="90", at=local_midnight(DAY0) + dt.timedelta(days=i)
        )
    client = _client(users[Role.STAFF])
    url = reverse("monitoring:inspection_list")
    assert [i.pk for i in client.get(url, {"score_below": "50"}).context["page"]] == [low.pk]
    page = client.get(url, {"service": service.pk}).context["page"]
    assert page.paginator.count == 27
    assert len(page) == 25
    dated = client.get(url, {"inspected_from": "2026-03-20", "inspected_to": "2026-03-21"})
    assert dated.context["page"].paginator.count == 2
    junk = client.get(url, {"score_below": "abc", "service": "x"})
    assert junk.status_code == 200


def test_it_hands_the_scores_to_evaluation_as_measurements() -> None:
    site = make_site()
    team = make_team(site)
    service = make_service([site])
    agent = make_employee(site=site, team=team)
    start = local_midnight(DAY0)
    make_inspection(service=service, site=site, score="80", at=start + dt.timedelta(hours=1))
    make_inspection(
        service=service,
        site=site,
        team=team,
        agent=agent,
        channel="visit",
        score="95.5",
        at=start + dt.timedelta(hours=2),
    )
    make_inspection(service=service, site=site, score="10", at=start + dt.timedelta(days=2))
    make_inspection(site=site, score="11", at=start + dt.timedelta(hours=3))  # other service
    metric = make_metric(
        source=MetricSource.INSPECTION_SCORE,
        start_field="",
        end_field="",
        aggregation=Aggregation.MEAN,
        unit=Unit.SCORE,
    )
    m = inspections.inspection_measurements(
        metric=metric, service_id=service.pk, start=start, end=start + dt.timedelta(days=1)
    )
    assert len(m) == 2
    assert m.value.tolist() == [80.0, 95.5]
    assert m.site.tolist() == [site.pk, site.pk]
    assert m.team.tolist() == [0, team.pk]
    assert m.agent.tolist() == [0, agent.pk]
    assert m.channel.tolist() == ["", "visit"]
    assert m.at[0] == np.datetime64(start.astimezone(dt.UTC).replace(tzinfo=None), "us") + (
        np.timedelta64(1, "h")
    )
    empty = inspections.inspection_measurements(
        metric=metric, service_id=service.pk, start=start - dt.timedelta(days=9), end=start
    )
    assert len(empty) == 0


def test_it_validates_the_checklist_shape() -> None:
    with pytest.raises(ValidationError) as exc:
        make_inspection(checklist=[{"item": "", "passed": "yes"}])
    assert "checklist" in exc.value.error_dict


def test_it_builds_the_demo_inspections_once() -> None:
    from sqms.demo.org import build_org
    from sqms.standards.demo import build_standards_demo

    build_org()
    build_standards_demo()
    made = build_inspections_demo()
    assert 250 <= made <= 350
    assert Inspection.objects.count() == made
    assert build_inspections_demo() == 0
    scores = [float(s) for s in Inspection.objects.values_list("score", flat=True)]
    assert min(scores) >= 0
    assert max(scores) <= 100
    assert Inspection.objects.filter(service__code="VIP").count() == made
