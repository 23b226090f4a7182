"""Dashboard data, built from stored rollups only (never from service records).

The service dashboard reads, for one service and one segment, every standard's rollups in the
window with one query, and derives per standard: its evaluation periods (as `series.merge_rows`),
the compliance over the window with a traffic light, a control chart (`sqms_analytics.charts`)
and the SLO error budget burn-down (`sqms_analytics.slo`). The executive overview reads the
site segments of every visible service the same way. The number of queries does not depend on
the number of rollups or standards.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from math import isfinite
from typing import Any, NamedTuple

import numpy as np
from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from sqms.monitoring import detection
from sqms.monitoring.models import (
    Baseline,
    ChartChoice,
    Grain,
    Rollup,
    Signal,
    SignalKind,
    SignalStatus,
    StandardMonitoring,
)
from sqms.monitoring.series import (
    QUANTILES,
    Point,
    aggregate,
    complies,
    org_tz,
    period_start,
    segment_key,
)
from sqms.org.access import scoped_site_ids, services_visible_to
from sqms.org.models import Service, Site
from sqms.standards.models import (
    Aggregation,
    Comparison,
    Period,
    ServiceStandard,
    StandardVersion,
)
from sqms_analytics import slo
from sqms_analytics.sketch import Sketch

DEFAULT_DAYS = 90
BASELINE_POINTS = 20
AMBER_MARGIN = 5.0
RECENT_PERIODS = 3
TOP_SIGNALS = 10


class Light(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"


@dataclass(frozen=True)
class DashboardFilter:
    """What the dashboard shows: a service, a window of local dates (inclusive) and a segment."""

    service_id: int | None
    start: dt.date
    end: dt.date
    site_id: int | None = None
    team_id: int | None = None
    channel: str = ""

    @property
    def segment(self) -> str:
        return segment_key(site=self.site_id, team=self.team_id, channel=self.channel)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes in the organisation's time zone."""
        tz = org_tz()
        first = dt.datetime.combine(self.start, dt.time(), tzinfo=tz)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        return first, after


def default_window(today: dt.date) -> tuple[dt.date, dt.date]:
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


@dataclass(frozen=True)
class ControlLimits:
    chart: str
    center: list[float | None]
    ucl: list[float | None]
    lcl: list[float | None]
    flagged: list[bool]
    rules: list[list[str]]
    baseline: str
    """"points:N", "window" or "stored": where the limits come from."""
    note: str = ""


@dataclass(frozen=True)
class Burndown:
    objective: float
    """As a fraction, e.g. 0.95."""
    remaining: list[float]
    """Remaining error budget after each period, as a fraction of the window's budget."""
    status: slo.SloStatus
    unit: str
    """"records" (good records of all records) or "periods" (complying periods)."""


@dataclass(frozen=True)
class StandardCard:
    standard: ServiceStandard
    version: StandardVersion | None
    points: list[Point]
    share_meeting: float | None
    """For share-meeting standards: the share of all records in the window meeting the
    threshold, in percent."""
    periods_complying: float | None
    """Share of the window's evaluated periods that comply, in percent."""
    headline: float | None
    objective: float | None
    light: Light
    recent_breaches: int
    limits: ControlLimits | None
    burndown: Burndown | None
    display_values: list[float | None] = field(default_factory=list)

    @property
    def is_share(self) -> bool:
        return self.standard.metric.aggregation == Aggregation.SHARE_MEETING_THRESHOLD


@dataclass(frozen=True)
class ServiceDashboard:
    filters: DashboardFilter
    service: Service | None
    cards: list[StandardCard]


# --- rows and points ------------------------------------------------------------------------
#
# Rollups are read as plain tuples (no model instances). A period equal to the stored grain (an
# hour or a day) is one row, taken as it is; only weeks and months merge their days, and only
# then are percentile sketches read and decoded.

ROW_FIELDS = (
    *("standard_id", "segment", "period_start", "version_id"),
    *("n", "n_meeting", "total", "total_sq", "value"),
)


class Row(NamedTuple):
    standard_id: int
    segment: str
    period_start: dt.datetime
    version_id: int
    n: int
    n_meeting: int
    total: float
    total_sq: float
    value: float | None
    sketch: dict[str, Any] | None = None


def _needs_sketch(standard: ServiceStandard, period: str | None) -> bool:
    return standard.metric.aggregation in QUANTILES and period not in (Period.HOUR, Period.DAY)


def _rows(qs: QuerySet[Rollup], with_sketch: bool) -> list[Row]:
    if with_sketch:
        return [Row(*r) for r in qs.values_list(*ROW_FIELDS, "sketch")]
    return [Row(*r) for r in qs.values_list(*ROW_FIELDS)]


def points_of(
    *,
    standard: ServiceStandard,
    rows: Sequence[Row],
    period: str,
    versions: dict[int, StandardVersion],
) -> list[Point]:
    """The evaluation periods of grain rows ordered by time, as `series.merge_rows` makes them."""
    metric = standard.metric
    if period in (Period.HOUR, Period.DAY):
        checks = {pk: _complies_check(metric, v) for pk, v in versions.items()}
        out = []
        for r in rows:
            value = r.value
            if value is None:
                value = aggregate(
                    metric=metric, n=r.n, n_meeting=r.n_meeting, total=r.total, sketch=Sketch()
                )
            out.append(
                Point(
                    period_start=r.period_start,
                    version_id=r.version_id,
                    n=r.n,
                    n_meeting=r.n_meeting,
                    total=r.total,
                    total_sq=r.total_sq,
                    value=value,
                    complies=checks[r.version_id](value),
                )
            )
        return out
    tz = org_tz()
    buckets: list[tuple[dt.datetime, list[Row]]] = []
    for r in rows:
        key = period_start(r.period_start, period, tz)
        if buckets and buckets[-1][0] == key:
            buckets[-1][1].append(r)
        else:
            buckets.append((key, [r]))
    return [_merge(metric, versions, start, group) for start, group in buckets]


def _complies_check(metric: Any, version: StandardVersion) -> Callable[[float | None], bool | None]:
    """`series.complies` for one version, comparing floats directly when the value is not within
    rounding distance of the threshold (the decimal comparison of `version.meets` is slow)."""
    if metric.aggregation == Aggregation.SHARE_MEETING_THRESHOLD:
        objective = float(version.compliance_objective)
        return lambda value: None if value is None else value >= objective
    threshold = float(version.threshold)
    near = 1e-9 * max(1.0, abs(threshold))
    ops: dict[str, Callable[[float, float], bool]] = {
        Comparison.LE: lambda v, t: v <= t,
        Comparison.LT: lambda v, t: v < t,
        Comparison.GE: lambda v, t: v >= t,
        Comparison.GT: lambda v, t: v > t,
    }
    op = ops[version.comparison]

    def check(value: float | None) -> bool | None:
        if value is None:
            return None
        if abs(value - threshold) <= near:
            return version.meets(value)
        return op(value, threshold)

    return check


def _merge(
    metric: Any, versions: dict[int, StandardVersion], start: dt.datetime, rows: Sequence[Row]
) -> Point:
    n = sum(r.n for r in rows)
    n_meeting = sum(r.n_meeting for r in rows)
    total = sum(r.total for r in rows)
    total_sq = sum(r.total_sq for r in rows)
    sketch = Sketch()
    if metric.aggregation in QUANTILES:
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


# --- compliance and lights ---------------------------------------------------------------


def traffic_light(
    *, headline: float | None, objective: float | None, recent_breaches: int
) -> Light:
    """Green: meets the objective with no breach in the latest periods; amber: within
    AMBER_MARGIN points below the objective, or meeting it with recent breaches; red: further
    below; none: nothing measured."""
    if headline is None or objective is None:
        return Light.NONE
    if headline >= objective:
        return Light.AMBER if recent_breaches else Light.GREEN
    if headline >= objective - AMBER_MARGIN:
        return Light.AMBER
    return Light.RED


def _compliance(
    standard: ServiceStandard, version: StandardVersion | None, points: Sequence[Point]
) -> tuple[float | None, float | None, float | None, int]:
    """(share meeting, share of periods complying, headline, recent breaches)."""
    evaluated = [p for p in points if p.complies is not None]
    periods = (
        100.0 * sum(1 for p in evaluated if p.complies) / len(evaluated) if evaluated else None
    )
    share = None
    if standard.metric.aggregation == Aggregation.SHARE_MEETING_THRESHOLD:
        n = sum(p.n for p in points)
        share = 100.0 * sum(p.n_meeting for p in points) / n if n else None
    headline = (
        share if standard.metric.aggregation == Aggregation.SHARE_MEETING_THRESHOLD else periods
    )
    recent = sum(1 for p in evaluated[-RECENT_PERIODS:] if not p.complies)
    return share, periods, headline, recent


# --- control chart ---------------------------------------------------------------------------
#
# The limits and the judging are those of signal detection (`sqms.monitoring.detection`), so a
# point marked on the dashboard is a point a signal names: stored baseline limits when the
# newest baseline of the segment has them for the chart, else limits estimated from the baseline
# window, else from the first DEFAULT_BASELINE periods of the segment's history. The reference
# points of every standard are read with two queries, whatever the number of standards.


def _baseline_of(rows: Sequence[Baseline], segment: str) -> Baseline | None:
    """The newest baseline of the segment, else the newest of the whole standard."""
    for row in rows:
        if row.segment == segment:
            return row
    return rows[0] if rows else None


@dataclass(frozen=True)
class _LimitsPlan:
    chart: str
    baseline: Baseline | None
    stored: detection.Limits | None
    window: tuple[dt.datetime, dt.datetime] | None = None


def _plans(
    standards: Sequence[ServiceStandard],
    monitoring: dict[int, StandardMonitoring],
    baselines: dict[int, list[Baseline]],
    segment: str,
) -> dict[int, _LimitsPlan]:
    plans = {}
    for s in standards:
        chart = detection.chart_for(s, monitoring.get(s.pk))
        baseline = _baseline_of(baselines.get(s.pk, []), segment)
        stored = None
        same = baseline is not None and baseline.segment == segment
        if same and baseline is not None and (baseline.limits or {}).get("chart") == chart:
            stored = detection.Limits.from_json(baseline.limits, baseline.pk)
        window = (baseline.start, baseline.end) if baseline is not None and not stored else None
        plans[s.pk] = _LimitsPlan(chart, baseline, stored, window)
    return plans


def _reference_points(
    standards: Sequence[ServiceStandard],
    current: dict[int, StandardVersion],
    versions: dict[int, dict[int, StandardVersion]],
    plans: dict[int, _LimitsPlan],
    segment: str,
) -> dict[int, list[Point]]:
    """Per standard without stored limits: the points its limits are estimated from."""
    windows: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    first_of: set[int] = set()
    need_first = [s.pk for s in standards if plans[s.pk].baseline is None and s.pk in current]
    if need_first:
        periods = {sid: current[sid].period for sid in need_first}
        for sid, first in _first_periods(need_first, periods, segment).items():
            length = detection.period_length(periods[sid]) * (detection.DEFAULT_BASELINE * 2)
            windows[sid] = (first, first + length)
            first_of.add(sid)
    for sid, plan in plans.items():
        if plan.window is not None and sid in current:
            windows[sid] = plan.window
    if not windows:
        return {}
    where = Q()
    for sid, (start, end) in windows.items():
        grain = Grain.HOUR if current[sid].period == Period.HOUR else Grain.DAY
        where |= Q(standard_id=sid, grain=grain, period_start__gte=start, period_start__lt=end)
    by_pk = {s.pk: s for s in standards}
    with_sketch = any(_needs_sketch(by_pk[sid], current[sid].period) for sid in windows)
    qs = Rollup.objects.filter(where, segment=segment).order_by("standard_id", "period_start")
    grouped: dict[int, list[Row]] = defaultdict(list)
    for r in _rows(qs, with_sketch):
        grouped[r.standard_id].append(r)
    out = {}
    for sid, group in grouped.items():
        points = points_of(
            standard=by_pk[sid], rows=group, period=current[sid].period, versions=versions[sid]
        )
        usable = [p for p in points if p.n > 0 and p.value is not None]
        out[sid] = usable[: detection.DEFAULT_BASELINE] if sid in first_of else usable
    return out


def _first_periods(
    ids: Sequence[int], periods: dict[int, str], segment: str
) -> dict[int, dt.datetime]:
    """The start of each standard's first cell with records in the segment: one query, each
    standard's answer an index range scan stopped at the first row (not an aggregate over the
    whole history)."""

    def first(grain: str) -> Subquery:
        cells = Rollup.objects.filter(
            standard_id=OuterRef("pk"), grain=grain, segment=segment, n__gt=0
        )
        return Subquery(cells.order_by("period_start").values("period_start")[:1])

    rows = ServiceStandard.objects.filter(pk__in=ids).values_list(
        "pk", first(Grain.DAY), first(Grain.HOUR)
    )
    out = {}
    for sid, day, hour in rows:
        start = hour if periods.get(sid) == Period.HOUR else day
        if start is not None:
            out[sid] = start
    return out


def _grain_q(
    ids: Sequence[int], periods: dict[int, str], start: dt.datetime, end: dt.datetime
) -> Q:
    """The stored rollups of the standards' whole periods that meet [start, end): a week or a
    month the window cuts is read whole, so that its point is the period's value, not a part's."""
    tz = org_tz()
    where = Q(pk__in=[])
    for period in {periods.get(sid, Period.DAY) for sid in ids}:
        these = [sid for sid in ids if periods.get(sid, Period.DAY) == period]
        first = period_start(start, period, tz)
        last = period_start(end - dt.timedelta(microseconds=1), period, tz)
        grain = Grain.HOUR if period == Period.HOUR else Grain.DAY
        where |= Q(
            standard_id__in=these,
            grain=grain,
            period_start__gte=first,
            period_start__lt=period_end(last, period),
        )
    return where


def _display(standard: ServiceStandard, chart: str, p: Point) -> float | None:
    if not p.n or p.value is None:
        return None
    if chart == ChartChoice.P:
        return 100.0 * p.n_meeting / p.n
    return float(p.value)


def control_limits(
    *,
    standard: ServiceStandard,
    points: Sequence[Point],
    plan: _LimitsPlan,
    reference: Sequence[Point],
    monitoring: StandardMonitoring | None = None,
) -> tuple[ControlLimits | None, list[float | None]]:
    """The judged control chart of the plotted points, aligned with them, and the plotted
    values in the metric's display unit (a p chart shows percent)."""
    values = [_display(standard, plan.chart, p) for p in points]
    if not points:
        return None, values
    scale = detection.chart_scale(plan.chart, standard)
    # Periods with too few records are drawn but not judged, exactly as detection does.
    min_records = monitoring.min_records if monitoring else 10
    limits = plan.stored or detection.estimate_limits(
        chart=plan.chart,
        points=[p for p in reference if p.n >= min_records],
        baseline_id=plan.baseline.pk if plan.baseline else None,
        scale=scale,
    )
    if limits is None:
        return None, values
    rule_set = detection.rule_set_of(monitoring.rule_set if monitoring else "")
    view = detection.judge(
        standard=standard, points=points, limits=limits, rules=rule_set, min_records=min_records
    )
    if view is None:
        return None, values
    m = len(points)
    if len(view.points) == m and all(a is b for a, b in zip(view.points, points, strict=True)):
        index: list[int | None] = list(range(m))  # every point judged, in order
    else:
        at = {p.period_start: i for i, p in enumerate(view.points)}
        index = [at.get(p.period_start) for p in points]
    center: list[float | None] = [None] * m
    ucl: list[float | None] = [None] * m
    lcl: list[float | None] = [None] * m
    flagged = [False] * m
    rules: list[list[str]] = [[] for _ in range(m)]
    vv, cc, uu, ll, broken = view.values, view.center, view.ucl, view.lcl, view.violations
    for i, j in enumerate(index):
        if j is None:
            continue
        values[i], center[i], ucl[i], lcl[i] = (
            _finite(vv[j]),
            _finite(cc[j]),
            _finite(uu[j]),
            _finite(ll[j]),
        )
        if broken[j]:
            rules[i] = list(broken[j])
            flagged[i] = True
    if plan.stored is not None:
        source = "stored"
    elif plan.baseline is not None:
        source = "window"
    else:
        source = f"points:{limits.n_points}"
    return ControlLimits(plan.chart, center, ucl, lcl, flagged, rules, source), values


def _finite(x: float | None) -> float | None:
    return float(x) if x is not None and isfinite(x) else None


# --- SLO burn-down ---------------------------------------------------------------------------


def burndown(
    *, standard: ServiceStandard, version: StandardVersion | None, points: Sequence[Point]
) -> Burndown | None:
    """Remaining error budget after each period of the window.

    Share-meeting standards budget records (good = records meeting the threshold); others
    budget periods (good = complying periods). None without data or with a 100 objective.
    """
    if version is None or not points:
        return None
    objective = float(version.compliance_objective) / 100.0
    if not 0.0 < objective < 1.0:
        return None
    if standard.metric.aggregation == Aggregation.SHARE_MEETING_THRESHOLD:
        good = np.array([p.n_meeting for p in points], dtype=np.float64)
        total = np.array([p.n for p in points], dtype=np.float64)
        unit = "records"
    else:
        judged = [p for p in points if p.complies is not None]
        good = np.array([1.0 if p.complies else 0.0 for p in judged])
        total = np.ones(len(judged))
        unit = "periods"
    if total.sum() <= 0:
        return None
    status = slo.slo_status(good, total, objective)
    # Budget of the whole window spent so far: cumulative bad over allowed bad of the window.
    spent = np.cumsum(total - good) / (status.error_budget * status.total)
    return Burndown(objective, (1.0 - spent).tolist(), status, unit)


# --- the service dashboard ------------------------------------------------------------------


def _current_versions(
    versions: Iterable[StandardVersion], at: dt.datetime
) -> tuple[dict[int, dict[int, StandardVersion]], dict[int, StandardVersion]]:
    by_standard: dict[int, dict[int, StandardVersion]] = defaultdict(dict)
    for v in versions:
        by_standard[v.standard_id][v.pk] = v
    current: dict[int, StandardVersion] = {}
    for sid, vs in by_standard.items():
        in_effect = [v for v in vs.values() if v.effective_from <= at] or list(vs.values())
        current[sid] = max(in_effect, key=lambda v: v.version)
    return by_standard, current


def _rollup_rows(
    standards: Sequence[ServiceStandard],
    periods: dict[int, str],
    segments: Sequence[str],
    start: dt.datetime,
    end: dt.datetime,
) -> list[Row]:
    where = _grain_q([s.pk for s in standards], periods, start, end)
    with_sketch = any(_needs_sketch(s, periods.get(s.pk)) for s in standards)
    qs = Rollup.objects.filter(where, segment__in=list(segments))
    return _rows(qs.order_by("standard_id", "segment", "period_start"), with_sketch)


def _grouped(rows: Iterable[Row]) -> dict[tuple[int, str], list[Row]]:
    out: dict[tuple[int, str], list[Row]] = defaultdict(list)
    for r in rows:
        out[(r.standard_id, r.segment)].append(r)
    return out


def service_dashboard(*, filters: DashboardFilter) -> ServiceDashboard:
    """The cards of every active standard of the filtered service, for the filtered segment."""
    if filters.service_id is None:
        return ServiceDashboard(filters, None, [])
    service = Service.objects.filter(pk=filters.service_id).first()
    if service is None:
        return ServiceDashboard(filters, None, [])
    standards = list(
        ServiceStandard.objects.filter(service=service, archived_at__isnull=True)
        .select_related("metric")
        .order_by("code")
    )
    if not standards:
        return ServiceDashboard(filters, service, [])
    ids = [s.pk for s in standards]
    start, end = filters.bounds()
    by_standard, current = _current_versions(
        StandardVersion.objects.filter(standard_id__in=ids), min(end, _now())
    )
    monitoring = {m.standard_id: m for m in StandardMonitoring.objects.filter(standard_id__in=ids)}
    baselines: dict[int, list[Baseline]] = defaultdict(list)
    for b in Baseline.objects.filter(
        standard_id__in=ids, segment__in={filters.segment, ""}
    ).order_by("-created_at", "-pk"):
        baselines[b.standard_id].append(b)
    periods = {sid: v.period for sid, v in current.items()}
    grouped = _grouped(_rollup_rows(standards, periods, [filters.segment], start, end))
    plans = _plans(standards, monitoring, baselines, filters.segment)
    reference = _reference_points(standards, current, by_standard, plans, filters.segment)
    cards = []
    for standard in standards:
        version = current.get(standard.pk)
        versions = by_standard.get(standard.pk, {})
        rows = grouped.get((standard.pk, filters.segment), [])
        points = (
            points_of(standard=standard, rows=rows, period=version.period, versions=versions)
            if version and rows
            else []
        )
        share, periods_ok, headline, recent = _compliance(standard, version, points)
        objective = float(version.compliance_objective) if version else None
        limits, display = control_limits(
            standard=standard,
            points=points,
            plan=plans[standard.pk],
            reference=reference.get(standard.pk, []),
            monitoring=monitoring.get(standard.pk),
        )
        cards.append(
            StandardCard(
                standard=standard,
                version=version,
                points=points,
                share_meeting=share,
                periods_complying=periods_ok,
                headline=headline,
                objective=objective,
                light=traffic_light(headline=headline, objective=objective, recent_breaches=recent),
                recent_breaches=recent,
                limits=limits,
                burndown=burndown(standard=standard, version=version, points=points),
                display_values=display,
            )
        )
    return ServiceDashboard(filters, service, cards)


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def period_end(start: dt.datetime, period: str) -> dt.datetime:
    """The end of the evaluation period starting at `start` (local calendar arithmetic)."""
    local = start.astimezone(org_tz()).replace(tzinfo=None)
    if period == Period.HOUR:
        nxt = local + dt.timedelta(hours=1)
    elif period == Period.WEEK:
        nxt = local + dt.timedelta(days=7)
    elif period == Period.MONTH:
        nxt = (local.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    else:
        nxt = local + dt.timedelta(days=1)
    return nxt.replace(tzinfo=org_tz())


def parse_segment(segment: str) -> dict[str, Any]:
    """The filters of a segment key: {"site": 3, "channel": "phone"}; ValueError when bad."""
    out: dict[str, Any] = {}
    if not segment:
        return out
    for part in segment.split("|"):
        name, _, value = part.partition(":")
        if name in ("site", "team", "agent") and value.isdigit() and name not in out:
            out[name] = int(value)
        elif name == "channel" and value and name not in out:
            out[name] = value
        else:
            raise ValueError(segment)
    return out


# --- the executive overview -----------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    service: Service
    site: Site
    value: float | None
    evaluated: int


@dataclass(frozen=True)
class TrendPoint:
    week: dt.date
    value: float | None
    evaluated: int


@dataclass(frozen=True)
class ExecutiveOverview:
    services: list[Service]
    sites: list[Site]
    cells: dict[tuple[int, int], HeatCell]
    trend: list[TrendPoint]
    signals: list[Signal]


def _site_segment(site_id: int, channel: str) -> str:
    return segment_key(site=site_id, channel=channel)


def executive_overview(
    *, user: Any, start: dt.date, end: dt.date, channel: str = ""
) -> ExecutiveOverview:
    """Services × sites compliance (share of evaluated periods complying, over every standard
    of the service), the weekly trend over all standards and the top open signals."""
    f = DashboardFilter(service_id=None, start=start, end=end, channel=channel)
    first, after = f.bounds()
    scoped = scoped_site_ids(user)
    services = list(services_visible_to(user).filter(archived_at__isnull=True).order_by("code"))
    sites_qs = Site.objects.filter(archived_at__isnull=True).order_by("code")
    if scoped is not None:
        sites_qs = sites_qs.filter(pk__in=scoped)
    sites = list(sites_qs)
    standards = list(
        ServiceStandard.objects.filter(
            service__in=[s.pk for s in services], archived_at__isnull=True
        ).select_related("metric")
    )
    ids = [s.pk for s in standards]
    by_standard, current = _current_versions(
        StandardVersion.objects.filter(standard_id__in=ids), min(after, _now())
    )
    periods = {sid: v.period for sid, v in current.items()}
    site_keys = {_site_segment(s.pk, channel): s.pk for s in sites}
    segments = list(site_keys)
    whole = segment_key(channel=channel)
    if scoped is None:
        segments.append(whole)
    grouped = _grouped(_rollup_rows(standards, periods, segments, first, after))
    ok: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    weekly: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    tz = org_tz()
    for standard in standards:
        version = current.get(standard.pk)
        if version is None:
            continue
        for seg in segments:
            rows = grouped.get((standard.pk, seg))
            if not rows:
                continue
            points = points_of(
                standard=standard,
                rows=rows,
                period=version.period,
                versions=by_standard[standard.pk],
            )
            judged = [p for p in points if p.complies is not None]
            if seg in site_keys:
                cell = ok[(standard.service_id, site_keys[seg])]
                cell[0] += sum(1 for p in judged if p.complies)
                cell[1] += len(judged)
            if seg == whole or (scoped is not None and seg in site_keys):
                for p in judged:
                    # a week or month begun before the window counts in the window's first week
                    local = max(p.period_start.astimezone(tz).date(), start)
                    week = local - dt.timedelta(days=local.weekday())
                    weekly[week][0] += 1 if p.complies else 0
                    weekly[week][1] += 1
    cells = {
        (sv.pk, st.pk): HeatCell(
            sv,
            st,
            100.0 * ok[(sv.pk, st.pk)][0] / ok[(sv.pk, st.pk)][1]
            if ok.get((sv.pk, st.pk), [0, 0])[1]
            else None,
            ok.get((sv.pk, st.pk), [0, 0])[1],
        )
        for sv in services
        for st in sites
    }
    trend = [
        TrendPoint(week, 100.0 * good / total if total else None, total)
        for week, (good, total) in sorted(weekly.items())
    ]
    return ExecutiveOverview(
        services, sites, cells, trend, top_signals(user=user, services=services)
    )


SEVERITY = {
    SignalKind.SLO_FAST: 0,
    SignalKind.BREACH: 1,
    SignalKind.SLO_SLOW: 2,
    SignalKind.SPC: 3,
}


def top_signals(
    *, user: Any, services: Sequence[Service], limit: int = TOP_SIGNALS
) -> list[Signal]:
    """The latest open signals of the services, most severe kind first, then most recent."""
    scoped = scoped_site_ids(user)
    qs = Signal.objects.filter(
        status=SignalStatus.OPEN, standard__service__in=[s.pk for s in services]
    )
    if scoped is not None:
        qs = qs.filter(site_id__in=scoped)
    severity = Case(
        *[When(kind=k, then=Value(v)) for k, v in SEVERITY.items()],
        default=Value(9),
        output_field=IntegerField(),
    )
    return list(
        qs.annotate(severity=severity)
        .select_related("standard", "site")
        .order_by("severity", "-last_period", "-pk")[:limit]
    )
