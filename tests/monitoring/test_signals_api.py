"""The signal API: list and detail for readers; acknowledge and dismiss need the write scope,
a monitoring writer and a reason. Errors are problem+json."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.monitoring.detection import signals_detect
from sqms.monitoring.models import Signal, SignalKind, SignalStatus
from sqms.monitoring.series import segment_key
from tests.api.conftest import API, assert_problem, send, token_client
from tests.factories import make_service, make_site, make_user
from tests.monitoring.signal_factories import STABLE, daily_standard, day, midnight, put_days

pytestmark = pytest.mark.django_db
SIGNALS = f"{API}/monitoring/signals/"


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def world() -> dict[str, Any]:
    site, other = make_site(), make_site()
    standard = daily_standard(service=make_service([site, other]))
    seg, other_seg = segment_key(site=site.pk), segment_key(site=other.pk)
    put_days(standard, [*STABLE, 300], segment=seg, site_id=site.pk)
    put_days(standard, [*STABLE, 300], segment=other_seg, site_id=other.pk)
    signals_detect(standard=standard, segments=[seg, other_seg], start=midnight(day(0)))
    return {
        "site": site,
        "standard": standard,
        "breach": Signal.objects.get(kind=SignalKind.BREACH, site=site),
        "theirs": Signal.objects.get(kind=SignalKind.BREACH, site=other),
    }


def test_it_lists_and_reads_signals(world, users):
    client = token_client(users[Role.STAFF], "read")
    resp = client.get(SIGNALS, {"kind": "breach"})
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert {i["id"] for i in items} == {world["breach"].pk, world["theirs"].pk}
    body = client.get(f"{SIGNALS}{world['breach'].pk}/").json()
    assert body["kind"] == "breach"
    assert body["version"] == 1
    assert body["standard"] == world["standard"].code
    assert body["site_id"] == world["site"].pk
    assert body["evidence"]["points"][0]["n"] == 400
    assert_problem(client.get(SIGNALS, {"kind": "nonsense"}), 400, 422)


def test_it_acknowledges_and_dismisses_with_a_reason(world, users):
    client = token_client(users[Role.QUALITY_MANAGER])
    url = f"{SIGNALS}{world['breach'].pk}/acknowledge/"
    assert_problem(send(client, "post", url, {}), 400, 422)
    assert_problem(send(client, "post", url, {"reason": "   "}), 400)
    resp = send(client, "post", url, {"reason": "원인 조사 중"})
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == SignalStatus.ACKNOWLEDGED
    assert resp.json()["handled_by"] == users[Role.QUALITY_MANAGER].username
    assert AuditEntry.objects.filter(
        object_id=str(world["breach"].pk), reason="원인 조사 중"
    ).exists()
    resp = send(client, "post", f"{SIGNALS}{world['breach'].pk}/dismiss/", {"reason": "중복"})
    assert resp.json()["status"] == SignalStatus.DISMISSED
    # Dismissed twice is not a valid move.
    again = send(client, "post", f"{SIGNALS}{world['breach'].pk}/dismiss/", {"reason": "또"})
    assert_problem(again, 400)


def test_it_refuses_read_only_tokens_roles_and_strangers(world, users):
    url = f"{SIGNALS}{world['breach'].pk}/acknowledge/"
    read_only = token_client(users[Role.QUALITY_MANAGER], "read")
    assert_problem(send(read_only, "post", url, {"reason": "x"}), 403)
    staff = token_client(users[Role.STAFF])
    assert_problem(send(staff, "post", url, {"reason": "x"}), 403)
    limited = make_user(Role.QUALITY_MANAGER, sites=[world["site"]])
    client = token_client(limited)
    theirs = f"{SIGNALS}{world['theirs'].pk}/"
    assert_problem(client.get(theirs), 404)
    assert_problem(send(client, "post", f"{theirs}dismiss/", {"reason": "x"}), 404)
    ids = {i["id"] for i in client.get(SIGNALS).json()["items"]}
    assert world["theirs"].pk not in ids
    assert world["breach"].pk in ids
    world["breach"].refresh_from_db()
    assert world["breach"].status == SignalStatus.OPEN


def test_it_asks_anonymous_callers_to_authenticate(world, client):
    assert_problem(client.get(SIGNALS), 401)
