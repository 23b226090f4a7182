"""Reading results: a standard's evaluation periods, derived from stored rollups only.

Rollups are kept at an hour or day grain; a week or month is the merge of its days (counts and
sums add, percentile sketches merge). Every point names the standard version its period was
measured against. Dashboards, charts, signals, objectives and the management review read here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from sqms.monitoring.models import Grain, Rollup
from sqms.standards.models import Aggregation, Metric, Period, ServiceStandard, StandardVersion
from sqms_analytics.sketch import Sketch

QUANTILES = {Aggregation.P50: 0.5, Aggregation.P90: 0.9, Aggregation.P95: 0.95}


def org_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def segment_key(
    *,
    site: int | None = None,
    team: int | None = None,
    channel: str = "",
    agent: int | None = None,
) -> str:
    """The rollup key of a segment: "" for the whole service; parts joined in a fixed order."""
    parts = []
    if agent is not None:
        parts.append(f"agent:{agent}")
    if team is not None:
        parts.append(f"team:{team}")
    elif site is not None:
        parts.append(f"site:{site}")
    if channel:
        parts.append(f"channel:{channel}")
    return "|".join(parts)


def grain_for(period: str) -> str:
    return Grain.HOUR if period == Period.HOUR else Grain.DAY


def period_start(at: dt.datetime, period: str, tz: ZoneInfo | None = None) -> dt.datetime:
    """The start (aware, org time zone) of the period holding `at`; weeks start Monday."""
    local = at.astimezone(tz or org_tz())
    if period == Period.HOUR:
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == Period.WEEK:
        day -= dt.timedelta(days=day.weekday())
    elif period == Period.MONTH:
        day = day.replace(day=1)
    # Re-attach the zone so a period starting across a DST change keeps the right offset.
    return day.replace(tzinfo=None).replace(tzinfo=tz or org_tz())


@dataclass(frozen=True)
class Point:
    """One evaluation period of one segment of a standard."""

    period_start: dt.datetime
    version_id: int
    n: int
    n_meeting: int
    total: float
    total_sq: float
    value: float | None
    """The period's aggregate under the metric's aggregation, in the metric's unit; for the
    share-meeting-threshold aggregation the share in %."""
    complies: bool | None
    """Whether the period meets its version (None without data)."""

    @property
    def share_meeting(self) -> float | None:
        return 100.0 * self.n_meeting / self.n if self.n else None

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None


def aggregate(
    *, metric: Metric, n: int, n_meeting: int, total: float, sketch: Sketch
) -> float | None:
    """A cell's value under the metric's aggregation. `total` sums each record's value; for a
    yes/no or category metric a record's value is 1 when it matches."""
    if n == 0:
        return None
    agg = metric.aggregation
    if agg == Aggregation.SHARE_MEETING_THRESHOLD:
        return 100.0 * n_meeting / n
    if agg == Aggregation.MEAN:
        return total / n
    if agg in QUANTILES:
        return sketch.quantile(QUANTILES[Aggregation(agg)])
    if agg == Aggregation.COUNT:
        return float(total) if metric.source in ("record_flag", "record_category") else float(n)
    if agg == Aggregation.RATE_PER_N:
        return total / n * float(metric.rate_base or 1)
    raise ValueError(f"unknown aggregation {agg}")


def complies(*, metric: Metric, version: StandardVersion, value: float | None) -> bool | None:
    if value is None:
        return None
    if metric.aggregation == Aggregation.SHARE_MEETING_THRESHOLD:
        return value >= float(version.compliance_objective)
    return version.meets(value)


def _merge(
    metric: Metric, versions: dict[int, StandardVersion], start: dt.datetime, rows: Sequence[Rollup]
) -> Point:
    n = sum(r.n for r in rows)
    n_meeting = sum(r.n_meeting for r in rows)
    total = sum(r.total for r in rows)
    total_sq = sum(r.total_sq for r in rows)
    needs_sketch = metric.aggregation in QUANTILES
    sketch = Sketch()
    if needs_sketch:
        for r in rows:
            sketch = sketch.merge(Sketch.from_json(r.sketch))
    if len(rows) == 1 and rows[0].value is not None:
        value: float | None = rows[0].value
    else:
        value = aggregate(metric=metric, n=n, n_meeting=n_meeting, total=total, sketch=sketch)
    version = versions[rows[0].version_id]
    return Point(
        period_start=start,
        version_id=version.pk,
        n=n,
        n_meeting=n_meeting,
        total=total,
        total_sq=total_sq,
        value=value,
        complies=complies(metric=metric, version=version, value=value),
    )


def standard_series(
    *,
    standard: ServiceStandard,
    segment: str = "",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    period: str | None = None,
) -> list[Point]:
    """The standard's points for one segment, oldest first, over [start, end).

    `period` defaults to the evaluation period of the current version; any coarser period than
    the stored grain may be asked for (days merge into weeks and months).
    """
    versions = {v.pk: v for v in StandardVersion.objects.filter(standard=standard)}
    if not versions:
        return []
    current = max(versions.values(), key=lambda v: v.version)
    period = period or current.period
    grain = Grain.HOUR if period == Period.HOUR else Grain.DAY
    qs = Rollup.objects.filter(standard=standard, segment=segment, grain=grain)
    if start is not None:
        qs = qs.filter(period_start__gte=start)
    if end is not None:
        qs = qs.filter(period_start__lt=end)
    fields = ["period_start", "version_id", "n", "n_meeting", "total", "total_sq", "value"]
    if standard.metric.aggregation in QUANTILES:
        fields.append("sketch")
    rows = list(qs.order_by("period_start").only(*fields))
    return merge_rows(standard=standard, rows=rows, period=period, versions=versions)


def merge_rows(
    *,
    standard: ServiceStandard,
    rows: Iterable[Rollup],
    period: str,
    versions: dict[int, StandardVersion] | None = None,
) -> list[Point]:
    """Group grain rows (ordered by time) into evaluation periods and merge each group."""
    if versions is None:
        versions = {v.pk: v for v in StandardVersion.objects.filter(standard=standard)}
    tz = org_tz()
    metric = standard.metric
    points: list[Point] = []
    bucket: list[Rollup] = []
    bucket_start: dt.datetime | None = None
    for row in rows:
        key = period_start(row.period_start, period, tz)
        if bucket and key != bucket_start:
            assert bucket_start is not None
            points.append(_merge(metric, versions, bucket_start, bucket))
            bucket = []
        bucket_start = key
        bucket.append(row)
    if bucket and bucket_start is not None:
        points.append(_merge(metric, versions, bucket_start, bucket))
    return points
