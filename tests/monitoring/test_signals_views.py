"""Signal pages: list with filters and site scoping, detail with the evidence chart, acknowledge
and dismiss with a reason; baselines and per-standard monitoring settings."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from sqms.core.models import AuditEntry
from sqms.core.roles import Role
from sqms.monitoring.detection import signals_detect
from sqms.monitoring.models import Baseline, Signal, SignalKind, SignalStatus, StandardMonitoring
from sqms.monitoring.series import segment_key
from tests.factories import make_site, make_user
from tests.monitoring.signal_factories import STABLE, daily_standard, day, midnight, put_days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world() -> dict[str, Any]:
    site, other = make_site(), make_site()
    from tests.factories import make_service

    standard = daily_standard(service=make_service([site, other]))
    seg, other_seg = segment_key(site=site.pk), segment_key(site=other.pk)
    for key, site_id in (("", None), (seg, site.pk), (other_seg, other.pk)):
        put_days(standard, [*STABLE, 300], segment=key, site_id=site_id)
    signals_detect(standard=standard, segments=["", seg, other_seg], start=midnight(day(0)))
    breach = Signal.objects.get(kind=SignalKind.BREACH, segment=seg)
    return {"site": site, "other": other, "standard": standard, "breach": breach}


def _detail(signal: Signal) -> str:
    return reverse("monitoring:signal_detail", args=[signal.pk])


def test_it_lists_open_signals_and_filters_them(world, client_for):
    client = client_for(Role.STAFF)
    resp = client.get(reverse("monitoring:signal_list"))
    assert resp.status_code == 200
    shown = [row["signal"] for row in resp.context["rows"]]
    assert world["breach"] in shown
    assert all(s.status == SignalStatus.OPEN for s in shown)
    resp = client.get(
        reverse("monitoring:signal_list"), {"kind": "breach", "site": world["site"].pk}
    )
    assert [row["signal"] for row in resp.context["rows"]] == [world["breach"]]
    resp = client.get(reverse("monitoring:signal_list"), {"kind": "slo_slow"})
    assert all(row["signal"].kind == "slo_slow" for row in resp.context["rows"])


def test_it_shows_a_site_limited_user_only_their_sites(world):
    limited = make_user(Role.QUALITY_MANAGER, sites=[world["site"]])
    client = _client(limited)
    resp = client.get(reverse("monitoring:signal_list"), {"status": ""})
    shown = {row["signal"].site_id for row in resp.context["rows"]}
    assert shown == {world["site"].pk}
    stranger = Signal.objects.get(kind=SignalKind.BREACH, site=world["other"])
    assert client.get(_detail(stranger)).status_code == 404
    whole = Signal.objects.get(kind=SignalKind.BREACH, segment="")
    assert client.get(_detail(whole)).status_code == 404
    resp = client.post(
        reverse("monitoring:signal_acknowledge", args=[stranger.pk]), {"reason": "x"}
    )
    assert resp.status_code == 404


def test_it_shows_the_evidence_chart_table_version_and_history(world, client_for):
    spc = Signal.objects.get(kind=SignalKind.SPC, segment="", rule="western-electric-1")
    resp = client_for(Role.STAFF).get(_detail(spc))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'id="signal-chart-plotly"' in html
    assert "monitoring/signal_chart.js" in html
    assert "<script>" not in html  # CSP: no inline script
    figure = resp.context["figure"]
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["Value", "Centre line", "Upper control limit", "Lower control limit", "Signal"]
    marked = figure["data"][-1]
    assert len(marked["x"]) >= 1
    assert "n = %{customdata}" in figure["data"][0]["hovertemplate"]
    assert json.loads(json.dumps(figure))  # plain JSON
    assert "Version 1" in html
    assert resp.context["points"][-1]["n"] == 400
    assert resp.context["history"]  # the creation is audited


def test_it_offers_raising_a_nonconformance_to_improvement_writers_only(world, client_for):
    breach = world["breach"]
    html = client_for(Role.PROCESS_OWNER).get(_detail(breach)).content.decode()
    assert f"/improvement/signals/{breach.pk}/raise/" in html
    html = client_for(Role.STAFF).get(_detail(breach)).content.decode()
    assert "/raise/" not in html


def test_it_acknowledges_with_a_reason_and_audits_it(world, client_for, users):
    breach = world["breach"]
    client = client_for(Role.QUALITY_MANAGER)
    url = reverse("monitoring:signal_acknowledge", args=[breach.pk])
    resp = client.post(url, {"reason": "  "}, follow=True)
    assert "Please give a reason." in resp.content.decode()
    breach.refresh_from_db()
    assert breach.status == SignalStatus.OPEN
    resp = client.post(url, {"reason": "상담 인력 부족 확인"})
    assert resp.status_code == 302
    breach.refresh_from_db()
    assert breach.status == SignalStatus.ACKNOWLEDGED
    assert breach.handled_by == users[Role.QUALITY_MANAGER]
    assert breach.reason == "상담 인력 부족 확인"
    entry = AuditEntry.objects.filter(object_id=str(breach.pk), reason="상담 인력 부족 확인")
    assert entry.exists()
    assert entry.get().changes["status"] == ["open", "acknowledged"]


def test_it_dismisses_and_reopens(world, client_for):
    breach = world["breach"]
    client = client_for(Role.ADMIN)
    client.post(reverse("monitoring:signal_dismiss", args=[breach.pk]), {"reason": "시험 데이터"})
    breach.refresh_from_db()
    assert breach.status == SignalStatus.DISMISSED
    # Dismissed cannot be acknowledged, only reopened.
    client.post(reverse("monitoring:signal_acknowledge", args=[breach.pk]), {"reason": "x"})
    breach.refresh_from_db()
    assert breach.status == SignalStatus.DISMISSED
    client.post(reverse("monitoring:signal_reopen", args=[breach.pk]), {"reason": "재검토"})
    breach.refresh_from_db()
    assert breach.status == SignalStatus.OPEN
    assert breach.handled_by is None


@pytest.mark.parametrize("role", [Role.STAFF, Role.PROCESS_OWNER, Role.AUDITOR, Role.EXECUTIVE])
def test_it_refuses_handling_to_read_only_roles(world, client_for, role):
    breach = world["breach"]
    for name in ("signal_acknowledge", "signal_dismiss"):
        resp = client_for(role).post(
            reverse(f"monitoring:{name}", args=[breach.pk]), {"reason": "x"}
        )
        assert resp.status_code == 403
    breach.refresh_from_db()
    assert breach.status == SignalStatus.OPEN


def test_it_answers_get_on_handling_urls_with_405(world, client_for):
    url = reverse("monitoring:signal_dismiss", args=[world["breach"].pk])
    assert client_for(Role.QUALITY_MANAGER).get(url).status_code == 405


def test_it_shows_the_limits_and_sets_a_baseline(world, client_for):
    standard = world["standard"]
    url = reverse("monitoring:baseline_edit", args=[standard.pk])
    client = client_for(Role.QUALITY_MANAGER)
    resp = client.get(url)
    assert resp.status_code == 200
    limits = resp.context["limits"]
    assert limits["baseline_id"] is None
    assert limits["center"] == pytest.approx(100 * sum(STABLE) / (400 * 20))
    resp = client.post(
        url, {"segment": "", "start": "2026-01-01", "end": "2026-01-15", "reason": ""}
    )
    assert resp.status_code == 400
    assert "reason" in resp.context["form"].errors
    resp = client.post(
        url, {"segment": "", "start": "2026-01-01", "end": "2026-01-15", "reason": "안정 구간"}
    )
    assert resp.status_code == 302
    baseline = Baseline.objects.get(standard=standard)
    assert baseline.reason == "안정 구간"
    assert baseline.limits["chart"] == "p"
    assert {"center", "ucl", "lcl"} <= set(baseline.limits)
    resp = client.get(url)
    assert resp.context["limits"]["baseline_id"] == baseline.pk
    # A window with too little data is refused with a clear message.
    resp = client.post(
        url, {"segment": "", "start": "2026-01-01", "end": "2026-01-03", "reason": "짧음"}
    )
    assert resp.status_code == 400
    assert "too few periods" in resp.content.decode()


def test_it_lets_readers_see_limits_but_not_set_baselines(world, client_for):
    url = reverse("monitoring:baseline_edit", args=[world["standard"].pk])
    client = client_for(Role.STAFF)
    resp = client.get(url)
    assert resp.status_code == 200
    assert "Set the baseline" not in resp.content.decode()
    data = {"start": "2026-01-01", "end": "2026-01-15", "reason": "x"}
    assert client.post(url, data).status_code == 403


def test_it_saves_monitoring_settings(world, client_for, users):
    standard = world["standard"]
    url = reverse("monitoring:standard_monitoring_edit", args=[standard.pk])
    client = client_for(Role.QUALITY_MANAGER)
    users[Role.STAFF].first_name, users[Role.STAFF].last_name = "민수", "김"
    users[Role.STAFF].save()
    form = client.get(url)
    assert form.status_code == 200
    # subscribers are offered by name as well as login
    assert f"{users[Role.STAFF].get_full_name()} ({users[Role.STAFF].username})" in (
        form.content.decode()
    )
    data = {
        "chart": "imr",
        "rule_set": "nelson",
        "slo_window_days": "14",
        "quiet_minutes": "30",
        "webhook_url": "https://hooks.example.test/T/B/secret",
        "subscribers": [users[Role.STAFF].pk],
    }
    assert client.post(url, data).status_code == 302
    monitoring = StandardMonitoring.objects.get(standard=standard)
    assert (monitoring.chart, monitoring.rule_set, monitoring.slo_window_days) == (
        "imr",
        "nelson",
        14,
    )
    assert list(monitoring.subscribers.all()) == [users[Role.STAFF]]
    assert monitoring.min_records == 10  # left blank: unchanged
    assert client.post(url, {**data, "min_records": "25"}).status_code == 302
    monitoring.refresh_from_db()
    assert monitoring.min_records == 25
    resp = client.post(url, {**data, "min_records": "0"})
    assert resp.status_code == 400
    assert set(resp.context["form"].errors) == {"min_records"}
    entry = AuditEntry.objects.filter(object_id=str(monitoring.pk), action="update").last()
    assert entry is not None
    assert "secret" not in json.dumps(entry.changes)
    bad = {**data, "slo_window_days": "0", "webhook_url": "ftp://x"}
    resp = client.post(url, bad)
    assert resp.status_code == 400
    assert set(resp.context["form"].errors) == {"slo_window_days", "webhook_url"}
    # Readers see the settings without the secret and cannot change them.
    staff = client_for(Role.STAFF)
    html = staff.get(url).content.decode()
    assert "secret" not in html
    assert "hooks.example.test" in html
    assert staff.post(url, data).status_code == 403


def test_it_names_a_resolved_signal_apart_from_a_record_resolved_at(world, client_for):
    from django.conf import settings

    from sqms.monitoring.ingest import TARGET_LABELS

    Signal.objects.create(
        standard=world["standard"],
        version=world["standard"].versions.get(),
        kind=SignalKind.BREACH,
        status=SignalStatus.RESOLVED,
        first_period=midnight(day(-3)),
        last_period=midnight(day(-3)),
    )
    client = client_for(Role.QUALITY_MANAGER)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    url = reverse("monitoring:standard_monitoring_edit", args=[world["standard"].pk])
    html = client.get(url).content.decode()
    assert "해결됨" in html
    assert "해결 일시" not in html
    with translation.override("ko"):
        assert str(TARGET_LABELS["resolved_at"]) == "해결 일시"
        assert str(SignalStatus.RESOLVED.label) == "해결됨"


def test_it_lets_any_reader_subscribe_and_unsubscribe(world, client_for, users):
    standard = world["standard"]
    client = client_for(Role.STAFF)
    url = reverse("monitoring:standard_subscribe", args=[standard.pk])
    assert client.post(url, {"subscribe": "1"}).status_code == 302
    monitoring = StandardMonitoring.objects.get(standard=standard)
    assert users[Role.STAFF] in monitoring.subscribers.all()
    page = client.get(reverse("monitoring:standard_monitoring_edit", args=[standard.pk]))
    assert page.context["subscribed"] is True
    client.post(url, {"subscribe": "0"})
    assert users[Role.STAFF] not in monitoring.subscribers.all()


def test_it_hides_standards_of_other_sites(world):
    from tests.factories import make_service
    from tests.standards.factories import make_standard

    elsewhere = make_standard(service=make_service([world["other"]]))
    limited = make_user(Role.QUALITY_MANAGER, sites=[world["site"]])
    client = _client(limited)
    for name in ("baseline_edit", "standard_monitoring_edit"):
        assert client.get(reverse(f"monitoring:{name}", args=[elsewhere.pk])).status_code == 404


def test_it_lists_signals_in_a_fixed_number_of_queries(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(Role.STAFF)
    url = reverse("monitoring:signal_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"status": ""})
    breach = world["breach"]
    for i in range(15):
        site = make_site()
        Signal.objects.create(
            standard=world["standard"],
            version=breach.version,
            segment=segment_key(site=site.pk, channel="phone"),
            site=site,
            kind=SignalKind.SPC,
            rule=f"nelson-{i % 8 + 1}",
            first_period=breach.first_period,
            last_period=breach.last_period,
        )
    with CaptureQueriesContext(connection) as many:
        resp = client.get(url, {"status": ""})
    assert len(resp.context["rows"]) > 15
    assert len(many.captured_queries) == len(few.captured_queries)
