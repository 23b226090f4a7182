"""The standards API: list, detail, create and revise; bad input is a problem+json 4xx."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from sqms.core.roles import Role
from sqms.standards.models import Metric, ServiceStandard, StandardVersion
from tests.factories import make_service, make_site, make_user
from tests.standards.factories import make_metric, make_standard

pytestmark = pytest.mark.django_db
API = "/api/v1/standards"
PROBLEM = "application/problem+json"


def _post(client, path: str, body: Any):  # type: ignore[no-untyped-def]
    return client.post(path, data=json.dumps(body), content_type="application/json")


def _fields(resp) -> set[str]:  # type: ignore[no-untyped-def]
    assert resp["Content-Type"].startswith(PROBLEM), resp.content
    return {e["field"].split(".")[-1] for e in resp.json()["errors"]}


def _standard_body(service_id: int, metric_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "code": "API-1",
        "name": "전화 응답 20초 이내 80%",
        "service_id": service_id,
        "metric_id": metric_id,
        "threshold": "20",
        "compliance_objective": "80",
        "period": "hour",
        "segments": ["site"],
        "basis": "industry",
        "basis_reference": "80/20",
        **extra,
    }


def test_it_creates_lists_and_reads_a_metric(qm_client, client_for):
    resp = _post(
        qm_client,
        f"{API}/metrics/",
        {
            "code": "FCR",
            "name": "첫 통화 해결률",
            "source": "record_flag",
            "value_field": "resolved_first_contact",
            "aggregation": "share_meeting_threshold",
            "direction": "higher_is_better",
            "unit": "percent",
        },
    )
    assert resp.status_code == 201, resp.content
    pk = resp.json()["id"]
    staff = client_for(Role.STAFF)
    listed = staff.get(f"{API}/metrics/").json()
    assert [m["code"] for m in listed["items"]] == ["FCR"]
    assert staff.get(f"{API}/metrics/{pk}/").json()["value_field"] == "resolved_first_contact"


def test_it_names_the_fields_of_an_invalid_metric(qm_client):
    resp = _post(
        qm_client,
        f"{API}/metrics/",
        {
            "code": "X",
            "name": "x",
            "source": "record_duration",
            "aggregation": "rate_per_n",
            "direction": "lower_is_better",
            "unit": "minutes",
        },
    )
    assert resp.status_code == 400
    assert _fields(resp) == {"start_field", "end_field", "rate_base"}
    assert not Metric.objects.exists()


def test_it_creates_a_standard_and_revises_it(qm_client, client_for):
    service, metric = make_service([make_site()]), make_metric()
    start = (timezone.now() - dt.timedelta(days=7)).isoformat()
    resp = _post(qm_client, f"{API}/", _standard_body(service.pk, metric.pk, effective_from=start))
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["current_version"]["version"] == 1
    assert body["current_version"]["comparison"] == "le"
    pk = body["id"]
    resp = _post(qm_client, f"{API}/{pk}/revise/", {"reason": "강화", "threshold": "15"})
    assert resp.status_code == 201, resp.content
    assert resp.json()["version"] == 2
    assert resp.json()["created_by"] == "u-quality_manager"
    detail = client_for(Role.AUDITOR).get(f"{API}/{pk}/").json()
    assert [v["version"] for v in detail["versions"]] == [2, 1]
    assert float(detail["current_version"]["threshold"]) == 15
    listed = client_for(Role.STAFF).get(f"{API}/", {"period": "hour"}).json()
    assert [s["code"] for s in listed["items"]] == ["API-1"]


def test_it_answers_bad_standard_input_with_named_fields(qm_client):
    service, metric = make_service([make_site()]), make_metric()
    resp = _post(qm_client, f"{API}/", _standard_body(999999, metric.pk))
    assert resp.status_code == 400
    assert _fields(resp) == {"service_id"}
    resp = _post(
        qm_client, f"{API}/", _standard_body(service.pk, metric.pk, compliance_objective="150")
    )
    assert resp.status_code == 422
    assert "compliance_objective" in _fields(resp)
    resp = _post(qm_client, f"{API}/", _standard_body(service.pk, metric.pk, segments=["moon"]))
    assert resp.status_code == 422
    assert any(e["field"].startswith("segments") for e in resp.json()["errors"])
    resp = _post(
        qm_client,
        f"{API}/",
        _standard_body(service.pk, metric.pk, effective_from="2026-01-01T09:00:00"),
    )
    assert resp.status_code == 422
    assert "effective_from" in _fields(resp)
    assert not ServiceStandard.objects.exists()


def test_it_refuses_bad_revisions(qm_client, client_for):
    standard = make_standard(effective_from=timezone.now() - dt.timedelta(days=3))
    url = f"{API}/{standard.pk}/revise/"
    resp = _post(qm_client, url, {"threshold": "1"})
    assert resp.status_code == 422
    assert "reason" in _fields(resp)
    resp = _post(qm_client, url, {"reason": "r", "effective_from": "2020-01-01T00:00:00Z"})
    assert resp.status_code == 400
    assert _fields(resp) == {"effective_from"}
    resp = _post(qm_client, url, {"reason": "r"})
    assert resp.status_code == 400  # nothing changed
    resp = _post(client_for(Role.STAFF), url, {"reason": "r", "threshold": "1"})
    assert resp.status_code == 403
    assert _post(qm_client, f"{API}/999999/revise/", {"reason": "r"}).status_code == 404
    assert qm_client.post(url, data="[]", content_type="application/json").status_code == 422
    assert StandardVersion.objects.filter(standard=standard).count() == 1


def test_it_hides_standards_of_other_sites_from_a_site_limited_user(client):
    here, there = make_site(), make_site()
    mine = make_standard(service=make_service([here]))
    other = make_standard(service=make_service([there]))
    client.force_login(make_user(Role.QUALITY_MANAGER, sites=[here]))
    assert [s["id"] for s in client.get(f"{API}/").json()["items"]] == [mine.pk]
    assert client.get(f"{API}/{other.pk}/").status_code == 404
    resp = _post(client, f"{API}/{mine.pk}/revise/", {"reason": "r", "threshold": "1"})
    assert resp.status_code == 403


def test_it_asks_anonymous_callers_to_authenticate(client):
    assert client.get(f"{API}/").status_code == 401
    assert client.get(f"{API}/metrics/").status_code == 401
