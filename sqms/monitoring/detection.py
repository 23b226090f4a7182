"""Signals from rollups: breaches, control-chart rules and SLO burn — few, and each one news.

`signals_detect` is called by the evaluation after the rollups of some (standard, segment)
cells changed. Per standard it reads the judged segments' rollups in ONE query, judges each
segment's series once with NumPy, and writes all new and changed signals in bulk with one
audit step; the new open signals make one alert (`alerts.alerts_queue`).

What is judged (the product rules; the signal list page says the same in short):

* **Thin periods are not judged.** A period with fewer records than the standard's
  `StandardMonitoring.min_records` (default 10) is neither a breach, nor a control-chart point,
  nor an SLO burn; charts leave it out. A handful of contacts says nothing about the process.
* **Breach**: a judged period that does not comply with its version.
* **Control chart (spc)**: the chart chosen for the metric, limits from the active baseline (or,
  without one, the first `DEFAULT_BASELINE` judged periods), the standard's rule set. Hourly
  standards are charted by day (an hour holds too few records, and the hour-of-day pattern is
  not a change of the process). Patterns in the good direction (the process got better) open
  nothing, and neither does a lone flagged period that still met the standard (that is the
  rules' false-alarm rate); both stay marked on the chart. All rules broken by one change make
  one signal (its `rule` is the first one broken; each evidence point names its rules).
  Agents are not charted: too few points per agent.
* **SLO burn** (fast: page, slow: ticket) is watched on the whole service only — the error
  budget belongs to the service; sites, teams, channels and agents are judged by breaches
  (and, except agents, control charts). Only share-of-records metrics have a budget to burn.

Episodes: one signal per (standard, segment, kind[, rule for SLO]) and episode. A condition
that recurs folds into the live (open or acknowledged) signal until a quiet stretch ends the
episode: more than `EPISODE_GAP` of time AND that many judged periods without it — a day for
hourly standards, a week for daily ones, four weeks for weekly, a quarter for monthly; for SLO
burn the SLO window. Nights, weekends and thin periods do not count as quiet. An episode that
is over is marked resolved. Periods already covered by an earlier signal of the key (whatever
its status) are never signalled again, so running detection twice changes nothing; a
dismissed signal is not reopened by its old periods.

With `start`, only the periods from `start` (minus what the rules and episodes look back on)
are read; the limits still come from the baseline (read separately when it lies before).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from sqms.core.audit import PendingEntry, audit_record_many, diff, snapshot
from sqms.core.models import AuditAction
from sqms.monitoring.models import (
    Baseline,
    ChartChoice,
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
    grain_for,
    merge_rows,
    org_tz,
    standard_series,
)
from sqms.org.models import Employee, Team
from sqms.standards.models import (
    Aggregation,
    Direction,
    Period,
    ServiceStandard,
    StandardVersion,
)
from sqms_analytics import charts
from sqms_analytics.errors import InputError
from sqms_analytics.rules import RuleResult, RuleSet, evaluate_rules
from sqms_analytics.sketch import Sketch
from sqms_analytics.slo import burn_rate_policy, burn_rates

DEFAULT_BASELINE = 20
"""Without a baseline, the limits come from the first this many periods of the series."""
MIN_POINTS = 8
"""Fewer usable periods than this: no control chart is judged."""
LOOKBACK = 20
"""Periods before the changed range re-read so that run rules see whole patterns."""
EPISODE_GAP = {
    Period.HOUR: dt.timedelta(days=1),
    Period.DAY: dt.timedelta(days=7),
    Period.WEEK: dt.timedelta(days=28),
    Period.MONTH: dt.timedelta(days=92),
}
"""An episode stays open while its condition recurs within this time of its last period."""
QUIET_CAP = 4
"""This many gaps without the condition end an episode even when few periods were judged."""
EVIDENCE_CAP = 50
EWMA_LAMBDA = 0.2
BREACH_RULE = "breach"
SLO_FAST_RULE = "fast-burn"
SLO_SLOW_RULE = "slow-burn"

RULE_SETS = {
    "western_electric": RuleSet.WESTERN_ELECTRIC,
    "western-electric": RuleSet.WESTERN_ELECTRIC,
    "nelson": RuleSet.NELSON,
    "none": RuleSet.NONE,
}

PERIOD_LENGTH = {
    Period.HOUR: dt.timedelta(hours=1),
    Period.DAY: dt.timedelta(days=1),
    Period.WEEK: dt.timedelta(days=7),
    Period.MONTH: dt.timedelta(days=30),
}


def period_length(period: str) -> dt.timedelta:
    return PERIOD_LENGTH.get(Period(period), dt.timedelta(days=1))


def rule_set_of(name: str) -> RuleSet:
    return RULE_SETS.get(name, RuleSet.WESTERN_ELECTRIC)


def monitoring_for(standard: ServiceStandard) -> StandardMonitoring:
    """The standard's monitoring settings; unsaved defaults when none were stored yet."""
    found = StandardMonitoring.objects.filter(standard=standard).first()
    return found if found is not None else StandardMonitoring(standard=standard)


def chart_for(standard: ServiceStandard, monitoring: StandardMonitoring | None = None) -> str:
    """The control chart for the standard's metric: the stored choice, or by aggregation."""
    choice = monitoring.chart if monitoring is not None else ChartChoice.AUTO
    if choice and choice != ChartChoice.AUTO:
        return str(choice)
    agg = standard.metric.aggregation
    if agg == Aggregation.SHARE_MEETING_THRESHOLD:
        return ChartChoice.P
    if agg == Aggregation.RATE_PER_N:
        return ChartChoice.U
    if agg == Aggregation.COUNT:
        return ChartChoice.C
    return ChartChoice.IMR


def chart_scale(chart: str, standard: ServiceStandard) -> float:
    """Chart statistic → the metric's display unit (p: fraction → %, u: per record → per N)."""
    if chart == ChartChoice.P:
        return 100.0
    if chart == ChartChoice.U:
        return float(standard.metric.rate_base or 1)
    return 1.0


def _values(points: Sequence[Point]) -> list[float]:
    return [float(p.value) if p.value is not None else math.nan for p in points]


def _usable(points: Iterable[Point]) -> list[Point]:
    return [p for p in points if p.n > 0 and p.value is not None and math.isfinite(p.value)]


# --- limits -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Centre and σ of a chart statistic (in the chart's raw unit) and where they came from.

    `scale` turns the raw unit into the metric's display unit (p: fraction → %), `mean_n` is the
    mean number of records per period of the estimate (for the typical limits of p, u and X̄
    charts, whose limits vary with each period's n)."""

    chart: str
    center: float
    sigma: float
    n_points: int
    start: dt.datetime | None
    end: dt.datetime | None
    baseline_id: int | None = None
    scale: float = 1.0
    mean_n: float = 1.0

    def typical(self) -> tuple[float, float, float]:
        """(centre, UCL, LCL) in the display unit for a period of `mean_n` records."""
        se = self.sigma
        if self.chart in (ChartChoice.P, ChartChoice.U, ChartChoice.XBAR_S):
            se = self.sigma / math.sqrt(max(self.mean_n, 1.0))
        elif self.chart == ChartChoice.EWMA:
            se = self.sigma * math.sqrt(EWMA_LAMBDA / (2 - EWMA_LAMBDA))
        ucl, lcl = self.center + 3 * se, self.center - 3 * se
        if self.chart in (ChartChoice.P, ChartChoice.U, ChartChoice.C):
            lcl = max(lcl, 0.0)
        if self.chart == ChartChoice.P:
            ucl = min(ucl, 1.0)
        k = self.scale
        return self.center * k, ucl * k, lcl * k

    def to_json(self) -> dict[str, Any]:
        """Stored in `Baseline.limits`: centre/UCL/LCL in the display unit for every reader,
        the raw estimate for re-judging."""
        center, ucl, lcl = self.typical()
        return {
            "chart": self.chart,
            "center": center,
            "ucl": ucl,
            "lcl": lcl,
            "center_raw": self.center,
            "sigma_raw": self.sigma,
            "scale": self.scale,
            "mean_n": self.mean_n,
            "n_points": self.n_points,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "baseline": self.baseline_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], baseline_id: int | None) -> Limits | None:
        try:
            return cls(
                chart=str(data["chart"]),
                center=float(data["center_raw"]),
                sigma=float(data["sigma_raw"]),
                n_points=int(data.get("n_points") or 0),
                start=dt.datetime.fromisoformat(data["start"]) if data.get("start") else None,
                end=dt.datetime.fromisoformat(data["end"]) if data.get("end") else None,
                baseline_id=baseline_id,
                scale=float(data.get("scale") or 1.0),
                mean_n=float(data.get("mean_n") or 1.0),
            )
        except (KeyError, TypeError, ValueError):
            return None


def _means_sds(points: Sequence[Point]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = np.array([p.n for p in points], dtype=np.float64)
    total = np.array([p.total for p in points], dtype=np.float64)
    total_sq = np.array([p.total_sq for p in points], dtype=np.float64)
    means = total / n
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(n > 1, (total_sq - n * means * means) / (n - 1), np.nan)
    return means, np.sqrt(np.maximum(var, 0.0)), n


def estimate_limits(
    *,
    chart: str,
    points: Sequence[Point],
    baseline_id: int | None = None,
    scale: float = 1.0,
) -> Limits | None:
    """Limits estimated from `points` (phase I); None with too few points or no spread."""
    pts = _usable(points)
    if len(pts) < MIN_POINTS:
        return None
    n = [p.n for p in pts]
    try:
        if chart == ChartChoice.P:
            c = charts.p_chart([p.n_meeting for p in pts], n, rules=RuleSet.NONE)
            center, sigma = c.center, c.sigma
        elif chart == ChartChoice.U:
            c = charts.u_chart([p.total for p in pts], n, rules=RuleSet.NONE)
            center, sigma = c.center, c.sigma
        elif chart == ChartChoice.C:
            c = charts.c_chart(_values(pts), rules=RuleSet.NONE)
            center, sigma = c.center, c.sigma
        elif chart == ChartChoice.XBAR_S:
            means, sds, sizes = _means_sds(pts)
            ok = sizes > 1
            if ok.sum() < MIN_POINTS:
                return None
            sigma = charts.sigma_from_sds(sds[ok], sizes[ok])
            center = float(np.sum(means * sizes) / np.sum(sizes))
        else:  # imr, ewma: σ from the moving range of the period values
            c = charts.imr_chart(_values(pts), rules=RuleSet.NONE)
            center, sigma = c.center, c.sigma
    except InputError:
        return None
    if not (math.isfinite(center) and math.isfinite(sigma) and sigma > 0):
        return None
    if chart == ChartChoice.P and not 0.0 < center < 1.0:
        return None
    return Limits(
        chart=chart,
        center=float(center),
        sigma=float(sigma),
        n_points=len(pts),
        start=pts[0].period_start,
        end=pts[-1].period_start,
        baseline_id=baseline_id,
        scale=scale,
        mean_n=float(sum(n) / len(n)),
    )


def active_baseline(*, standard: ServiceStandard, segment: str) -> Baseline | None:
    """The newest baseline of the segment, else the newest of the whole standard ("")."""
    rows = list(
        Baseline.objects.filter(standard=standard, segment__in={segment, ""}).order_by(
            "-created_at", "-pk"
        )
    )
    for row in rows:
        if row.segment == segment:
            return row
    return rows[0] if rows else None


def _first_periods(
    standard: ServiceStandard, segment: str, period: str, min_records: int = 0
) -> list[Point]:
    grain = grain_for(period)
    first = (
        Rollup.objects.filter(standard=standard, segment=segment, grain=grain, n__gt=0)
        .order_by("period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    if first is None:
        return []
    # More than DEFAULT_BASELINE periods: empty and thin periods are skipped.
    end = first + period_length(period) * (DEFAULT_BASELINE * 4)
    points = standard_series(
        standard=standard, segment=segment, start=first, end=end, period=period
    )
    return [p for p in _usable(points) if p.n >= min_records][:DEFAULT_BASELINE]


def limits_for(
    *,
    standard: ServiceStandard,
    segment: str,
    chart: str | None = None,
    monitoring: StandardMonitoring | None = None,
) -> Limits | None:
    """The limits the segment's points are judged against (see the module docstring)."""
    chart = chart or chart_for(standard, monitoring)
    min_records = monitoring.min_records if monitoring is not None else 0
    current = StandardVersion.objects.filter(standard=standard).order_by("-version").first()
    if current is None:
        return None
    # as detection does: hourly standards are charted by day, and limits stored for another
    # period are estimated afresh
    period = chart_period(current.period)
    baseline = active_baseline(standard=standard, segment=segment)
    if baseline is not None:
        if (
            period == current.period
            and baseline.segment == segment
            and baseline.limits.get("chart") == chart
        ):
            stored = Limits.from_json(baseline.limits, baseline.pk)
            if stored is not None:
                return stored
        points = standard_series(
            standard=standard,
            segment=segment,
            start=baseline.start,
            end=baseline.end,
            period=period,
        )
        return estimate_limits(
            chart=chart,
            points=[p for p in points if p.n >= min_records],
            baseline_id=baseline.pk,
            scale=chart_scale(chart, standard),
        )
    return estimate_limits(
        chart=chart,
        points=_first_periods(standard, segment, period, min_records),
        scale=chart_scale(chart, standard),
    )


# --- judging --------------------------------------------------------------------------------


@dataclass
class ChartView:
    """A judged control chart in the metric's display unit, ready for evidence and figures."""

    chart: str
    limits: Limits
    scale: float
    points: list[Point]
    values: list[float]
    center: list[float]
    ucl: list[float]
    lcl: list[float]
    rules: RuleResult
    violations: list[list[str]] = field(default_factory=list)

    def point_json(self, i: int) -> dict[str, Any]:
        p = self.points[i]
        return {
            "period": p.period_start.isoformat(),
            "n": p.n,
            "value": _num(self.values[i]),
            "center": _num(self.center[i]),
            "ucl": _num(self.ucl[i]),
            "lcl": _num(self.lcl[i]),
            "rules": self.violations[i],
        }

    def limits_json(self) -> dict[str, Any]:
        return {
            **self.limits.to_json(),
            "center_shown": _num(self.limits.center * self.scale),
            "ucl_shown": _num(charts.constant_value(np.asarray(self.ucl))),
            "lcl_shown": _num(charts.constant_value(np.asarray(self.lcl))),
        }


def _num(x: float | None) -> float | None:
    if x is None or not math.isfinite(float(x)):
        return None
    return round(float(x), 6)


def judge(
    *,
    standard: ServiceStandard,
    points: Sequence[Point],
    limits: Limits,
    rules: RuleSet | str = RuleSet.WESTERN_ELECTRIC,
    min_records: int = 0,
) -> ChartView | None:
    """Plot `points` on the limits' chart and apply the rule set; periods with fewer than
    `min_records` records are left out (they are no evidence either way)."""
    pts = [p for p in _usable(points) if p.n >= min_records]
    if not pts:
        return None
    chart, c, s = limits.chart, limits.center, limits.sigma
    n = [p.n for p in pts]
    try:
        if chart == ChartChoice.P:
            series = charts.p_chart(
                [p.n_meeting for p in pts], n, center=c, sigma=s, rules=rules
            ).main
        elif chart == ChartChoice.U:
            series = charts.u_chart([p.total for p in pts], n, center=c, sigma=s, rules=rules).main
        elif chart == ChartChoice.C:
            series = charts.c_chart(_values(pts), center=c, sigma=s, rules=rules).main
        elif chart == ChartChoice.EWMA:
            series = charts.ewma_chart(
                _values(pts), lam=EWMA_LAMBDA, center=c, sigma=s, rules=rules
            ).main
        elif chart == ChartChoice.XBAR_S:
            means, _sds, sizes = _means_sds(pts)
            se = s / np.sqrt(sizes)
            result = evaluate_rules(means, c, se, rules=rules)
            center = np.full(means.size, c)
            return _view(
                standard, limits, pts, means, center, center + 3 * se, center - 3 * se, result
            )
        else:
            series = charts.imr_chart(_values(pts), center=c, sigma=s, rules=rules).main
    except InputError:
        return None
    return _view(
        standard,
        limits,
        pts,
        np.asarray(series.values),
        np.asarray(series.center),
        np.asarray(series.ucl),
        np.asarray(series.lcl),
        series.rules,
    )


def _view(
    standard: ServiceStandard,
    limits: Limits,
    pts: list[Point],
    values: np.ndarray,
    center: np.ndarray,
    ucl: np.ndarray,
    lcl: np.ndarray,
    result: RuleResult,
) -> ChartView:
    k = chart_scale(limits.chart, standard)
    return ChartView(
        chart=limits.chart,
        limits=limits,
        scale=k,
        points=pts,
        values=(values * k).tolist(),
        center=(center * k).tolist(),
        ucl=(ucl * k).tolist(),
        lcl=(lcl * k).tolist(),
        rules=result,
        violations=result.by_point(),
    )


def control_chart(
    *,
    standard: ServiceStandard,
    segment: str = "",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    monitoring: StandardMonitoring | None = None,
) -> ChartView | None:
    """The segment's judged control chart over [start, end): for pages and dashboards."""
    monitoring = monitoring if monitoring is not None else monitoring_for(standard)
    limits = limits_for(standard=standard, segment=segment, monitoring=monitoring)
    if limits is None:
        return None
    points = standard_series(
        standard=standard, segment=segment, start=start, end=end, period=chart_period_of(standard)
    )
    return judge(
        standard=standard,
        points=points,
        limits=limits,
        rules=rule_set_of(monitoring.rule_set),
        min_records=monitoring.min_records,
    )


# --- findings -------------------------------------------------------------------------------


@dataclass
class Finding:
    """One kind+rule found in the examined periods: the flagged periods and the evidence."""

    kind: str
    rule: str
    flagged: list[Point]
    evidence: list[dict[str, Any]]
    meta: dict[str, Any]


def _breach_finding(points: Sequence[Point], versions: dict[int, StandardVersion]) -> Finding:
    bad = [p for p in points if p.complies is False]
    evidence = []
    for p in bad:
        v = versions.get(p.version_id)
        evidence.append(
            {
                "period": p.period_start.isoformat(),
                "n": p.n,
                "value": _num(p.value),
                "threshold": float(v.threshold) if v else None,
                "objective": float(v.compliance_objective) if v else None,
                "version": v.version if v else None,
            }
        )
    return Finding(SignalKind.BREACH, BREACH_RULE, bad, evidence, {"chart": "breach"})


def higher_is_better(standard: ServiceStandard) -> bool:
    """The good direction of the charted statistic: a share meeting the threshold always
    rises when service improves; other aggregations follow the metric's direction."""
    metric = standard.metric
    if metric.aggregation == Aggregation.SHARE_MEETING_THRESHOLD:
        return True
    return bool(metric.direction == Direction.HIGHER_IS_BETTER)


def _spc_findings(view: ChartView, *, up_is_good: bool | None = None) -> list[Finding]:
    """One finding per violated rule. With `up_is_good`, patterns in the good direction (the
    process got better) are left out: they are no problem to act on."""
    out = []
    values = np.asarray(view.values, dtype=np.float64)
    center = np.asarray(view.center, dtype=np.float64)
    for hits in view.rules.hits:
        if hits.count == 0:
            continue
        members: set[int] = set()
        flagged: list[int] = []
        for j in range(hits.count):
            i = int(hits.index[j])
            if up_is_good is not None:
                side = int(hits.side[j]) or int(np.sign(values[i] - center[i]))
                if (side > 0 and up_is_good) or (side < 0 and not up_is_good):
                    continue
            flagged.append(i)
            members.update(view.rules.members(hits, j))
        if not flagged:
            continue
        flagged = sorted(set(flagged))
        evidence = [view.point_json(i) for i in sorted(members | set(flagged))]
        for row in evidence:
            row["violation"] = hits.rule.name in row["rules"]
        out.append(
            Finding(
                SignalKind.SPC,
                hits.rule.name,
                [view.points[i] for i in flagged],
                evidence,
                {"chart": view.chart, "limits": view.limits_json()},
            )
        )
    return out


def _spc_finding(view: ChartView, *, up_is_good: bool | None = None) -> Finding | None:
    """All rules of the chart as one finding: a process change usually breaks several rules
    at once, and it is one thing to look into. Each evidence point names its rules."""
    found = _spc_findings(view, up_is_good=up_is_good)
    if not found:
        return None
    flagged = sorted(
        {p.period_start: p for f in found for p in f.flagged}.values(),
        key=lambda p: p.period_start,
    )
    rows: dict[str, dict[str, Any]] = {}
    for f in found:
        for row in f.evidence:
            have = rows.setdefault(row["period"], dict(row))
            have["violation"] = bool(have.get("violation")) or bool(row.get("violation"))
    evidence = [rows[k] for k in sorted(rows, key=lambda k: _at({"period": k}) or EPOCH)]
    return Finding(SignalKind.SPC, found[0].rule, flagged, evidence, found[0].meta)


def _slo_findings(
    standard: ServiceStandard,
    points: Sequence[Point],
    versions: dict[int, StandardVersion],
    window_days: int,
    period: str,
    min_records: int = 0,
) -> list[Finding]:
    # Thin periods raise no burn alert (a handful of records says little); without a share
    # metric the objective counts complying periods, so only judged periods count.
    pts = [p for p in points if p.n > 0 and p.n >= min_records]
    share = standard.metric.aggregation == Aggregation.SHARE_MEETING_THRESHOLD
    if not share:
        pts = [p for p in pts if p.complies is not None]
    if not pts:
        return []
    latest = versions.get(pts[-1].version_id)
    if latest is None:
        return []
    objective = min(max(float(latest.compliance_objective) / 100.0, 0.0001), 0.9999)
    if share:
        good = np.array([p.n_meeting for p in pts], dtype=np.float64)
        total = np.array([p.n for p in pts], dtype=np.float64)
    else:  # the objective is a share of complying periods
        good = np.array([1.0 if p.complies else 0.0 for p in pts])
        total = np.ones(len(pts))
    bad = total - good
    bucket = period_length(period)
    policy = burn_rate_policy(dt.timedelta(days=max(1, window_days)))
    found = []
    for severity, kind, rule in (
        ("page", SignalKind.SLO_FAST, SLO_FAST_RULE),
        ("ticket", SignalKind.SLO_SLOW, SLO_SLOW_RULE),
    ):
        alerts = [a for a in policy if a.severity == severity]
        if not alerts:
            continue
        firing = np.zeros(len(pts), dtype=bool)
        rates = []
        for alert in alerts:
            long = burn_rates(bad, total, bucket, alert.long_window, objective)
            short = burn_rates(bad, total, bucket, alert.short_window, objective)
            with np.errstate(invalid="ignore"):
                fires = (long > alert.burn_rate) & (short > alert.burn_rate)
            firing |= np.nan_to_num(fires, nan=0).astype(bool)
            rates.append((alert, long, short))
        idx = np.flatnonzero(firing).tolist()
        if not idx:
            continue
        evidence = []
        for i in idx:
            p = pts[i]
            evidence.append(
                {
                    "period": p.period_start.isoformat(),
                    "n": p.n,
                    "good": float(good[i]),
                    "value": _num(100.0 * good[i] / total[i]) if total[i] else None,
                    "burn": [
                        {
                            "window": _fmt(a.long_window),
                            "long": _num(lg[i]),
                            "short": _num(sh[i]),
                            "threshold": _num(a.burn_rate),
                        }
                        for a, lg, sh in rates
                    ],
                }
            )
        meta = {
            "chart": "slo",
            "objective": objective,
            "window_days": window_days,
            "alerts": [
                {
                    "long": _fmt(a.long_window),
                    "short": _fmt(a.short_window),
                    "burn_rate": _num(a.burn_rate),
                    "budget_share": a.budget_share,
                }
                for a, _l, _s in rates
            ],
        }
        found.append(Finding(kind, rule, [pts[i] for i in idx], evidence, meta))
    return found


@functools.lru_cache(maxsize=64)
def _fmt(d: dt.timedelta) -> str:
    from sqms_analytics.slo import format_duration

    return format_duration(d)


# --- signals --------------------------------------------------------------------------------


def segment_site_id(segment: str) -> int | None:
    """The site a segment key belongs to: its site, or its team's or agent's site."""
    parts = dict(part.split(":", 1) for part in segment.split("|") if ":" in part)
    try:
        if "site" in parts:
            return int(parts["site"])
        if "team" in parts:
            return (
                Team.objects.filter(pk=int(parts["team"])).values_list("site_id", flat=True).first()
            )
        if "agent" in parts:
            return (
                Employee.objects.filter(pk=int(parts["agent"]))
                .values_list("site_id", flat=True)
                .first()
            )
    except ValueError:
        return None
    return None


def is_agent_segment(segment: str) -> bool:
    return any(part.startswith("agent:") for part in segment.split("|"))


def _merge_evidence(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[dt.datetime, dict[str, Any]] = {}
    for row in [*old, *new]:
        at = _at(row)
        if at is not None:
            rows[at] = row
    return [rows[k] for k in sorted(rows)][-EVIDENCE_CAP:]


def _summary(kind: str, rule: str, count: int, first: dt.datetime, last: dt.datetime) -> str:
    return f"{kind} {rule}: {count} period(s), {first.isoformat()} – {last.isoformat()}"


def _at(row: dict[str, Any]) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(row.get("period")))
    except ValueError:
        return None


@dataclass(frozen=True)
class Quiet:
    """When an episode is over: more than `gap` of time AND at least `need` judged periods
    (`times`, sorted) without its condition. Counting judged periods keeps nights, weekends
    and thin periods, which say nothing, from ending an episode."""

    gap: dt.timedelta
    need: int
    times: Sequence[dt.datetime]
    horizon: dt.datetime | None = None
    """The newest period the standard has data for (in any segment)."""

    def between(self, a: dt.datetime, b: dt.datetime) -> bool:
        """Whether the periods strictly between a and b make a quiet stretch; QUIET_CAP times
        the gap is quiet in any case (a segment that is rarely judged)."""
        if b - a > self.gap * QUIET_CAP:
            return True
        count = bisect.bisect_left(self.times, b) - bisect.bisect_right(self.times, a)
        return b - a > self.gap and count >= self.need

    def after(self, last: dt.datetime) -> bool:
        """Whether the data after `last` already make a quiet stretch (the episode is over)."""
        ends = [t + dt.timedelta(microseconds=1) for t in [*self.times[-1:], self.horizon] if t]
        return bool(ends) and self.between(last, max(ends))


def _quiet(
    gap: dt.timedelta,
    length: dt.timedelta,
    points: Sequence[Point],
    horizon: dt.datetime | None,
) -> Quiet:
    need = max(1, round(gap / length))
    return Quiet(gap=gap, need=need, times=[p.period_start for p in points], horizon=horizon)


def _episodes(flagged: Sequence[Point], quiet: Quiet) -> list[list[Point]]:
    """Split flagged periods where a quiet stretch lies between two of them."""
    episodes: list[list[Point]] = []
    for p in flagged:
        if episodes and not quiet.between(episodes[-1][-1].period_start, p.period_start):
            episodes[-1].append(p)
            continue
        episodes.append([p])
    return episodes


def _worth_opening(finding: Finding, episode: Sequence[Point]) -> bool:
    """A control-chart episode of one lone period that still met the standard is the rules'
    false-alarm rate, not news: it stays marked on the chart but opens no signal."""
    if finding.kind != SignalKind.SPC:
        return True
    return len(episode) >= 2 or any(p.complies is False for p in episode)


@dataclass
class _Run:
    """The writes of one detection run, done in bulk at its end."""

    created: list[Signal] = field(default_factory=list)
    grown: list[Signal] = field(default_factory=list)
    changed: dict[int, tuple[Signal, dict[str, Any], str]] = field(default_factory=dict)
    now: dt.datetime = field(default_factory=timezone.now)

    def touch(self, signal: Signal, reason: str = "") -> None:
        """Remember a stored signal's state before its first change in this run."""
        if signal.pk is None:
            return
        if signal.pk not in self.changed:
            self.changed[signal.pk] = (signal, _audited(signal), reason)
        elif reason:
            s, before, _r = self.changed[signal.pk]
            self.changed[signal.pk] = (s, before, reason)

    def resolve(self, signal: Signal, gap: dt.timedelta) -> None:
        reason = f"No recurrence within {_fmt(gap)} after the last period."
        self.touch(signal, reason)
        signal.status = SignalStatus.RESOLVED
        signal.handled_at = self.now
        signal.handled_by = None
        signal.reason = reason


LIVE = (SignalStatus.OPEN, SignalStatus.ACKNOWLEDGED)


def _apply(
    *,
    run: _Run,
    standard: ServiceStandard,
    segment: str,
    site_id: Callable[[], int | None],
    finding: Finding,
    signals: list[Signal],
    quiet: Quiet,
) -> None:
    """Fold the finding's new periods into the live signal of its key or open new episodes."""
    same = [
        s
        for s in signals
        if s.kind == finding.kind and (s.rule == finding.rule or finding.kind == SignalKind.SPC)
    ]
    seen_until = max((s.last_period for s in same), default=None)
    flagged = [p for p in finding.flagged if seen_until is None or p.period_start > seen_until]
    if not flagged:
        return
    live = [s for s in same if s.status in LIVE]
    current = max(live, key=lambda s: s.last_period) if live else None
    dated = sorted(
        ((at, i, row) for i, row in enumerate(finding.evidence) if (at := _at(row)) is not None),
        key=lambda item: (item[0], item[1]),
    )
    times = [at for at, _i, _row in dated]
    lo = 0 if seen_until is None else bisect.bisect_right(times, seen_until)
    for episode in _episodes(flagged, quiet):
        hi = bisect.bisect_right(times, episode[-1].period_start)
        evidence = [row for _at_, _i, row in dated[lo:hi]]
        lo = max(lo, hi)
        if current is not None and not quiet.between(current.last_period, episode[0].period_start):
            _grow(run, current, finding, episode, evidence)
            continue
        if not _worth_opening(finding, episode):
            continue
        if current is not None and current.status in LIVE:
            run.resolve(current, quiet.gap)
        current = _open(run, standard, segment, site_id(), finding, episode, evidence)
        signals.append(current)
    if current is not None and current.status in LIVE and quiet.after(current.last_period):
        run.resolve(current, quiet.gap)


def _grow(
    run: _Run,
    signal: Signal,
    finding: Finding,
    flagged: list[Point],
    evidence: list[dict[str, Any]],
) -> None:
    run.touch(signal)
    if signal not in run.grown:
        run.grown.append(signal)
    old = signal.evidence or {}
    signal.last_period = flagged[-1].period_start
    signal.occurrences += len(flagged)
    signal.version_id = flagged[-1].version_id
    signal.evidence = {
        **old,
        **finding.meta,
        "points": _merge_evidence(old.get("points", []), evidence),
        "summary": _summary(
            finding.kind, finding.rule, signal.occurrences, signal.first_period, signal.last_period
        ),
    }


def _open(
    run: _Run,
    standard: ServiceStandard,
    segment: str,
    site_id: int | None,
    finding: Finding,
    flagged: list[Point],
    evidence: list[dict[str, Any]],
) -> Signal:
    first = min(
        [flagged[0].period_start]
        + [dt.datetime.fromisoformat(str(r["period"])) for r in evidence if r.get("period")]
    )
    rule = finding.rule
    if finding.kind == SignalKind.SPC:  # the rule of the episode's first violation
        at = flagged[0].period_start.isoformat()
        row = next((r for r in evidence if r.get("period") == at and r.get("rules")), None)
        rule = str(row["rules"][0]) if row else rule
    signal = Signal(
        standard=standard,
        version_id=flagged[-1].version_id,
        segment=segment,
        site_id=site_id,
        kind=finding.kind,
        rule=rule,
        first_period=first,
        last_period=flagged[-1].period_start,
        occurrences=len(flagged),
        evidence={
            **finding.meta,
            "points": evidence[-EVIDENCE_CAP:],
            "summary": _summary(
                finding.kind, finding.rule, len(flagged), first, flagged[-1].period_start
            ),
        },
    )
    run.created.append(signal)
    return signal


def _audited(signal: Signal) -> dict[str, Any]:
    """A signal's audited state: its fields, with the evidence reduced to its summary (the
    points stay on the signal; the trail need not copy them at every fold)."""
    data = snapshot(signal)
    evidence = signal.evidence or {}
    data["evidence"] = {
        "summary": evidence.get("summary", ""),
        "points": len(evidence.get("points", [])),
    }
    return data


UPDATED_FIELDS = [
    "last_period",
    "occurrences",
    "version",
    "evidence",
    "status",
    "handled_at",
    "handled_by",
    "reason",
    "updated_at",
]


def _save(run: _Run) -> list[PendingEntry]:
    """Write the run's new and changed signals in bulk; the audit entries to record."""
    entries: list[PendingEntry] = []
    if run.created:
        Signal.objects.bulk_create(run.created, batch_size=500)
        if any(s.pk is None for s in run.created):  # a backend that returns no keys
            raise RuntimeError("bulk_create returned no primary keys")
        entries += [
            PendingEntry(action=AuditAction.CREATE, obj=s, changes=diff({}, _audited(s)))
            for s in run.created
        ]
    changed = []
    for signal, before, reason in run.changed.values():
        signal.updated_at = run.now
        changes = diff(before, _audited(signal))
        changes.pop("updated_at", None)
        if changes:
            changed.append(signal)
            entries.append(
                PendingEntry(action=AuditAction.UPDATE, obj=signal, changes=changes, reason=reason)
            )
    if changed:
        Signal.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=500)
    return entries


# --- reading ---------------------------------------------------------------------------------


def chart_period(period: str) -> str:
    """The period control charts are judged at: hours are charted by day (an hour holds too
    few records, and the hour-of-day pattern is no change of the process)."""
    return Period.DAY if period == Period.HOUR else period


def chart_period_of(standard: ServiceStandard) -> str | None:
    """`chart_period` of the standard's current version; None without a version."""
    current = StandardVersion.objects.filter(standard=standard).order_by("-version").first()
    return chart_period(current.period) if current is not None else None


class _Row(NamedTuple):
    """A rollup cell as read by `_read` (the attributes `series.merge_rows` uses)."""

    period_start: dt.datetime
    version_id: int
    n: int
    n_meeting: int
    total: float
    total_sq: float
    value: float | None
    sketch: Any


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _read(
    *,
    standard: ServiceStandard,
    segments: Sequence[str],
    periods: Sequence[str],
    versions: dict[int, StandardVersion],
    start: dt.datetime | None,
    min_records: int = 0,
) -> dict[tuple[str, str], list[Point]]:
    """The points of every (period, segment) asked for, from ONE rollup query. Below the whole
    service thin cells of hours and days are not read (they are never judged)."""
    grains = sorted({grain_for(p) for p in periods})
    pg = connection.vendor == "postgresql"
    epoch = "EXTRACT(EPOCH FROM period_start)::float8" if pg else "julianday(period_start)"
    sketch = "sketch" if standard.metric.aggregation in QUANTILES else "NULL"
    if any(p not in (Period.HOUR, Period.DAY) for p in periods):
        min_records = 0  # weeks and months merge days: thin days still add up
    params: list[Any] = [standard.pk, *grains, *segments, max(min_records, 1)]
    where = (
        f"standard_id = %s AND n > 0 AND grain IN ({', '.join(['%s'] * len(grains))}) "
        f"AND segment IN ({', '.join(['%s'] * len(segments))}) AND (segment = '' OR n >= %s)"
    )
    if start is not None:
        where += " AND period_start >= %s"
        params.append(connection.ops.adapt_datetimefield_value(start))
    sql = (
        f"SELECT grain, segment, {epoch}, version_id, n, n_meeting, total, total_sq, value, "  # noqa: S608
        f"{sketch} FROM {Rollup._meta.db_table} WHERE {where} "
        "ORDER BY grain, segment, period_start"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    grouped: dict[tuple[str, str], list[Any]] = {}
    for grain, segment, at, *rest in raw:
        seconds = float(at) if pg else round((float(at) - 2440587.5) * 86400.0)
        moment = EPOCH + dt.timedelta(seconds=seconds)
        if isinstance(rest[-1], str):
            rest[-1] = json.loads(rest[-1])
        grouped.setdefault((grain, segment), []).append(_Row(moment, *rest))
    out: dict[tuple[str, str], list[Point]] = {}
    metric = standard.metric
    tz = org_tz()
    for period in dict.fromkeys(periods):
        grain = grain_for(period)
        for segment in segments:
            found = grouped.get((grain, segment))
            if not found:
                out[(period, segment)] = []
            elif period in (Period.HOUR, Period.DAY):  # one stored cell per period
                out[(period, segment)] = [_point(metric, versions, row, tz) for row in found]
            else:
                out[(period, segment)] = merge_rows(
                    standard=standard, rows=found, period=period, versions=versions
                )
    return out


def _point(metric: Any, versions: dict[int, StandardVersion], row: Any, tz: Any) -> Point:
    """One stored cell as a point (its period is the evaluation period)."""
    value = row.value
    if value is None:
        raw = getattr(row, "sketch", None)
        sketch = Sketch.from_json(raw) if raw else Sketch()
        value = aggregate(
            metric=metric, n=row.n, n_meeting=row.n_meeting, total=row.total, sketch=sketch
        )
    return Point(
        period_start=row.period_start.astimezone(tz),
        version_id=row.version_id,
        n=row.n,
        n_meeting=row.n_meeting,
        total=row.total,
        total_sq=row.total_sq,
        value=value,
        complies=complies(metric=metric, version=versions[row.version_id], value=value),
    )


def _judged(points: Sequence[Point], min_records: int) -> list[Point]:
    return [p for p in _usable(points) if p.n >= min_records]


def _segment_limits(
    *,
    standard: ServiceStandard,
    segment: str,
    chart: str,
    period: str,
    own_period: bool,
    baselines: Sequence[Baseline],
    points: Sequence[Point],
    complete: bool,
    min_records: int,
) -> Limits | None:
    """As `limits_for`, from already read points where they cover the window."""
    baseline = next((b for b in baselines if b.segment == segment), None) or next(
        (b for b in baselines if b.segment == ""), None
    )
    scale = chart_scale(chart, standard)
    if baseline is not None:
        if own_period and baseline.segment == segment and baseline.limits.get("chart") == chart:
            stored = Limits.from_json(baseline.limits, baseline.pk)
            if stored is not None:
                return stored
        if complete or (points and points[0].period_start <= baseline.start):
            window = [p for p in points if baseline.start <= p.period_start < baseline.end]
        else:
            window = standard_series(
                standard=standard,
                segment=segment,
                start=baseline.start,
                end=baseline.end,
                period=period,
            )
        return estimate_limits(
            chart=chart,
            points=_judged(window, min_records),
            baseline_id=baseline.pk,
            scale=scale,
        )
    first = (
        _judged(points, min_records)
        if complete
        else _first_periods(standard, segment, period, min_records)
    )
    return estimate_limits(chart=chart, points=first[:DEFAULT_BASELINE], scale=scale)


def episode_gap(period: str) -> dt.timedelta:
    """How long a condition must stay away before its episode ends (see the module doc)."""
    return EPISODE_GAP.get(Period(period), dt.timedelta(days=3))


# --- detecting -------------------------------------------------------------------------------


@transaction.atomic
def _detect_standard(
    *,
    standard: ServiceStandard,
    segments: list[str],
    start: dt.datetime | None,
    monitoring: StandardMonitoring,
    versions: dict[int, StandardVersion],
    period: str,
    run: _Run,
) -> None:
    length = period_length(period)
    spc_period = chart_period(period)
    spc_length = period_length(spc_period)
    gap = episode_gap(period)
    spc_gap = episode_gap(spc_period)
    # The error budget is spent over the SLO window: a burn episode lasts as long.
    slo_gap = max(gap, dt.timedelta(days=monitoring.slo_window_days))
    min_records = monitoring.min_records
    read_from: dt.datetime | None = None
    if start is not None:
        read_from = min(
            start - spc_length * LOOKBACK,
            start - length * LOOKBACK,
            start - dt.timedelta(days=monitoring.slo_window_days) - length,
            start - gap - length,
            start - spc_gap * 4,
        )
        first = Rollup.objects.filter(standard=standard).order_by("period_start").first()
        if first is None or first.period_start >= read_from:
            read_from = None  # the read covers the whole history anyway
    complete = read_from is None
    periods = [period, spc_period]
    data = _read(
        standard=standard,
        segments=segments,
        periods=periods,
        versions=versions,
        start=read_from,
        min_records=min_records,
    )
    # Lock the standard's signal rows of these segments: two evaluations never both open one.
    stored = list(
        Signal.objects.select_for_update()
        .filter(standard=standard, segment__in=segments)
        .order_by("pk")
    )
    by_segment: dict[str, list[Signal]] = {}
    for signal in stored:
        by_segment.setdefault(signal.segment, []).append(signal)
    baselines = list(Baseline.objects.filter(standard=standard).order_by("-created_at", "-pk"))
    horizon = max((pts[-1].period_start for pts in data.values() if pts), default=None)
    chart = chart_for(standard, monitoring)
    rules = rule_set_of(monitoring.rule_set)
    up_is_good = higher_is_better(standard)
    for segment in segments:
        points = data[(period, segment)]
        charted = data[(spc_period, segment)]
        signals = by_segment.setdefault(segment, [])
        if not points and not signals:
            continue
        judged = _judged(points, min_records)
        judged_charted = _judged(charted, min_records)
        quiet = {
            SignalKind.BREACH: _quiet(gap, length, judged, horizon),
            SignalKind.SPC: _quiet(spc_gap, spc_length, judged_charted, horizon),
            SignalKind.SLO_FAST: _quiet(slo_gap, length, points, horizon),
            SignalKind.SLO_SLOW: _quiet(slo_gap, length, points, horizon),
        }
        findings: list[Finding] = [_breach_finding(judged, versions)]
        if not is_agent_segment(segment):  # too few points per agent for a control chart
            limits = _segment_limits(
                standard=standard,
                segment=segment,
                chart=chart,
                period=spc_period,
                own_period=spc_period == period,
                baselines=baselines,
                points=charted,
                complete=complete,
                min_records=min_records,
            )
            if limits is not None:
                view = judge(
                    standard=standard,
                    points=charted,
                    limits=limits,
                    rules=rules,
                    min_records=min_records,
                )
                spc = _spc_finding(view, up_is_good=up_is_good) if view is not None else None
                if spc is not None:
                    findings.append(spc)
        if standard.metric.aggregation == Aggregation.SHARE_MEETING_THRESHOLD and segment == "":
            findings += _slo_findings(
                standard, points, versions, monitoring.slo_window_days, period, min_records
            )
        site: list[int | None] = []

        def site_id(segment: str = segment, site: list[int | None] = site) -> int | None:
            if not site:
                site.append(segment_site_id(segment) if segment else None)
            return site[0]

        for finding in findings:
            _apply(
                run=run,
                standard=standard,
                segment=segment,
                site_id=site_id,
                finding=finding,
                signals=signals,
                quiet=quiet[SignalKind(finding.kind)],
            )
        # Live signals of keys that found nothing new: resolved once quiet long enough.
        for signal in signals:
            if signal.pk is None or signal.status not in LIVE:
                continue
            key = quiet[SignalKind(signal.kind)]
            if key.after(signal.last_period):
                run.resolve(signal, key.gap)
    entries = _save(run)
    audit_record_many(actor=None, entries=entries)


def signals_detect(
    *, standard: ServiceStandard, segments: Iterable[str], start: dt.datetime | None = None
) -> list[Signal]:
    """Re-examine the standard's periods from `start` in the given segments after their rollups
    changed; open, fold or resolve signals; return the signals opened or grown."""
    versions = {v.pk: v for v in StandardVersion.objects.filter(standard=standard)}
    if not versions:
        return []
    chosen = list(dict.fromkeys(segments))
    if not chosen:
        return []
    current = max(versions.values(), key=lambda v: v.version)
    monitoring = monitoring_for(standard)
    run = _Run()
    _detect_standard(
        standard=standard,
        segments=chosen,
        start=start,
        monitoring=monitoring,
        versions=versions,
        period=current.period,
        run=run,
    )
    grown = [s for s in run.grown if s not in run.created]
    # Only signals still open are news: episodes of a re-evaluated past that resolved within
    # the same run are recorded but not alerted; all of them make one alert.
    alert = [s for s in run.created if s.status == SignalStatus.OPEN]
    if alert:
        from sqms.monitoring.alerts import alerts_queue

        alerts_queue(signals=alert)
    return run.created + grown
