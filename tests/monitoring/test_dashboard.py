"""The service dashboard and its drill-down: lights, chart data, filters, query counts, scoping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sqms.core.roles import Role
from sqms.monitoring import dashboards, detection
from sqms.monitoring.dashboards import DashboardFilter, Light, traffic_light
from sqms.monitoring.models import Baseline
from sqms.monitoring.series import segment_key
from sqms.standards.models import Aggregation
from tests.factories import make_service, make_site, make_team, make_user
from tests.monitoring.dashboard_factories import (
    DAY0,
    NOW,
    local_midnight,
    make_days,
    make_record,
    make_rollup,
    share_standard,
)
from tests.standards.factories import make_metric

pytestmark = pytest.mark.django_db
URL = "/monitoring/dashboard/"


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _cards(resp: Any) -> list[dict[str, Any]]:
    assert resp.status_code == 200, resp.content[:500]
    return list(resp.context["cards"])


def test_it_applies_the_traffic_light_rule() -> None:
    assert traffic_light(headline=96, objective=95, recent_breaches=0) == Light.GREEN
    assert traffic_light(headline=96, objective=95, recent_breaches=1) == Light.AMBER
    assert traffic_light(headline=91, objective=95, recent_breaches=0) == Light.AMBER
    assert traffic_light(headline=89.9, objective=95, recent_breaches=0) == Light.RED
    assert traffic_light(headline=None, objective=95, recent_breaches=0) == Light.NONE


@pytest.mark.parametrize(
    ("shares", "light"),
    [
        ([98] * 30, Light.GREEN),
        ([93] * 30, Light.AMBER),
        ([99] * 29 + [80], Light.AMBER),  # meets overall, breached in the latest period
        ([80] * 30, Light.RED),
    ],
)
def test_it_shows_the_light_of_the_window(users: Any, shares: list[int], light: Light) -> None:
    standard = share_standard()
    make_days(standard, shares)
    resp = _client(users[Role.QUALITY_MANAGER]).get(URL, {"service": standard.service_id})
    (card,) = _cards(resp)
    assert card["card"].light == light
    assert card["card"].share_meeting == pytest.approx(sum(shares) / len(shares))
    html = resp.content.decode()
    assert f"light-badge light-{light}" in html
    assert str(card["light_label"]) in html  # text next to the colour


def test_it_builds_the_control_chart_with_limits_violations_and_hover(users: Any) -> None:
    standard = share_standard()
    make_days(standard, [97, 98, 96, 97, 98] * 5 + [60, 61, 97, 98, 97])
    resp = _client(users[Role.STAFF]).get(URL, {"service": standard.service_id})
    (card,) = _cards(resp)
    fig = card["chart"]
    names = [t["name"] for t in fig["data"]]
    assert names == ["Value", "Centre line", "UCL", "LCL", "Rule violation"]
    points = fig["data"][0]
    assert len(points["x"]) == 30
    assert points["x"][0] == DAY0.isoformat()
    assert points["y"][25] == pytest.approx(60.0)
    assert "%{customdata[1]}" in points["hovertemplate"]  # n
    assert points["customdata"][0][1] == 100
    # Limits from the first 20 points: centre 97.2 percent.
    assert fig["data"][1]["y"][0] == pytest.approx(97.2)
    violation = fig["data"][4]
    assert DAY0.replace(day=26).isoformat() in violation["x"]
    assert card["card"].limits.baseline == "points:20"
    # The drill-down URL of a point: the figure's drill URL and the point's period start.
    url = urlparse(fig["drill"] + quote(points["customdata"][25][0], safe=""))
    assert url.path == reverse("monitoring:dashboard_drilldown")
    query = parse_qs(url.query)
    assert query["standard"] == [str(standard.pk)]
    assert dt.datetime.fromisoformat(query["period"][0]) == local_midnight(DAY0.replace(day=26))
    assert _client(users[Role.STAFF]).get(url.path, query).status_code == 200
    # Limit lines keep the ends of each run of equal values: constant limits are two points.
    assert fig["data"][1]["x"] == [points["x"][0], points["x"][-1]]
    # The same data as a table for screen readers.
    assert '<details class="dash-data">' in resp.content.decode()


def test_it_uses_stored_baseline_limits(users: Any) -> None:
    standard = share_standard()
    make_days(standard, [97] * 10)
    Baseline.objects.create(
        standard=standard,
        start=local_midnight(DAY0),
        end=local_midnight(DAY0) + dt.timedelta(days=5),
        reason="기준",
        limits=detection.Limits(
            chart="p", center=0.99, sigma=0.01, n_points=20, start=None, end=None, scale=100
        ).to_json()
        | {"mean_n": 100},
    )
    (card,) = _cards(_client(users[Role.STAFF]).get(URL, {"service": standard.service_id}))
    limits = card["card"].limits
    assert limits.baseline == "stored"
    assert limits.center[0] == pytest.approx(99)
    assert limits.ucl[0] == pytest.approx(99.3)  # 99 + 3 × 0.01 / √100, in percent
    assert all(limits.flagged)


def test_it_charts_an_imr_for_a_mean_metric(users: Any) -> None:
    metric = make_metric(aggregation=Aggregation.MEAN)
    standard = share_standard(metric=metric)
    values = [30.0, 32.0, 31.0, 29.0, 30.5, 31.5, 30.0, 30.5, 31.0, 29.5]
    for i, v in enumerate(values):
        make_rollup(standard, DAY0 + dt.timedelta(days=i), value=v)
    (card,) = _cards(_client(users[Role.STAFF]).get(URL, {"service": standard.service_id}))
    assert card["card"].limits.chart == "imr"
    assert card["card"].limits.center[0] == pytest.approx(sum(values) / 10)
    assert card["chart"]["data"][0]["y"] == values
    # Without a share, the budget counts complying periods (all ≤ 60 here).
    assert card["card"].burndown.unit == "periods"
    assert card["card"].burndown.remaining[-1] == pytest.approx(1.0)


def test_it_burns_the_error_budget_down(users: Any) -> None:
    standard = share_standard(objective=90)
    make_days(standard, [95, 85, 80, 95])  # bad: 5 + 15 + 20 + 5 = 45 of 400, budget 40
    (card,) = _cards(_client(users[Role.STAFF]).get(URL, {"service": standard.service_id}))
    b = card["card"].burndown
    assert b.remaining == pytest.approx([1 - 5 / 40, 1 - 20 / 40, 1 - 40 / 40, 1 - 45 / 40])
    assert b.status.budget_remaining == pytest.approx(-5 / 40)
    assert card["burndown"]["data"][0]["y"][-1] == pytest.approx(-12.5)


def test_it_selects_the_segment_of_the_filters(users: Any) -> None:
    site, other = make_site(), make_site()
    team = make_team(site)
    service = make_service([site, other])
    standard = share_standard(service)
    make_days(standard, [99] * 3, n=100)
    make_days(standard, [99] * 3, n=40, segment=segment_key(site=site.pk))
    make_days(standard, [99] * 3, n=20, segment=segment_key(site=site.pk, channel="phone"))
    make_days(standard, [99] * 3, n=10, segment=segment_key(team=team.pk, channel="phone"))
    client = _client(users[Role.STAFF])

    def ns(**params: Any) -> list[int]:
        query: dict[str, Any] = {"service": service.pk, **params}
        resp = client.get(URL, query)
        (card,) = _cards(resp)
        return [p.n for p in card["card"].points]

    assert ns() == [100] * 3
    assert ns(site=site.pk) == [40] * 3
    assert ns(site=site.pk, channel="phone") == [20] * 3
    # The team wins over the site; the channel combines.
    assert ns(site=site.pk, team=team.pk, channel="phone") == [10] * 3
    assert ns(site=other.pk) == []
    assert DashboardFilter(1, DAY0, DAY0, site_id=3, team_id=7, channel="x").segment == (
        "team:7|channel:x"
    )


def test_it_keeps_the_filters_in_the_url_and_swaps_only_the_body_for_htmx(users: Any) -> None:
    site = make_site()
    standard = share_standard(make_service([site]))
    make_days(standard, [99] * 3)
    client = _client(users[Role.STAFF])
    resp = client.get(URL, {"service": standard.service_id, "site": site.pk})
    html = resp.content.decode()
    assert 'hx-push-url="true"' in html
    assert f'<option value="{site.pk}" selected>' in html
    assert 'name="date_from" value="2026-01-01"' in html  # default: the last 90 days
    partial = client.get(
        URL, {"service": standard.service_id, "site": site.pk}, headers={"HX-Request": "true"}
    )
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="dashboard-body"')
    assert "<form" not in body


def test_it_rejects_bad_filters_with_named_fields(users: Any) -> None:
    standard = share_standard()
    site, team = make_site(), make_team()
    client = _client(users[Role.STAFF])
    backwards: dict[str, Any] = {
        "service": standard.service_id,
        "date_from": "2026-03-10",
        "date_to": "2026-03-01",
    }
    resp = client.get(URL, backwards)
    assert resp.status_code == 200
    assert resp.context["form"].errors["date_to"]
    assert resp.context["cards"] == []
    mismatch = {"service": standard.service_id, "site": site.pk, "team": team.pk}
    resp = client.get(URL, mismatch)
    assert resp.context["form"].errors["team"]
    resp = client.get(URL, {"service": "junk", "date_from": "nope", "channel": "<x>"})
    assert resp.status_code == 200
    assert set(resp.context["form"].errors) == {"service", "date_from", "channel"}
    resp = client.get(URL, {"date_from": "2020-01-01", "date_to": "2026-01-01"})
    assert resp.context["form"].errors["date_from"]


def _queries(client: Client, service_id: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(URL, {"service": service_id})
    assert resp.status_code == 200
    return len(ctx.captured_queries)


def test_it_needs_the_same_few_queries_whatever_the_number_of_rollups(users: Any) -> None:
    client = _client(users[Role.STAFF])
    small = make_service([make_site()])
    make_days(share_standard(small), [99] * 5)
    big = make_service([make_site()])
    for _ in range(4):
        make_days(share_standard(big), [99, 90, 97] * 20)
    client.get(URL, {"service": small.pk})  # warm the session and caches
    few, many = _queries(client, small.pk), _queries(client, big.pk)
    assert few == many
    assert many <= 15


def test_it_reads_no_service_records(users: Any) -> None:
    site = make_site()
    standard = share_standard(make_service([site]))
    make_days(standard, [99] * 5)
    make_record(standard.service, site, local_midnight(DAY0) + dt.timedelta(hours=9))
    with CaptureQueriesContext(connection) as ctx:
        _client(users[Role.STAFF]).get(URL, {"service": standard.service_id})
    assert not [q for q in ctx.captured_queries if "monitoring_servicerecord" in q["sql"]]


def test_it_limits_a_site_limited_user_to_their_sites(users: Any) -> None:
    site, other = make_site(), make_site()
    service = make_service([site, other])
    standard = share_standard(service)
    make_days(standard, [99] * 3, n=100)
    make_days(standard, [99] * 3, n=7, segment=segment_key(site=site.pk))
    limited = make_user(Role.STAFF, sites=[site])
    client = _client(limited)
    (card,) = _cards(client.get(URL, {"service": service.pk}))
    assert [p.n for p in card["card"].points] == [7] * 3  # their site, not the whole service
    resp = client.get(URL, {"service": service.pk, "site": other.pk})
    assert resp.context["form"].errors["site"]
    assert resp.context["cards"] == []


# --- drill-down ---------------------------------------------------------------------------


def _drill(client: Client, standard: Any, day: dt.date, segment: str = "", **extra: Any) -> Any:
    return client.get(
        reverse("monitoring:dashboard_drilldown"),
        {"standard": standard.pk, "period": local_midnight(day).isoformat(), "segment": segment}
        | extra,
    )


def test_it_drills_down_to_exactly_the_records_of_the_period_and_segment(users: Any) -> None:
    site, other = make_site(), make_site()
    service = make_service([site, other])
    standard = share_standard(service)
    start = local_midnight(DAY0)
    inside = make_record(service, site, start + dt.timedelta(hours=9))
    edge = make_record(service, site, start)
    make_record(service, site, start + dt.timedelta(days=1))  # next period
    make_record(service, site, start - dt.timedelta(seconds=1))  # previous period
    make_record(service, other, start + dt.timedelta(hours=10))  # other site
    make_record(service, site, start + dt.timedelta(hours=11), channel="chat")
    make_record(make_service([site]), site, start + dt.timedelta(hours=9))  # other service
    client = _client(users[Role.STAFF])
    resp = _drill(client, standard, DAY0, segment_key(site=site.pk, channel="phone"))
    assert resp.status_code == 200
    assert {r.pk for r in resp.context["page"]} == {inside.pk, edge.pk}
    whole = _drill(client, standard, DAY0)
    assert whole.context["page"].paginator.count == 4


def test_it_paginates_the_drill_down(users: Any) -> None:
    site = make_site()
    service = make_service([site])
    standard = share_standard(service)
    for i in range(55):
        make_record(service, site, local_midnight(DAY0) + dt.timedelta(minutes=i))
    client = _client(users[Role.STAFF])
    first = _drill(client, standard, DAY0)
    assert len(first.context["page"]) == 50
    second = _drill(client, standard, DAY0, page=2)
    assert len(second.context["page"]) == 5


def test_it_scopes_the_drill_down_to_the_users_sites(users: Any) -> None:
    site, other = make_site(), make_site()
    service = make_service([site, other])
    standard = share_standard(service)
    mine = make_record(service, site, local_midnight(DAY0) + dt.timedelta(hours=9))
    make_record(service, other, local_midnight(DAY0) + dt.timedelta(hours=9))
    client = _client(make_user(Role.STAFF, sites=[site]))
    resp = _drill(client, standard, DAY0)
    assert [r.pk for r in resp.context["page"]] == [mine.pk]
    assert (
        _drill(client, standard, DAY0, segment_key(site=other.pk)).context["page"].paginator.count
        == 0
    )
    # A standard of a service the user cannot see does not exist for them.
    hidden = share_standard(make_service([other]))
    assert _drill(client, hidden, DAY0).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"standard": "x", "period": "2026-03-01"},
        {"standard": "1", "period": "yesterday"},
        {"standard": "99999", "period": "2026-03-01T00:00:00+09:00"},
        {"standard": "1", "period": "2026-03-01", "segment": "planet:3"},
    ],
)
def test_it_answers_bad_drill_down_parameters_with_404(users: Any, params: dict[str, str]) -> None:
    share_standard()
    resp = _client(users[Role.STAFF]).get(reverse("monitoring:dashboard_drilldown"), params)
    assert resp.status_code == 404


def test_it_lets_every_role_read_and_sends_strangers_to_log_in(users: Any) -> None:
    standard = share_standard()
    make_days(standard, [99] * 3)
    assert Client().get(URL).status_code == 302
    for role in Role:
        assert _client(users[role]).get(URL).status_code == 200


def test_it_builds_the_dashboard_from_the_selector_alone() -> None:
    standard = share_standard()
    make_days(standard, [99] * 3)
    board = dashboards.service_dashboard(
        filters=DashboardFilter(standard.service_id, DAY0, DAY0 + dt.timedelta(days=1))
    )
    (card,) = board.cards
    assert [p.n for p in card.points] == [100, 100]
    assert card.version is not None
    assert card.version.version == 1


@pytest.mark.parametrize(
    ("period", "days", "first", "last", "ns"),
    [
        # Wednesday 4 to Tuesday 10 March: the weeks of Monday 2 and Monday 9 March, whole
        ("week", 16, dt.date(2026, 3, 4), dt.date(2026, 3, 10), [700, 700]),
        ("month", 40, dt.date(2026, 3, 10), dt.date(2026, 4, 2), [3100, 900]),
    ],
)
def test_it_reads_a_period_the_window_cuts_whole(
    period: str, days: int, first: dt.date, last: dt.date, ns: list[int]
) -> None:
    standard = share_standard(period=period)
    make_days(standard, [99] * days)  # 1 March on, 100 records a day
    board = dashboards.service_dashboard(filters=DashboardFilter(standard.service_id, first, last))
    (card,) = board.cards
    assert [p.n for p in card.points] == ns


def test_it_lists_at_most_the_latest_periods_in_the_data_table(
    users: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqms.monitoring import dashboard_views

    monkeypatch.setattr(dashboard_views, "TABLE_ROWS", 4)
    standard = share_standard()
    make_days(standard, [99] * 6)
    resp = _client(users[Role.STAFF]).get(URL, {"service": standard.service_id})
    (card,) = _cards(resp)
    assert [r["label"] for r in card["rows"]] == [f"2026-03-0{i}" for i in range(3, 7)]
    assert len(card["chart"]["data"][0]["x"]) == 6
    assert "The latest 4 periods are listed." in resp.content.decode()


def test_it_marks_the_points_signal_detection_judges(users: Any) -> None:
    standard = share_standard()
    make_days(standard, [97, 98, 96, 97, 98] * 5 + [60, 61, 97, 98, 97])
    view = detection.control_chart(standard=standard)
    assert view is not None
    flagged_by_detection = [
        p.period_start for p, r in zip(view.points, view.violations, strict=True) if r
    ]
    (card,) = _cards(_client(users[Role.STAFF]).get(URL, {"service": standard.service_id}))
    marked = [
        p.period_start
        for p, f in zip(card["card"].points, card["card"].limits.flagged, strict=True)
        if f
    ]
    assert marked == flagged_by_detection
    assert marked


def test_it_estimates_limits_from_the_history_not_the_window(users: Any) -> None:
    standard = share_standard()
    make_days(standard, [90, 91, 89, 90, 92, 88, 90, 91, 89, 90] * 2 + [100] * 10)
    window: dict[str, Any] = {"date_from": "2026-03-21", "date_to": "2026-03-30"}
    resp = _client(users[Role.STAFF]).get(URL, {"service": standard.service_id} | window)
    (card,) = _cards(resp)
    assert len(card["card"].points) == 10
    assert card["card"].limits.center[0] == pytest.approx(90.0)  # the first 20 days
    assert all(card["card"].limits.flagged)


def test_it_shows_no_limits_with_too_few_points(users: Any) -> None:
    standard = share_standard()
    make_days(standard, [97, 98, 96])
    resp = _client(users[Role.STAFF]).get(URL, {"service": standard.service_id})
    (card,) = _cards(resp)
    assert card["card"].limits is None
    assert [t["name"] for t in card["chart"]["data"]] == ["Value"]
    assert "Control limits could not be estimated" in resp.content.decode()


@pytest.mark.parametrize("comparison", ["le", "lt", "ge", "gt"])
@pytest.mark.parametrize("aggregation", [Aggregation.MEAN, Aggregation.SHARE_MEETING_THRESHOLD])
def test_it_judges_periods_exactly_as_the_series_does(comparison: str, aggregation: str) -> None:
    from decimal import Decimal

    from sqms.monitoring import series
    from sqms.standards.models import Metric, StandardVersion

    metric = Metric(aggregation=aggregation)
    version = StandardVersion(
        threshold=Decimal("0.3"), comparison=comparison, compliance_objective=Decimal("95.5")
    )
    check = dashboards._complies_check(metric, version)
    values = [None, 0.1 + 0.2, 0.3, 0.30000000001, 0.2999999, 95.5, 95.49999, 95.50001, 7.0, -1.0]
    for value in values:
        assert check(value) == series.complies(metric=metric, version=version, value=value), value
