"""The executive overview: services × sites heatmap, top open signals, weekly trend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sqms.core.roles import Role
from sqms.monitoring.models import SignalKind, SignalStatus
from sqms.monitoring.series import segment_key
from tests.factories import make_service, make_site, make_user
from tests.monitoring.dashboard_factories import (
    NOW,
    make_days,
    make_signal,
    share_standard,
)

pytestmark = pytest.mark.django_db
URL = "/monitoring/executive/"


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world() -> dict[str, Any]:
    a, b = make_site(), make_site()
    service = make_service([a, b])
    first, second = share_standard(service), share_standard(service)
    # Site a: 3 of 4 days comply for the first standard, 4 of 4 for the second -> 7/8.
    make_days(first, [99, 99, 90, 99], segment=segment_key(site=a.pk))
    make_days(second, [99, 99, 99, 99], segment=segment_key(site=a.pk))
    # Site b: 1 of 4 days comply.
    make_days(first, [99, 80, 80, 80], segment=segment_key(site=b.pk))
    # Site a, phone only: 0 of 2.
    make_days(first, [50, 50], segment=segment_key(site=a.pk, channel="phone"))
    # Whole service: the trend.
    make_days(first, [99] * 14)
    return {"a": a, "b": b, "service": service, "first": first, "second": second}


def test_it_shows_the_compliance_of_each_service_and_site(users: Any, world: Any) -> None:
    resp = _client(users[Role.EXECUTIVE]).get(URL)
    assert resp.status_code == 200
    overview = resp.context["overview"]
    sv, a, b = world["service"], world["a"], world["b"]
    assert overview.cells[(sv.pk, a.pk)].value == pytest.approx(87.5)
    assert overview.cells[(sv.pk, b.pk)].value == pytest.approx(25.0)
    fig = resp.context["heatmap"]["data"][0]
    row = [s.pk for s in overview.services].index(sv.pk)
    cols = [s.pk for s in overview.sites]
    assert fig["z"][row][cols.index(a.pk)] == 87.5
    assert fig["text"][row][cols.index(b.pk)] == "25.0"
    link = urlparse(fig["customdata"][row][cols.index(b.pk)])
    assert link.path == "/monitoring/dashboard/"
    assert parse_qs(link.query)["site"] == [str(b.pk)]
    assert parse_qs(link.query)["service"] == [str(sv.pk)]
    assert f'href="{fig["customdata"][row][cols.index(b.pk)].replace("&", "&amp;")}"' in (
        resp.content.decode()
    )


def test_it_filters_the_heatmap_by_channel(users: Any, world: Any) -> None:
    resp = _client(users[Role.EXECUTIVE]).get(URL, {"channel": "phone"})
    overview = resp.context["overview"]
    assert overview.cells[(world["service"].pk, world["a"].pk)].value == 0.0
    assert overview.cells[(world["service"].pk, world["b"].pk)].value is None


def test_it_draws_the_weekly_trend(users: Any, world: Any) -> None:
    resp = _client(users[Role.EXECUTIVE]).get(URL)
    trend = resp.context["overview"].trend
    # 2026-03-01 is a Sunday: its week starts on Monday 2026-02-23.
    assert [p.week.isoformat() for p in trend] == ["2026-02-23", "2026-03-02", "2026-03-09"]
    assert [p.evaluated for p in trend] == [1, 7, 6]
    assert all(p.value == 100.0 for p in trend)
    assert resp.context["trend"]["data"][0]["x"][0] == "2026-02-23"


def test_it_counts_a_month_begun_before_the_window_in_the_windows_first_week(
    users: Any, world: Any
) -> None:
    from sqms.standards.models import Period

    monthly = share_standard(world["service"], period=Period.MONTH)
    make_days(monthly, [99] * 5)  # March's first days: the month is merged from them
    window = {"date_from": "2026-03-10", "date_to": "2026-03-31"}
    trend = _client(users[Role.EXECUTIVE]).get(URL, window).context["overview"].trend
    # The month of March (from Sunday 1 March) and the daily periods from 10 March on
    assert [(p.week.isoformat(), p.evaluated) for p in trend] == [("2026-03-09", 1 + 5)]


def test_it_lists_the_open_signals_most_severe_first(users: Any, world: Any) -> None:
    first = world["first"]
    spc = make_signal(first, kind=SignalKind.SPC)
    fast = make_signal(first, kind=SignalKind.SLO_FAST)
    breach = make_signal(first, kind=SignalKind.BREACH)
    make_signal(first, kind=SignalKind.BREACH, status=SignalStatus.DISMISSED)
    signals = _client(users[Role.EXECUTIVE]).get(URL).context["signals"]
    assert [s["signal"].pk for s in signals] == [fast.pk, breach.pk, spc.pk]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Western Electric rule 1: 1 point beyond a control limit"),
        ("ko", "Western Electric 규칙 1: 1개 점이 관리한계를 벗어남"),
    ],
)
def test_it_names_the_rule_in_words_not_its_code(
    users: Any, world: Any, language: str, words: str
) -> None:
    make_signal(world["first"], kind=SignalKind.SPC)
    client = _client(users[Role.EXECUTIVE])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(URL).content.decode()
    assert words in html
    assert "western-electric-1" not in html


def test_it_shows_a_site_limited_user_their_sites_only(world: Any) -> None:
    make_signal(world["first"], site=world["b"])
    mine = make_signal(world["first"], site=world["a"])
    resp = _client(make_user(Role.STAFF, sites=[world["a"]])).get(URL)
    overview = resp.context["overview"]
    assert [s.pk for s in overview.sites] == [world["a"].pk]
    assert [s["signal"].pk for s in resp.context["signals"]] == [mine.pk]
    # Their trend comes from their site, not from the whole service.
    assert sum(p.evaluated for p in overview.trend) == 8


def test_it_needs_the_same_queries_for_more_rollups(users: Any, world: Any) -> None:
    client = _client(users[Role.EXECUTIVE])
    client.get(URL)
    with CaptureQueriesContext(connection) as before:
        client.get(URL)
    make_days(world["second"], [99] * 20, segment=segment_key(site=world["b"].pk))
    with CaptureQueriesContext(connection) as after:
        client.get(URL)
    assert len(before.captured_queries) == len(after.captured_queries) <= 15


def test_it_rejects_a_bad_window_and_answers_strangers(users: Any) -> None:
    assert Client().get(URL).status_code == 302
    resp = _client(users[Role.STAFF]).get(URL, {"date_from": "2026-03-10", "date_to": "2026-03-01"})
    assert resp.status_code == 200
    assert resp.context["form"].errors["date_to"]
    junk = _client(users[Role.STAFF]).get(URL, {"date_from": "x", "channel": "moon"})
    assert junk.status_code == 200
    htmx = _client(users[Role.STAFF]).get(URL, headers={"HX-Request": "true"})
    assert htmx.content.decode().lstrip().startswith('<div id="executive-body"')
