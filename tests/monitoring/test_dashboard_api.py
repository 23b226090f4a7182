"""The dashboard and inspection endpoints of the REST API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from sqms.core.roles import Role
from sqms.monitoring.models import Inspection
from sqms.monitoring.series import segment_key
from tests.api.conftest import API, token_client
from tests.factories import make_service, make_site, make_user
from tests.monitoring.dashboard_factories import NOW, make_days, make_inspection, share_standard

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_it_answers_the_dashboard_of_a_segment(users: Any) -> None:
    site = make_site()
    standard = share_standard(make_service([site]))
    make_days(standard, [99, 80, 99], n=100, segment=segment_key(site=site.pk, channel="phone"))
    client = token_client(users[Role.EXECUTIVE], "read")
    query: dict[str, Any] = {"service": standard.service_id, "site": site.pk, "channel": "phone"}
    resp = client.get(f"{API}/monitoring/dashboard/", query)
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["segment"] == f"site:{site.pk}|channel:phone"
    assert body["date_from"] == "2026-01-01"
    (card,) = body["cards"]
    assert card["light"] == "amber"
    assert [p["n"] for p in card["points"]] == [100, 100, 100]
    assert [p["complies"] for p in card["points"]] == [True, False, True]
    assert card["chart"] is None  # too few periods for control limits
    assert card["center"] == []


def test_it_names_the_field_of_a_bad_dashboard_query(users: Any) -> None:
    client = token_client(users[Role.STAFF], "read")
    resp = client.get(
        f"{API}/monitoring/dashboard/", {"date_from": "2026-03-02", "date_to": "2026-03-01"}
    )
    assert resp.status_code == 400
    assert [e["field"] for e in resp.json()["errors"]] == ["date_to"]
    assert client.get(f"{API}/monitoring/dashboard/", {"site": "x"}).status_code == 422


def test_it_records_lists_and_reads_inspections(users: Any) -> None:
    site = make_site()
    service = make_service([site])
    client = token_client(users[Role.QUALITY_MANAGER])
    body = {
        "service": service.pk,
        "site": site.pk,
        "channel": "phone",
        "inspected_at": "2026-03-02T10:00:00+09:00",
        "score": 91.5,
        "checklist": [{"item": "인사", "passed": True}],
    }
    resp = client.post(f"{API}/monitoring/inspections/", body, content_type="application/json")
    assert resp.status_code == 201, resp.content
    pk = resp.json()["id"]
    assert Inspection.objects.get(pk=pk).inspector == users[Role.QUALITY_MANAGER]
    listed = client.get(f"{API}/monitoring/inspections/", {"service": service.pk}).json()
    assert [i["id"] for i in listed["items"]] == [pk]
    assert client.get(f"{API}/monitoring/inspections/{pk}/").json()["score"] == "91.50"


def test_it_refuses_bad_or_forbidden_inspections(users: Any) -> None:
    site, other = make_site(), make_site()
    service = make_service([site, other])
    body = {"service": service.pk, "site": other.pk, "inspected_at": "2026-03-02T10:00:00Z"}
    limited = token_client(make_user(Role.QUALITY_MANAGER, sites=[site]))
    resp = limited.post(
        f"{API}/monitoring/inspections/", body | {"score": 50}, content_type="application/json"
    )
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["field"] == "site"
    qm = token_client(users[Role.QUALITY_MANAGER])
    resp = qm.post(
        f"{API}/monitoring/inspections/", body | {"score": 101}, content_type="application/json"
    )
    assert resp.status_code == 422
    staff = token_client(users[Role.STAFF])
    resp = staff.post(
        f"{API}/monitoring/inspections/", body | {"score": 5}, content_type="application/json"
    )
    assert resp.status_code == 403
    hidden = make_inspection(site=other, service=service)
    assert limited.get(f"{API}/monitoring/inspections/{hidden.pk}/").status_code == 404
    assert not Inspection.objects.exclude(pk=hidden.pk).exists()
