"""Service level objectives: compliance, error budget, multi-window burn-rate alerts.

The alerting policy is the one recommended in Google's *The Site Reliability
Workbook*, ch. 5 "Alerting on SLOs" (table 5-8), for a 30-day SLO period: page
when 2 % of the budget is spent in 1 h (burn rate 14.4, checked over 1 h and
5 min) or 5 % in 6 h (6×, over 6 h and 30 min); open a ticket when 10 % is spent
in 1 d (3×, over 1 d and 2 h) or in 3 d (1×, over 3 d and 6 h). For another
period the windows stay and the burn rates are scaled so that each alert still
fires on the same share of the budget: burn = share × period / long window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sqms_analytics import _validate as v
from sqms_analytics.errors import InputError

FloatArray = NDArray[np.float64]
Severity = Literal["page", "ticket"]

_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|min|m|h|d|w)\s*$")


def parse_duration(text: str) -> timedelta:
    """'30d', '6h', '5m' (or '5min'), '90s', '1w'."""
    match = _DURATION.match(text or "")
    if not match:
        raise InputError("bad_duration", value=text)
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise InputError("bad_duration", value=text)
    return timedelta(seconds=seconds)


def format_duration(d: timedelta) -> str:
    s = d.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size and s % size == 0:
            return f"{int(s // size)}{unit}"
    return f"{s:g}s"


def _objective(objective: float) -> float:
    o = float(objective)
    if not 0.0 < o < 1.0:
        raise InputError("bad_objective", value=str(objective))
    return o


@dataclass(frozen=True)
class SloStatus:
    objective: float
    good: float
    total: float
    compliance: float  # good / total
    error_budget: float  # 1 − objective, as a fraction of events
    allowed_bad: float  # events the budget allows in this window
    bad: float
    budget_consumed: float  # fraction of the budget spent (may exceed 1)
    budget_remaining: float  # 1 − consumed (negative when overspent)
    met: bool


def slo_status(good: ArrayLike, total: ArrayLike, objective: float) -> SloStatus:
    """Compliance over a window of events: ``good`` and ``total`` per bucket (or scalars)."""
    o = _objective(objective)
    g = v.as_float_1d(np.atleast_1d(np.asarray(good, dtype=np.float64)), "good")
    t = v.as_float_1d(np.atleast_1d(np.asarray(total, dtype=np.float64)), "total")
    v.check_same_length(g, t, "good", "total")
    v.check_nonnegative(g, "good")
    v.check_nonnegative(t, "total")
    over = g > t
    if over.any():
        i = v.first(over)
        raise InputError("good_exceeds_total", index=i, field="good", good=g[i], total=t[i])
    good_sum, total_sum = float(g.sum()), float(t.sum())
    if total_sum == 0:
        raise InputError("empty", field="total")
    compliance = good_sum / total_sum
    budget = 1.0 - o
    bad = total_sum - good_sum
    consumed = (1.0 - compliance) / budget
    return SloStatus(
        o,
        good_sum,
        total_sum,
        compliance,
        budget,
        budget * total_sum,
        bad,
        consumed,
        1.0 - consumed,
        compliance >= o,
    )


@dataclass(frozen=True)
class BurnRateAlert:
    severity: Severity
    long_window: timedelta
    short_window: timedelta
    burn_rate: float  # threshold, multiple of the sustainable error rate
    budget_share: float  # share of the period's budget spent when it fires


# (severity, long, short, share of budget) — SRE Workbook table 5-8.
_POLICY: tuple[tuple[Severity, timedelta, timedelta, float], ...] = (
    ("page", timedelta(hours=1), timedelta(minutes=5), 0.02),
    ("page", timedelta(hours=6), timedelta(minutes=30), 0.05),
    ("ticket", timedelta(days=1), timedelta(hours=2), 0.10),
    ("ticket", timedelta(days=3), timedelta(hours=6), 0.10),
)


def burn_rate_policy(period: timedelta | str = "30d") -> tuple[BurnRateAlert, ...]:
    """The multi-window, multi-burn-rate alerts for an SLO period.

    Alerts whose long window is longer than the period are dropped.
    """
    p = parse_duration(period) if isinstance(period, str) else period
    if p.total_seconds() <= 0:
        raise InputError("bad_duration", value=str(period))
    return tuple(
        BurnRateAlert(sev, long, short, share * (p / long), share)
        for sev, long, short, share in _POLICY
        if long <= p
    )


@dataclass(frozen=True)
class AlertState:
    alert: BurnRateAlert
    long_burn: float | None  # None while the data do not cover the window
    short_burn: float | None
    firing: bool


@dataclass(frozen=True)
class BurnRateReport:
    status: SloStatus
    period: timedelta
    bucket: timedelta
    current_burn: float  # burn rate over the whole series
    alerts: tuple[AlertState, ...]


def burn_rates(
    bad: ArrayLike,
    total: ArrayLike,
    bucket: timedelta | str,
    window: timedelta | str,
    objective: float,
) -> FloatArray:
    """Burn rate over a trailing window ending at each bucket (NaN until the
    window is covered, or where it holds no events). Cumulative sums, no loop."""
    o = _objective(objective)
    b = _td(bucket)
    w = _td(window)
    if b.total_seconds() <= 0:
        raise InputError("bad_duration", value=format_duration(b))
    k = max(1, round(w / b))  # a window shorter than a bucket is read as one bucket
    bad_arr = np.asarray(bad, dtype=np.float64)
    tot_arr = np.asarray(total, dtype=np.float64)
    out = np.full(bad_arr.size, np.nan)
    if bad_arr.size < k:
        return out
    cb = np.concatenate(([0.0], np.cumsum(bad_arr)))
    ct = np.concatenate(([0.0], np.cumsum(tot_arr)))
    wb = cb[k:] - cb[:-k]
    wt = ct[k:] - ct[:-k]
    with np.errstate(divide="ignore", invalid="ignore"):
        out[k - 1 :] = np.where(wt > 0, wb / wt, np.nan) / (1.0 - o)
    return out


def evaluate_burn_rate(
    good: ArrayLike,
    total: ArrayLike,
    *,
    objective: float,
    bucket: timedelta | str = "1m",
    period: timedelta | str = "30d",
) -> BurnRateReport:
    """SLO status of a series of equal time buckets and which alerts fire at its end.

    An alert fires when the burn rate over both its long and its short window
    exceeds the threshold.
    """
    status = slo_status(good, total, objective)
    g = np.atleast_1d(np.asarray(good, dtype=np.float64))
    t = np.atleast_1d(np.asarray(total, dtype=np.float64))
    b, p = _td(bucket), _td(period)
    bad = t - g
    states = []
    for alert in burn_rate_policy(p):
        rates = [
            burn_rates(bad, t, b, w, objective)[-1] for w in (alert.long_window, alert.short_window)
        ]
        long_burn, short_burn = (None if np.isnan(r) else float(r) for r in rates)
        firing = (
            long_burn is not None
            and short_burn is not None
            and long_burn > alert.burn_rate
            and short_burn > alert.burn_rate
        )
        states.append(AlertState(alert, long_burn, short_burn, firing))
    current = (1.0 - status.compliance) / status.error_budget
    return BurnRateReport(status, p, b, current, tuple(states))


def _td(value: timedelta | str) -> timedelta:
    return parse_duration(value) if isinstance(value, str) else value


__all__ = [
    "AlertState",
    "BurnRateAlert",
    "BurnRateReport",
    "SloStatus",
    "burn_rate_policy",
    "burn_rates",
    "evaluate_burn_rate",
    "format_duration",
    "parse_duration",
    "slo_status",
]
