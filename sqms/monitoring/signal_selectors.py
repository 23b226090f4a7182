"""Reads of signals, baselines and alert deliveries; labels and the evidence figure.

A user limited to some sites sees only the signals of segments at those sites (a whole-service
signal mixes every site's records, so it is not theirs to see).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.core.access import can, ensure
from sqms.core.roles import Area
from sqms.monitoring.detection import (
    BREACH_RULE,
    SLO_FAST_RULE,
    SLO_SLOW_RULE,
    ChartView,
    chart_period,
    control_chart,
    monitoring_for,
    period_length,
)
from sqms.monitoring.models import AlertDelivery, Baseline, Rollup, Signal
from sqms.org.access import scoped_site_ids
from sqms.org.models import Channel, Employee, Site, Team
from sqms.standards.access import standards_visible_to
from sqms.standards.models import ServiceStandard

RULE_LABELS = {
    BREACH_RULE: gettext_lazy("Period did not comply with the standard"),
    SLO_FAST_RULE: gettext_lazy("Error budget burning fast"),
    SLO_SLOW_RULE: gettext_lazy("Error budget burning slowly"),
    "western-electric-1": gettext_lazy("1 point beyond a control limit"),
    "western-electric-2": gettext_lazy("2 of 3 points beyond 2 sigma on the same side"),
    "western-electric-3": gettext_lazy("4 of 5 points beyond 1 sigma on the same side"),
    "western-electric-4": gettext_lazy("8 points in a row on the same side of the centre line"),
    "nelson-1": gettext_lazy("1 point beyond a control limit"),
    "nelson-2": gettext_lazy("9 points in a row on the same side of the centre line"),
    "nelson-3": gettext_lazy("6 points in a row steadily increasing or decreasing"),
    "nelson-4": gettext_lazy("14 points in a row alternating up and down"),
    "nelson-5": gettext_lazy("2 of 3 points beyond 2 sigma on the same side"),
    "nelson-6": gettext_lazy("4 of 5 points beyond 1 sigma on the same side"),
    "nelson-7": gettext_lazy("15 points in a row within 1 sigma of the centre line"),
    "nelson-8": gettext_lazy("8 points in a row beyond 1 sigma, on either side"),
}


def rule_label(kind: str, rule: str) -> str:
    label = RULE_LABELS.get(rule)
    if label is None:
        return rule
    if rule.startswith(("western-electric", "nelson")):
        family = _("Western Electric") if rule.startswith("western") else _("Nelson")
        return _("%(family)s rule %(number)s: %(text)s") % {
            "family": family,
            "number": rule.rsplit("-", 1)[-1],
            "text": label,
        }
    return str(label)


def segment_labels(segments: Iterable[str]) -> dict[str, str]:
    """Readable names of rollup segment keys ("site:3|channel:phone" → "Site 서울 · Phone"),
    with one query per kind of part whatever the number of keys."""
    keys = set(segments)
    ids: dict[str, set[int]] = {"site": set(), "team": set(), "agent": set()}
    for key in keys:
        for part in key.split("|") if key else []:
            kind, _sep, value = part.partition(":")
            if kind in ids:
                ids[kind].add(_int(value))
    names: dict[tuple[str, str], str] = {}
    models: dict[str, Any] = {"site": Site, "team": Team, "agent": Employee}
    for kind, pks in ids.items():
        if pks:
            for pk, name in models[kind].objects.filter(pk__in=pks).values_list("pk", "name"):
                names[(kind, str(pk))] = str(name)
    channels = dict(Channel.choices)
    templates = {
        "site": _("Site %(name)s"),
        "team": _("Team %(name)s"),
        "agent": _("Agent %(name)s"),
    }
    out: dict[str, str] = {}
    for key in keys:
        if not key:
            out[key] = _("Whole service")
            continue
        parts = []
        for part in key.split("|"):
            kind, _sep, value = part.partition(":")
            if kind in templates:
                parts.append(templates[kind] % {"name": names.get((kind, value), value)})
            elif kind == "channel":
                parts.append(str(channels.get(value, value)))
            else:
                parts.append(part)
        out[key] = " · ".join(parts)
    return out


def segment_label(segment: str) -> str:
    return segment_labels([segment])[segment]


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


# --- visibility ------------------------------------------------------------------------------


def signals_visible_to(user: Any) -> QuerySet[Signal]:
    qs = Signal.objects.filter(standard__in=standards_visible_to(user))
    ids = scoped_site_ids(user)
    return qs if ids is None else qs.filter(site_id__in=ids)


def can_write(user: Any) -> bool:
    return can(user, Area.MONITORING, write=True)


def signal_get_for_user(*, user: Any, pk: int, write: bool = False) -> Signal:
    """A stranger (another site's signal) gets 404, a read-only role 403."""
    ensure(user, Area.MONITORING)
    qs = signals_visible_to(user).select_related(
        "standard__service", "standard__metric", "standard__owner", "version", "site", "handled_by"
    )
    signal = qs.filter(pk=pk).first()
    if signal is None:
        raise Http404
    if write and not can_write(user):
        raise PermissionDenied
    return signal


def standard_get_for_monitoring(*, user: Any, pk: int, write: bool = False) -> ServiceStandard:
    """A standard for its monitoring pages: visible standards only; writing needs monitoring
    write access."""
    ensure(user, Area.MONITORING)
    standard = (
        standards_visible_to(user).select_related("service", "metric", "owner").filter(pk=pk)
    ).first()
    if standard is None:
        raise Http404
    if write and not can_write(user):
        raise PermissionDenied
    return standard


# --- lists -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalFilter:
    status: str = ""
    kind: str = ""
    standard: int | None = None
    service: int | None = None
    site: int | None = None


def signal_list(*, user: Any, filters: SignalFilter) -> QuerySet[Signal]:
    qs = signals_visible_to(user).select_related("standard__service", "version", "site")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.standard:
        qs = qs.filter(standard_id=filters.standard)
    if filters.service:
        qs = qs.filter(standard__service_id=filters.service)
    if filters.site:
        qs = qs.filter(site_id=filters.site)
    return qs.order_by("-last_period", "-pk")


def signal_deliveries(*, signal: Signal) -> QuerySet[AlertDelivery]:
    return signal.deliveries.select_related("recipient").order_by("created_at", "pk")


def baselines_of(*, standard: ServiceStandard) -> QuerySet[Baseline]:
    return standard.baselines.select_related("created_by").order_by("-created_at", "-pk")


def segments_of(*, standard: ServiceStandard, limit: int = 200) -> list[str]:
    """The segment keys that have rollups, the whole service first."""
    keys = (
        Rollup.objects.filter(standard=standard)
        .order_by("segment")
        .values_list("segment", flat=True)
        .distinct()[:limit]
    )
    return sorted(set(keys) | {""}, key=lambda k: (k != "", k))


# --- the evidence figure ------------------------------------------------------------------


def signal_chart(*, signal: Signal, context: int = 20) -> ChartView | None:
    """The control chart around the signal's periods, judged with today's limits."""
    period = chart_period(signal.version.period)  # hourly standards are judged by day
    length = period_length(period)
    start = signal.first_period - length * context
    end = min(signal.last_period + length * (context // 2 + 1), timezone.now() + length)
    return control_chart(
        standard=signal.standard,
        segment=signal.segment,
        start=start,
        end=end,
        monitoring=monitoring_for(signal.standard),
    )


def _label(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def evidence_figure(*, signal: Signal, view: ChartView | None) -> dict[str, Any] | None:
    """A Plotly control chart: points, centre line, limits, the signal's points marked."""
    evidence = signal.evidence.get("points", []) if isinstance(signal.evidence, dict) else []
    flagged = {row.get("period") for row in evidence if row.get("violation", True)}
    hover = _("Period") + " %{x}<br>n = %{customdata}<br>" + _("Value") + " %{y:.4g}<extra></extra>"
    if view is not None:
        xs = [_label(p.period_start) for p in view.points]
        ns = [p.n for p in view.points]
        marked = [
            i
            for i, p in enumerate(view.points)
            if p.period_start.isoformat() in flagged or view.violations[i]
        ]
        data: list[dict[str, Any]] = [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("Value"),
                "x": xs,
                "y": view.values,
                "customdata": ns,
                "hovertemplate": hover,
                "line": {"color": "#1f5fa8"},
            },
            _line(xs, view.center, _("Centre line"), "#374151", "solid"),
            _line(xs, view.ucl, _("Upper control limit"), "#c0392b", "dash"),
            _line(xs, view.lcl, _("Lower control limit"), "#c0392b", "dash"),
            {
                "type": "scatter",
                "mode": "markers",
                "name": _("Signal"),
                "x": [xs[i] for i in marked],
                "y": [view.values[i] for i in marked],
                "customdata": [ns[i] for i in marked],
                "hovertemplate": hover,
                "marker": {"color": "#c0392b", "size": 11, "symbol": "circle-open-dot"},
            },
        ]
    elif evidence:
        xs = [_label(dt.datetime.fromisoformat(r["period"])) for r in evidence]
        data = [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("Value"),
                "x": xs,
                "y": [r.get("value") for r in evidence],
                "customdata": [r.get("n") for r in evidence],
                "hovertemplate": hover,
                "marker": {"color": "#c0392b"},
            }
        ]
    else:
        return None
    return {
        "data": data,
        "layout": {
            "autosize": True,
            "height": 340,
            "margin": {"l": 50, "r": 16, "t": 30, "b": 60},
            "xaxis": {"type": "category", "automargin": True, "nticks": 10},
            "yaxis": {"automargin": True},
            "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
            "hovermode": "closest",
        },
    }


def _line(xs: list[str], ys: list[float], name: str, color: str, dash: str) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": xs,
        "y": ys,
        "hoverinfo": "skip",
        "line": {"color": color, "dash": dash, "width": 1.5, "shape": "hv"},
    }
