"""Server-side drawings: the fishbone (Ishikawa) diagram as inline SVG, the Pareto figure.

Every piece of text is escaped here; the SVG is marked safe only once it is built.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sqms.improvement.models import Bone, FishboneCause
from sqms_analytics import ParetoResult

WIDTH, HEIGHT = 960, 420
SPINE_Y = HEIGHT // 2
HEAD_X = WIDTH - 190
MAX_TEXT = 40


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def fishbone_svg(*, problem: str, causes: Iterable[FishboneCause], title: str) -> SafeString:
    by_bone: dict[str, list[str]] = {b: [] for b in Bone.values}
    for cause in causes:
        by_bone.setdefault(cause.bone, []).append(cause.text)
    bones = list(Bone.choices)
    top, bottom = bones[::2], bones[1::2]
    step = (HEAD_X - 60) // 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="fishbone-title" class="fishbone">',
        f'<title id="fishbone-title">{escape(title)}</title>',
        f'<line x1="30" y1="{SPINE_Y}" x2="{HEAD_X}" y2="{SPINE_Y}" '
        'stroke="currentColor" stroke-width="3"/>',
        f'<rect x="{HEAD_X}" y="{SPINE_Y - 40}" width="180" height="80" rx="6" '
        'fill="none" stroke="currentColor" stroke-width="2"/>',
        f'<text x="{HEAD_X + 90}" y="{SPINE_Y + 5}" text-anchor="middle" font-size="13">'
        f"{escape(_short(problem))}</text>",
    ]
    for row, (side, sign) in enumerate(((top, -1), (bottom, 1))):
        for i, (value, label) in enumerate(side):
            x_end = 60 + step * (i + 1)
            x_start = x_end - 70
            y_end = SPINE_Y + sign * 170
            parts.append(
                f'<line x1="{x_start}" y1="{y_end}" x2="{x_end}" y2="{SPINE_Y}" '
                'stroke="currentColor" stroke-width="2"/>'
            )
            label_y = y_end + (sign * 14 if row else -8)
            parts.append(
                f'<text x="{x_start}" y="{label_y}" font-size="13" font-weight="bold">'
                f"{escape(str(label))}</text>"
            )
            for j, text in enumerate(by_bone.get(value, [])[:6]):
                frac = (j + 1) / 7
                y = round(y_end + (SPINE_Y - y_end) * frac)
                x = round(x_start + (x_end - x_start) * frac)
                parts.append(
                    f'<line x1="{x - 110}" y1="{y}" x2="{x}" y2="{y}" stroke="currentColor" '
                    'stroke-width="1"/>'
                )
                parts.append(
                    f'<text x="{x - 108}" y="{y - 3}" font-size="11">{escape(_short(text))}</text>'
                )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def pareto_figure(result: ParetoResult, *, count_label: str, cum_label: str) -> dict[str, Any]:
    """A Plotly figure (bars and cumulative line) as a dict; the page embeds it with json_script
    and charts.js draws it (the CSP forbids inline scripts)."""
    import plotly.graph_objects as go

    cats = [r.category for r in result.rows]
    fig = go.Figure()
    fig.add_bar(x=cats, y=[r.count for r in result.rows], name=count_label)
    fig.add_scatter(
        x=cats,
        y=[r.cum_percent for r in result.rows],
        name=cum_label,
        yaxis="y2",
        mode="lines+markers",
    )
    fig.update_layout(
        yaxis={"title": {"text": count_label}},
        yaxis2={
            "title": {"text": cum_label},
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
        },
        margin={"t": 30},
        legend={"orientation": "h"},
    )
    figure: dict[str, Any] = json.loads(fig.to_json())
    return figure
