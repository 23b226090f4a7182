"""Bad input on the standards write endpoints: always a problem+json 4xx naming the field.

Mirrors tests/api/test_bad_input.py, which covers the organisation endpoints.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sqms.standards.models import Metric, ServiceStandard, StandardVersion
from tests.factories import make_service, make_site
from tests.standards.factories import make_metric, make_standard

pytestmark = pytest.mark.django_db
API = "/api/v1/standards"
PROBLEM = "application/problem+json"


@pytest.fixture
def world() -> dict[str, Any]:
    service, metric = make_service([make_site()]), make_metric()
    return {"service": service, "metric": metric, "standard": make_standard()}


def _endpoints(world: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            f"{API}/metrics/",
            {
                "code": "NEW-M",
                "name": "처리 시간",
                "source": "record_duration",
                "start_field": "started_at",
                "end_field": "closed_at",
                "aggregation": "mean",
                "direction": "lower_is_better",
                "unit": "minutes",
            },
        ),
        (
            f"{API}/",
            {
                "code": "NEW-S",
                "name": "처리 30분 이내",
                "service_id": world["service"].pk,
                "metric_id": world["metric"].pk,
                "threshold": "30",
                "compliance_objective": "90",
                "period": "week",
                "basis": "own_capability",
            },
        ),
        (f"{API}/{world['standard'].pk}/revise/", {"reason": "강화", "threshold": "10"}),
    ]


def _send(client, url: str, body: Any = None, raw: str | None = None):  # type: ignore[no-untyped-def]
    data = raw if raw is not None else json.dumps(body)
    return client.post(url, data=data, content_type="application/json")


def _problem(resp, *statuses: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert resp.status_code in statuses, (resp.status_code, resp.content[:300])
    assert resp["Content-Type"].startswith(PROBLEM)
    body: dict[str, Any] = resp.json()
    return body


def _names(body: dict[str, Any], field: str) -> bool:
    return any(
        e["field"] == field or e["field"].startswith(f"{field}.") or e["field"].endswith(field)
        for e in body.get("errors", [])
    )


def test_it_accepts_the_valid_bodies(qm_client, world):
    for url, body in _endpoints(world):
        assert _send(qm_client, url, body).status_code == 201, url


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ('{"name": ', 400),
        ("{bad json}", 400),
        ("[]", 422),
        ('"text"', 422),
        ("42", 422),
        ("null", 422),
        ("", 422),
    ],
)
def test_it_answers_malformed_or_non_object_bodies(qm_client, world, raw, status):
    for url, _body in _endpoints(world):
        _problem(_send(qm_client, url, raw=raw), status)


def test_it_names_wrong_types_long_strings_and_nul_characters(qm_client, world):
    failures = []
    for url, body in _endpoints(world):
        for field in body:
            for value in ({"nested": "object"}, ["list"], "가" * 2001, "a\x00b"):
                resp = _send(qm_client, url, {**body, field: value})
                label = (url, field, repr(value)[:20], resp.status_code)
                if resp.status_code < 400:
                    ok = isinstance(value, str)  # a long text may be stored
                else:
                    ok = (
                        resp.status_code < 500
                        and resp["Content-Type"].startswith(PROBLEM)
                        and _names(resp.json(), field)
                    )
                if not ok:
                    failures.append(label)
    assert not failures


@pytest.mark.parametrize("missing", [999999, 2**63 - 1, 2**70, 0, -1])
def test_it_answers_400_or_422_naming_an_unknown_reference(qm_client, world, missing):
    _url, body = _endpoints(world)[1]
    for field in ("service_id", "metric_id"):
        resp = _send(qm_client, f"{API}/", {**body, field: missing})
        assert _names(_problem(resp, 400, 422), field)


def test_it_answers_400_naming_a_duplicate_code(qm_client, world):
    metric_url, metric_body = _endpoints(world)[0]
    resp = _send(qm_client, metric_url, {**metric_body, "code": world["metric"].code})
    assert _names(_problem(resp, 400), "code")
    std_url, std_body = _endpoints(world)[1]
    resp = _send(qm_client, std_url, {**std_body, "code": world["standard"].code})
    assert _names(_problem(resp, 400), "code")


def test_it_answers_413_to_an_oversize_body(qm_client, world):
    for url, body in _endpoints(world):
        _problem(_send(qm_client, url, {**body, "padding": "x" * 2_600_000}), 413)


def test_it_leaves_nothing_behind_after_bad_input(qm_client, world):
    for url, _body in _endpoints(world):
        _send(qm_client, url, {})
    assert Metric.objects.count() == 2
    assert ServiceStandard.objects.count() == 1
    assert StandardVersion.objects.count() == 1
