"""Factories for the dashboard and inspection tests: rollups, signals and records made directly."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from sqms.monitoring.dashboards import parse_segment
from sqms.monitoring.models import (
    Grain,
    RecordSource,
    Rollup,
    ServiceRecord,
    Signal,
    SignalKind,
    SignalStatus,
)
from sqms.monitoring.series import org_tz
from sqms.org.models import Service, Site
from sqms.standards.models import ServiceStandard, StandardVersion
from tests.factories import make_service, make_site
from tests.standards.factories import make_standard

_seq = itertools.count(1)
DAY0 = dt.date(2026, 3, 1)
NOW = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=org_tz())


def share_standard(
    service: Service | None = None, *, objective: int = 95, **overrides: Any
) -> ServiceStandard:
    """A daily share-meeting standard in effect since before DAY0."""
    return make_standard(
        service=service or make_service([make_site()]),
        compliance_objective=Decimal(objective),
        effective_from=local_midnight(DAY0) - dt.timedelta(days=400),
        **overrides,
    )


def version_of(standard: ServiceStandard) -> StandardVersion:
    return StandardVersion.objects.filter(standard=standard).order_by("-version").first()  # type: ignore[return-value]


def make_rollup(
    standard: ServiceStandard,
    day: dt.date,
    *,
    n: int = 100,
    meeting: int = 100,
    segment: str = "",
    value: float | None = None,
) -> Rollup:
    parts = parse_segment(segment)
    return Rollup.objects.create(
        standard=standard,
        version=version_of(standard),
        grain=Grain.DAY,
        period_start=local_midnight(day),
        segment=segment,
        site_id=parts.get("site"),
        team_id=parts.get("team"),
        channel=parts.get("channel", ""),
        agent_id=parts.get("agent"),
        n=n,
        n_meeting=meeting,
        total=float(n * 30),
        total_sq=float(n * 900),
        value=(100.0 * meeting / n if n else None) if value is None else value,
    )


def make_days(
    standard: ServiceStandard, shares: list[int], *, segment: str = "", n: int = 100
) -> list[Rollup]:
    """One daily rollup per share (records meeting out of `n`), from DAY0 on."""
    return [
        make_rollup(
            standard, DAY0 + dt.timedelta(days=i), n=n, meeting=share * n // 100, segment=segment
        )
        for i, share in enumerate(shares)
    ]


def make_signal(
    standard: ServiceStandard,
    *,
    kind: str = SignalKind.BREACH,
    status: str = SignalStatus.OPEN,
    site: Site | None = None,
    day: dt.date = DAY0,
) -> Signal:
    return Signal.objects.create(
        standard=standard,
        version=version_of(standard),
        segment=f"site:{site.pk}" if site else "",
        site=site,
        kind=kind,
        status=status,
        rule="western-electric-1" if kind == SignalKind.SPC else "",
        first_period=local_midnight(day),
        last_period=local_midnight(day),
    )


def make_record(
    service: Service,
    site: Site,
    received_at: dt.datetime,
    *,
    channel: str = "phone",
    team_id: int | None = None,
) -> ServiceRecord:
    source, _ = RecordSource.objects.get_or_create(name="dash-test")
    return ServiceRecord.objects.create(
        source=source,
        external_id=f"R{next(_seq)}",
        service=service,
        site=site,
        team_id=team_id,
        channel=channel,
        received_at=received_at,
        first_response_at=received_at + dt.timedelta(seconds=30),
    )


def make_inspection(
    *,
    service: Service | None = None,
    site: Site | None = None,
    actor: Any = None,
    score: str = "85",
    at: dt.datetime | None = None,
    **extra: Any,
) -> Any:
    from sqms.core.roles import Role
    from sqms.monitoring import inspections
    from tests.factories import make_user

    site = site or make_site()
    return inspections.inspection_create(
        actor=actor or make_user(Role.QUALITY_MANAGER),
        service=service or make_service([site]),
        site=site,
        inspected_at=at or local_midnight(DAY0) + dt.timedelta(hours=10),
        score=Decimal(score),
        checklist=extra.pop("checklist", [{"item": "인사", "passed": True}]),
        **extra,
    )


def make_dashboard_objects(org: dict[str, Any]) -> dict[str, int]:
    """For the URL matrix: a standard with rollups, a signal and an inspection."""
    standard = share_standard(org["service"])
    make_days(standard, [99, 90, 97])
    make_signal(standard, site=org["site"])
    inspection = make_inspection(service=org["service"], site=org["site"])
    return {"monitoring_standard": standard.pk, "monitoring_inspection": inspection.pk}


def drilldown_url(objects: dict[str, int]) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    query = urlencode(
        {"standard": objects["monitoring_standard"], "period": local_midnight(DAY0).isoformat()}
    )
    return f"{reverse('monitoring:dashboard_drilldown')}?{query}"
