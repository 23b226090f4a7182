"""A year of demo service records with weekday and hour-of-day patterns, and one injected
deterioration the charts must catch.

`build_monitoring_demo()` runs after the standards (and feedback) demo: it writes records
through the import writer (batched executemany / COPY, never model saves), then evaluates every
standard set-based. A second run adds nothing.

The deterioration: at the site `DETERIORATION["site"]` the answer times of standard
`DETERIORATION["standard"]` degrade strongly from `start_days_ago` to `end_days_ago` days
before the demo was built, then recover to better than before (the effect of a corrective
action that the improvement demo verifies).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sqms.monitoring import series
from sqms.monitoring.evaluation import evaluate_all
from sqms.monitoring.ingest import CleanRow
from sqms.monitoring.ingest_columns import RecordColumns
from sqms.monitoring.models import RecordSource, ServiceRecord
from sqms.monitoring.services import source_create
from sqms.monitoring.writer import upsert_columns
from sqms.org.models import Employee, Service, Site, Team

SOURCE = "demo-ccaas"
CSAT_STANDARD = "STD-ACC-CSAT"
DAYS = 365
SEED = 20260101
DETERIORATION: dict[str, Any] = {
    "standard": "STD-CARD-ASA",
    "metric": "ASA",
    "service": "CARD-LOST",
    "site": "BSN",
    "start_days_ago": 120,
    "end_days_ago": 75,
}

# records per day on an average weekday, per demo service
VOLUME = {
    "CARD-LOST": 150,
    "BILLING": 80,
    "ACCOUNT": 40,
    "CHAT-GEN": 80,
    "COMPLAINT": 30,
    "TECH": 60,
    "RETENTION": 40,
    "VIP": 30,
}
WEEKDAY = np.array([1.25, 1.1, 1.0, 1.0, 1.15, 0.55, 0.35])
# share of a day's contacts per local hour: a morning peak and an after-lunch peak
HOURS = np.array(
    [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4.0, 8.0, 10.0, 9.0,
     6.5, 8.5, 9.0, 8.0, 7.0, 5.5, 4.0, 3.0, 2.2, 1.6, 1.0, 0.6]
)  # fmt: skip
HOURS = HOURS / HOURS.sum()


def deterioration_window(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The [start, end) of the injected deterioration as aware datetimes (local midnights)."""
    today = series.period_start(now or timezone.now(), "day")
    return (
        today - dt.timedelta(days=DETERIORATION["start_days_ago"]),
        today - dt.timedelta(days=DETERIORATION["end_days_ago"]),
    )


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(round(float(seconds), 3), tz=dt.UTC).isoformat()


def _moment(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(round(float(seconds), 3), tz=dt.UTC)


def _wait_seconds(
    rng: np.random.Generator, n: int, median: float, spread: float = 0.8
) -> np.ndarray:
    return rng.lognormal(np.log(median), spread, n)


class _Org:
    def __init__(self) -> None:
        self.sites = {s.pk: s.code for s in Site.objects.all()}
        self.teams: dict[int, list[int]] = {}
        for team in Team.objects.order_by("pk"):
            self.teams.setdefault(team.site_id, []).append(team.pk)
        self.agents: dict[int, list[int]] = {}
        for e in Employee.objects.filter(team__isnull=False).order_by("pk"):
            assert e.team_id is not None
            self.agents.setdefault(e.team_id, []).append(e.pk)


def _service_rows(
    service: Service, org: _Org, rng: np.random.Generator, today: dt.datetime, scale: float
) -> list[CleanRow]:
    """Every demo record of one service over the last DAYS days (local time), column-wise."""
    site_ids = sorted(service.sites.values_list("pk", flat=True)) or sorted(org.sites)
    channels = list(service.channels) or ["phone"]
    day_starts = [today - dt.timedelta(days=d) for d in range(DAYS, -1, -1)]
    base = VOLUME.get(service.code, 30) * scale
    counts = rng.poisson(
        [base * WEEKDAY[d.weekday()] for d in day_starts],
    )
    day_index = np.repeat(np.arange(len(day_starts)), counts)
    n = int(day_index.size)
    day_epoch = np.array([d.timestamp() for d in day_starts])
    hour = rng.choice(24, size=n, p=HOURS)
    received = day_epoch[day_index] + hour * 3600 + rng.uniform(0, 3600, n)
    now = timezone.now().timestamp()
    keep = received < now
    day_index, received = day_index[keep], received[keep]
    n = int(received.size)
    days_ago = len(day_starts) - 1 - day_index
    site = np.array(site_ids)[rng.integers(0, len(site_ids), n)]
    channel = np.array(channels)[rng.choice(len(channels), n, p=_channel_weights(len(channels)))]
    pick = rng.random(n)

    # answer times (ASA): seconds from queueing to an agent
    asa_median = {"VIP": 5.0}.get(service.code, 9.0)
    wait = _wait_seconds(rng, n, asa_median, 0.9)
    if service.code == DETERIORATION["service"]:
        bad_site = next((pk for pk, code in org.sites.items() if code == DETERIORATION["site"]), 0)
        at_site = site == bad_site
        during = (days_ago <= DETERIORATION["start_days_ago"]) & (
            days_ago > DETERIORATION["end_days_ago"]
        )
        after = days_ago <= DETERIORATION["end_days_ago"]
        wait = np.where(at_site & during, _wait_seconds(rng, n, 45.0, 0.7), wait)
        wait = np.where(at_site & after, _wait_seconds(rng, n, 5.0, 0.7), wait)
    queued = received + rng.uniform(2, 15, n)
    answered = queued + wait
    talk = rng.gamma(4.0, 60.0 * {"ACCOUNT": 6.0, "TECH": 2.5}.get(service.code, 1.5), n)
    started = answered
    closed = started + talk
    first_response = {
        "BILLING": received + _wait_seconds(rng, n, 2.5 * 3600, 0.9),
        "CHAT-GEN": received + _wait_seconds(rng, n, 22.0, 0.6),
    }.get(service.code, answered)
    resolved = closed + rng.exponential(3600, n)
    fcr = pick < {"TECH": 0.76}.get(service.code, 0.82)
    abandoned = rng.random(n) < {"RETENTION": 0.045}.get(service.code, 0.03)
    complaint = rng.random(n) < {"COMPLAINT": 0.35}.get(service.code, 0.008)

    rows: list[CleanRow] = []
    prefix = f"DEMO-{service.code}-"
    teams_of = org.teams
    agents_of = org.agents
    team_pick = rng.integers(0, 1000, n)
    agent_pick = rng.integers(0, 1000, n)
    for i in range(n):
        s = int(site[i])
        teams = teams_of.get(s) or [0]
        team = teams[int(team_pick[i]) % len(teams)]
        agents = agents_of.get(team) or [0]
        agent = agents[int(agent_pick[i]) % len(agents)]
        ab = bool(abandoned[i])
        extra = {
            "queued_at": _iso(queued[i]),
            "answered_at": "" if ab else _iso(answered[i]),
            "started_at": _iso(started[i]),
            "closed_at": _iso(closed[i]),
            "abandoned": ab,
            "contact_type": "complaint" if complaint[i] else "inquiry",
        }
        if ab:
            del extra["answered_at"]
        received_at = _moment(received[i])
        values = (
            f"{prefix}{received_at:%Y%m%d}-{i}",
            service.pk,
            s,
            team or None,
            str(channel[i]),
            agent or None,
            received_at,
            None if ab else _moment(first_response[i]),
            None if ab else _moment(resolved[i]),
            None if ab else round(float(talk[i]), 1),
            None if ab else bool(fcr[i]),
            "민원" if complaint[i] else "일반 문의",
            json.dumps(extra, sort_keys=True, ensure_ascii=False),
        )
        rows.append(CleanRow(*values))
    return rows


def _channel_weights(k: int) -> list[float]:
    weights = [0.7, *([0.3 / (k - 1)] * (k - 1))] if k > 1 else [1.0]
    return weights


def build_monitoring_demo(
    *, scale: float | None = None, services: Sequence[str] | None = None
) -> int:
    """Records for the demo services and their rollups; returns how many records were added
    (0 when the demo source already holds records). `scale` multiplies the volume; under the
    test runner it defaults to a fiftieth so the demo command stays quick in tests."""
    if scale is None:
        scale = 0.02 if getattr(settings, "TESTING", False) else 1.0
    source = RecordSource.objects.filter(name=SOURCE).first()
    if source is not None and ServiceRecord.objects.filter(source=source).exists():
        return 0
    codes = list(services or VOLUME)
    demo_services = list(Service.objects.filter(code__in=codes).order_by("code"))
    if not demo_services:
        return 0
    with transaction.atomic():
        if source is None:
            source = source_create(
                actor=None,
                name=SOURCE,
                description="데모 콜센터(CCaaS) 상담 기록",
                time_zone="Asia/Seoul",
            )
        org = _Org()
        rng = np.random.default_rng(SEED)
        today = series.period_start(timezone.now(), "day")
        added = 0
        for service in demo_services:
            rows = _service_rows(service, org, rng, today, scale)
            for start in range(0, len(rows), 20_000):
                records = RecordColumns.from_rows(rows[start : start + 20_000])
                added += upsert_columns(source_id=source.pk, records=records).created
        _feedback_standard()
        evaluate_all()
    return added


def _feedback_standard() -> None:
    """The demo survey asks about account opening: a CSAT standard there gives feedback
    rollups (the complaint-service CSAT standard has no responses in the demo)."""
    from decimal import Decimal

    from sqms.standards import services as standards
    from sqms.standards.models import Metric, Period, Segment, ServiceStandard

    metric = Metric.objects.filter(code="CSAT").first()
    service = Service.objects.filter(code="ACCOUNT").first()
    if metric is None or service is None or ServiceStandard.objects.filter(code=CSAT_STANDARD):
        return
    from sqms.core.models import User

    actor = User.objects.filter(username="quality").first()
    standards.standard_create(
        actor=actor,
        owner=actor,
        code=CSAT_STANDARD,
        name="계좌 개설 고객만족도 4.0점 이상",
        service=service,
        metric=metric,
        threshold=Decimal("4.0"),
        compliance_objective=Decimal(90),
        period=Period.MONTH,
        segments=[Segment.SITE],
        basis="customer_requirement",
        basis_reference="고객만족도 조사 결과 관리 기준",
        effective_from=timezone.now() - dt.timedelta(days=120),
        reason="최초 제정",
    )
