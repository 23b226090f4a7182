"""JSON-ready dictionaries of results: the stable contract of ``sqms analyze --format json``.

Keys are documented in docs/analytics.md. NaN and infinities become ``null``:
a number that is not a result is never presented as one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from sqms_analytics.capability import Capability
from sqms_analytics.charts import ControlChart, Series
from sqms_analytics.effectiveness import Comparison
from sqms_analytics.pareto import ParetoResult
from sqms_analytics.slo import BurnRateAlert, BurnRateReport, format_duration
from sqms_analytics.surveys import AlphaResult, NpsResult, ScaleResult, ServqualResult

JSON = dict[str, Any]


def num(x: float | np.floating[Any] | None) -> float | None:
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def interval(ci: tuple[float, float] | None) -> list[float | None] | None:
    return None if ci is None else [num(ci[0]), num(ci[1])]


def default_labels(n: int) -> list[str]:
    return [str(i + 1) for i in range(n)]


def _series(
    series: Series, sigma: float, labels: Sequence[str], phase: Sequence[int], kind: str
) -> JSON:
    names = series.rules.by_point()
    values, center = series.values.tolist(), series.center.tolist()
    ucl, lcl = series.ucl.tolist(), series.lcl.tolist()
    points = [
        {
            "label": labels[i],
            "value": num(values[i]),
            "center": num(center[i]),
            "ucl": num(ucl[i]),
            "lcl": num(lcl[i]),
            "phase": int(phase[i]),
            "violations": names[i],
        }
        for i in range(series.n)
    ]
    signals = [
        {"rule": s.rule.name, "label": labels[s.point], "points": [labels[j] for j in s.members]}
        for s in sorted(series.rules.signals(), key=lambda s: (s.point, s.rule))
    ]
    return {
        "chart": kind,
        "center": num(series.center_line),
        "ucl": num(series.ucl_line),
        "lcl": num(series.lcl_line),
        "sigma": num(sigma),
        "points": points,
        "signals": signals,
    }


def chart_to_dict(
    chart: ControlChart, labels: Sequence[str] | None = None, rules: str | None = None
) -> JSON:
    labels = list(labels) if labels is not None else default_labels(chart.n)
    phase = chart.phase.tolist()
    out = _series(chart.main, chart.sigma, labels, phase, chart.chart.value)
    out["rules"] = rules
    out["excluded"] = [labels[i] for i in np.flatnonzero(chart.excluded).tolist()]
    out["standards_given"] = chart.standards_given
    out["parameters"] = dict(chart.parameters)
    out["companion"] = (
        None
        if chart.companion is None
        else _series(chart.companion, chart.sigma, labels, phase, chart.companion.name)
    )
    return out


def capability_to_dict(c: Capability) -> JSON:
    return {
        "cp": num(c.cp),
        "cpl": num(c.cpl),
        "cpu": num(c.cpu),
        "cpk": num(c.cpk),
        "cpm": num(c.cpm),
        "pp": num(c.pp),
        "ppl": num(c.ppl),
        "ppu": num(c.ppu),
        "ppk": num(c.ppk),
        "mean": num(c.mean),
        "sigma_within": num(c.sigma_within),
        "sigma_overall": num(c.sigma_overall),
        "n": c.n,
        "ci": {
            "confidence": c.ci.confidence,
            "cp": interval(c.ci.cp),
            "cpk": interval(c.ci.cpk),
            "cpm": interval(c.ci.cpm),
            "pp": interval(c.ci.pp),
            "ppk": interval(c.ci.ppk),
        },
        "lsl": num(c.lsl),
        "usl": num(c.usl),
        "target": num(c.target),
        "normality": None
        if c.normality is None
        else {
            "test": "anderson-darling",
            "statistic": num(c.normality.statistic),
            "p_value": num(c.normality.p_value),
            "normal": c.normality.normal,
        },
        "warnings": list(c.warnings),
    }


def pareto_to_dict(p: ParetoResult) -> JSON:
    return {
        "rows": [
            {
                "category": r.category,
                "count": r.count,
                "percent": r.percent,
                "cum_count": r.cum_count,
                "cum_percent": r.cum_percent,
            }
            for r in p.rows
        ],
        "total": p.total,
        "vital_few": list(p.vital_few),
        "cutoff": p.cutoff,
    }


def alpha_to_dict(a: AlphaResult, items: Sequence[str]) -> JSON:
    return {
        "alpha": num(a.alpha),
        "ci": interval(a.ci),
        "n": a.n,
        "k": a.k,
        "if_item_deleted": {
            name: num(x) for name, x in zip(items, a.if_item_deleted.tolist(), strict=True)
        },
        "item_total_correlation": {
            name: num(x) for name, x in zip(items, a.item_total_correlation.tolist(), strict=True)
        },
        "missing": a.missing,
        "confidence": a.confidence,
    }


def nps_to_dict(r: NpsResult) -> JSON:
    return {
        "nps": r.nps,
        "promoters": r.promoters,
        "passives": r.passives,
        "detractors": r.detractors,
        "n": r.n,
        "ci": interval(r.ci),
        "confidence": r.confidence,
    }


def scale_to_dict(r: ScaleResult, kind: str) -> JSON:
    return {
        kind: r.share,
        "mean": r.mean,
        "mean_ci": interval(r.mean_ci),
        "share_ci": interval(r.share_ci),
        "n": r.n,
        "scale": list(r.scale),
        "top": r.top,
        "confidence": r.confidence,
    }


def servqual_to_dict(r: ServqualResult, items: Sequence[str]) -> JSON:
    return {
        "items": [
            {"item": name, "expectation": num(e), "perception": num(p), "gap": num(g)}
            for name, e, p, g in zip(
                items,
                r.item_expectation.tolist(),
                r.item_perception.tolist(),
                r.item_gap.tolist(),
                strict=True,
            )
        ],
        "dimensions": [
            {"dimension": d, "gap": num(g), "weight": num(w)}
            for d, g, w in zip(
                r.dimensions, r.dimension_gap.tolist(), r.weights.tolist(), strict=True
            )
        ],
        "unweighted": num(r.unweighted),
        "weighted": num(r.weighted),
        "n": r.n,
    }


def comparison_to_dict(c: Comparison) -> JSON:
    return {
        "kind": c.kind,
        "test": c.test,
        "before": num(c.before),
        "after": num(c.after),
        "n_before": c.n_before,
        "n_after": c.n_after,
        "difference": num(c.difference),
        "ci": interval(c.ci),
        "effect_size": num(c.effect_size),
        "effect_size_name": c.effect_size_name,
        "p_value": num(c.p_value),
        "alpha": c.alpha,
        "verdict": c.verdict.value,
        "after_in_control": c.after_in_control,
        "notes": list(c.notes),
    }


def _alert(a: BurnRateAlert) -> JSON:
    return {
        "severity": a.severity,
        "long_window": format_duration(a.long_window),
        "short_window": format_duration(a.short_window),
        "burn_rate": a.burn_rate,
        "budget_share": a.budget_share,
    }


def burn_rate_to_dict(
    objective: float, period: str, policy: Sequence[BurnRateAlert], report: BurnRateReport | None
) -> JSON:
    out: JSON = {
        "objective": objective,
        "period": period,
        "error_budget": 1.0 - objective,
        "alerts": [_alert(a) for a in policy],
        "status": None,
    }
    if report is not None:
        s = report.status
        out["status"] = {
            "good": s.good,
            "total": s.total,
            "bad": s.bad,
            "compliance": s.compliance,
            "allowed_bad": s.allowed_bad,
            "budget_consumed": s.budget_consumed,
            "budget_remaining": s.budget_remaining,
            "met": s.met,
            "current_burn_rate": num(report.current_burn),
            "bucket": format_duration(report.bucket),
        }
        out["alerts"] = [
            {
                **_alert(st.alert),
                "long_burn": num(st.long_burn),
                "short_burn": num(st.short_burn),
                "firing": st.firing,
            }
            for st in report.alerts
        ]
    return out


__all__ = [
    "alpha_to_dict",
    "burn_rate_to_dict",
    "capability_to_dict",
    "chart_to_dict",
    "comparison_to_dict",
    "default_labels",
    "nps_to_dict",
    "pareto_to_dict",
    "scale_to_dict",
    "servqual_to_dict",
]
