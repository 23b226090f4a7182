"""Plotly figure dicts of the dashboards, built in Python and drawn by static JavaScript.

Each figure is plain JSON (embedded as a `json_script`-style script element); a heatmap cell's
`customdata` carries the URL the static script opens when it is clicked, a control chart point's
carries its period start, which the script appends to the figure's `drill` URL. Limit lines keep
only the ends of each run of equal values (the same line, drawn from far fewer points).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from sqms.monitoring.dashboards import ExecutiveOverview, StandardCard
from sqms.monitoring.series import Point, org_tz
from sqms.standards.models import Period

RED = "#c0392b"
BLUE = "#1f5fa8"
GREY = "#6b7280"
GREEN = "#1e8449"
FONT = {"family": "system-ui, 'Noto Sans KR', 'Malgun Gothic', sans-serif", "size": 12}


def _label_format(period: str) -> str:
    if period == Period.HOUR:
        return "%Y-%m-%d %H:00"
    if period == Period.MONTH:
        return "%Y-%m"
    return "%Y-%m-%d"


def period_label(start: dt.datetime, period: str) -> str:
    return start.astimezone(org_tz()).strftime(_label_format(period))


def period_labels(points: Sequence[Point], period: str) -> list[str]:
    """The x labels of points: `period_label` of each, the zone and format looked up once."""
    tz, fmt = org_tz(), _label_format(period)
    return [p.period_start.astimezone(tz).strftime(fmt) for p in points]


_SCRIPT_ESCAPES = (("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E"))


def figure_script(fig: dict[str, Any], element_id: str) -> SafeString:
    """What `{{ fig|json_script:element_id }}` renders, escaped with three replaces instead of a
    per-character translation (the figures of a long hourly window are large)."""
    text = json.dumps(fig, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)
    for char, code in _SCRIPT_ESCAPES:
        text = text.replace(char, code)
    return format_html(
        '<script id="{}" type="application/json">{}</script>',
        element_id,
        mark_safe(text),  # noqa: S308
    )


def _round(ys: Sequence[float | None], digits: int = 4) -> list[float | None]:
    """Values rounded for the figure (shorter JSON; the data table keeps two decimals)."""
    return [None if y is None else round(y, digits) for y in ys]


def _runs(x: Sequence[str], ys: Sequence[float | None]) -> tuple[list[str], list[float | None]]:
    """The first and last point of each run of equal values (a gap stays one None point)."""
    out_x: list[str] = []
    out_y: list[float | None] = []
    m = len(ys)
    i = 0
    while i < m:
        j = i
        while j + 1 < m and ys[j + 1] == ys[i]:
            j += 1
        out_x.append(x[i])
        out_y.append(ys[i])
        if j > i and ys[i] is not None:
            out_x.append(x[j])
            out_y.append(ys[j])
        i = j + 1
    return out_x, out_y


def _layout(title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 14}},
        "font": FONT,
        "autosize": True,
        "height": 300,
        "margin": {"l": 50, "r": 16, "t": 40, "b": 40},
        "xaxis": {"type": "category", "automargin": True, "nticks": 8},
        "yaxis": {"title": {"text": y_title}, "automargin": True},
        # at the figure's foot, below the period labels however long they get (a phone turns
        # them upright); a legend placed under the plot area ran into them
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
        "hovermode": "closest",
    }
    layout.update(extra)
    return layout


def control_chart_figure(
    card: StandardCard, drill: str, labels: Sequence[str] | None = None
) -> dict[str, Any]:
    """Points per period, centre line, UCL/LCL, violations marked; hover: period, n, value.
    A click opens `drill` + the point's period start (customdata[0], URL-quoted)."""
    period = card.version.period if card.version else Period.DAY
    x = list(labels) if labels is not None else period_labels(card.points, period)
    values = _round(card.display_values)
    unit = (
        _("percent")
        if card.limits and card.limits.chart == "p"
        else card.standard.metric.get_unit_display()
    )
    custom = [[p.period_start.isoformat(), p.n] for p in card.points]
    hover = (
        "%{x}<br>" + _("n") + ": %{customdata[1]}<br>" + _("value") + ": %{y:.2f}<extra></extra>"
    )
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("Value"),
            "x": x,
            "y": values,
            "customdata": custom,
            "hovertemplate": hover,
            "line": {"color": BLUE, "width": 1.5},
            "marker": {"size": 6, "color": BLUE},
        }
    ]
    limits = card.limits
    if limits and limits.center:
        for name, ys, dash in (
            (_("Centre line"), limits.center, "solid"),
            (_("UCL"), limits.ucl, "dash"),
            (_("LCL"), limits.lcl, "dash"),
        ):
            run_x, run_y = _runs(x, _round(ys))
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": name,
                    "x": run_x,
                    "y": run_y,
                    "hoverinfo": "skip",
                    "line": {"color": GREEN if dash == "solid" else GREY, "dash": dash, "width": 1},
                }
            )
    if limits:
        flagged = [i for i, f in enumerate(limits.flagged) if f]
        if flagged:
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": _("Rule violation"),
                    "x": [x[i] for i in flagged],
                    "y": [values[i] for i in flagged],
                    "customdata": [
                        [custom[i][0], custom[i][1], ", ".join(limits.rules[i])] for i in flagged
                    ],
                    "hovertemplate": "%{x}<br>"
                    + _("n")
                    + ": %{customdata[1]}<br>"
                    + _("value")
                    + ": %{y:.2f}<br>%{customdata[2]}<extra></extra>",
                    "marker": {"size": 11, "color": RED, "symbol": "x"},
                }
            )
    title = _("Control chart")
    return {"data": data, "layout": _layout(title, str(unit)), "drill": drill}


def burndown_figure(card: StandardCard, labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Remaining error budget (percent of the window's budget) after each period."""
    b = card.burndown
    if b is None:
        return {}
    period = card.version.period if card.version else Period.DAY
    if labels is None:
        labels = period_labels(card.points, period)
    x = [
        label
        for label, p in zip(labels, card.points, strict=False)
        if b.unit == "records" or p.complies is not None
    ]
    y = [round(100.0 * r, 3) for r in b.remaining]
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": _("Remaining error budget"),
            "x": x,
            "y": y,
            "fill": "tozeroy",
            "line": {"color": GREEN if b.status.budget_remaining >= 0 else RED},
            "hovertemplate": "%{x}<br>" + _("Remaining error budget") + ": %{y:.1f}<extra></extra>",
        }
    ]
    layout = _layout(_("Error budget burn-down"), _("percent of the budget"), height=220)
    layout["shapes"] = [
        {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": 0,
            "y1": 0,
            "line": {"color": RED, "width": 1},
        }
    ]
    return {"data": data, "layout": layout}


def heatmap_figure(overview: ExecutiveOverview, urls: dict[tuple[int, int], str]) -> dict[str, Any]:
    """Services (rows) × sites (columns), colour and text: compliance in percent."""
    services, sites = overview.services, overview.sites
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    custom: list[list[str]] = []
    for sv in services:
        row, labels, links = [], [], []
        for st in sites:
            cell = overview.cells[(sv.pk, st.pk)]
            row.append(None if cell.value is None else round(cell.value, 1))
            labels.append("—" if cell.value is None else f"{cell.value:.1f}")
            links.append(urls[(sv.pk, st.pk)])
        z.append(row)
        text.append(labels)
        custom.append(links)
    data = [
        {
            "type": "heatmap",
            "x": [st.name for st in sites],
            "y": [sv.name for sv in services],
            "z": z,
            "text": text,
            "texttemplate": "%{text}",
            "customdata": custom,
            "zmin": 0,
            "zmax": 100,
            "colorscale": [[0, RED], [0.8, "#f1c40f"], [0.95, "#58d68d"], [1, GREEN]],
            "colorbar": {"title": {"text": _("Compliance")}, "thickness": 12},
            "hovertemplate": "%{y} · %{x}<br>" + _("Compliance") + ": %{text}<extra></extra>",
            "xgap": 2,
            "ygap": 2,
        }
    ]
    height = max(220, 60 + 40 * len(services))
    layout = _layout(_("Compliance by service and site"), "", height=height)
    # The card's heading names the chart; a title here collides with the site names above.
    layout["title"] = {"text": ""}
    layout["margin"] = {**layout["margin"], "t": 8}
    layout["xaxis"] = {"automargin": True, "side": "top"}
    layout["yaxis"] = {"automargin": True, "autorange": "reversed"}
    return {"data": data, "layout": layout}


def trend_figure(overview: ExecutiveOverview) -> dict[str, Any]:
    x = [p.week.isoformat() for p in overview.trend]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("Compliance"),
            "x": x,
            "y": [None if p.value is None else round(p.value, 2) for p in overview.trend],
            "customdata": [p.evaluated for p in overview.trend],
            "hovertemplate": _("Week of %(day)s") % {"day": "%{x}"}
            + "<br>"
            + _("Compliance")
            + ": %{y:.1f}<br>"
            + _("periods")
            + ": %{customdata}<extra></extra>",
            "line": {"color": BLUE},
        }
    ]
    layout = _layout(_("Weekly compliance, all standards"), _("percent of periods complying"))
    layout["yaxis"]["range"] = [0, 105]
    return {"data": data, "layout": layout}
