"""Builders for the signal and alert tests: standards and rollup rows made directly (the
evaluation engine is tested elsewhere)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqms.monitoring.models import Grain, Rollup
from sqms.monitoring.series import org_tz
from sqms.standards.models import ServiceStandard, StandardVersion
from tests.factories import make_service, make_site
from tests.standards.factories import make_standard

DAY0 = dt.date(2026, 1, 1)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=org_tz())


def day(i: int) -> dt.date:
    return DAY0 + dt.timedelta(days=i)


def daily_standard(*, objective: int = 95, **overrides: Any) -> ServiceStandard:
    """A daily share-meeting standard (first response within 60 min) in effect since 2025."""
    overrides.setdefault("service", make_service([make_site()]))
    return make_standard(
        compliance_objective=Decimal(objective),
        effective_from=midnight(DAY0) - dt.timedelta(days=365),
        **overrides,
    )


def current_version(standard: ServiceStandard) -> StandardVersion:
    version = StandardVersion.objects.filter(standard=standard).order_by("-version").first()
    assert version is not None
    return version


def put_days(
    standard: ServiceStandard,
    meeting: list[int],
    *,
    start: int = 0,
    n: int = 400,
    segment: str = "",
    site_id: int | None = None,
    values: list[float] | None = None,
) -> list[Rollup]:
    """One day rollup per entry: `meeting[i]` of `n` records met the threshold on day start+i.
    `values` overrides the stored period value (for mean/percentile metrics)."""
    version = current_version(standard)
    rows = []
    for i, good in enumerate(meeting):
        value = values[i] if values is not None else 100.0 * good / n
        row, _ = Rollup.objects.update_or_create(
            standard=standard,
            grain=Grain.DAY,
            segment=segment,
            period_start=midnight(day(start + i)),
            defaults={
                "version": version,
                "site_id": site_id,
                "n": n,
                "n_meeting": good,
                "total": float(value) * n,
                "total_sq": float(value) ** 2 * n,
                "value": value,
            },
        )
        rows.append(row)
    return rows


# A stable process: about 97-98 % of 400 contacts answered in time, with some noise.
STABLE = [
    390,
    388,
    392,
    389,
    391,
    387,
    390,
    393,
    388,
    390,
    389,
    391,
    392,
    388,
    390,
    389,
    391,
    390,
    388,
    392,
]


def make_signal_objects(standard_pk: int) -> dict[str, int]:
    """For the URL matrix: an open breach signal of the standard."""
    from sqms.monitoring.models import Signal, SignalKind

    standard = ServiceStandard.objects.get(pk=standard_pk)
    signal = Signal.objects.create(
        standard=standard,
        version=current_version(standard),
        kind=SignalKind.BREACH,
        rule="breach",
        first_period=midnight(DAY0),
        last_period=midnight(DAY0),
        evidence={"points": [{"period": midnight(DAY0).isoformat(), "n": 10, "value": 50.0}]},
    )
    return {"monitoring_signal": signal.pk}
