"""A small figure description rendered by Plotly (HTML) or Matplotlib (PNG).

HTML embeds plotly.js from the installed package (no CDN), so the page works
offline. PNG uses Matplotlib's Agg backend rather than Plotly's static export,
which needs Kaleido and a Chrome binary a fresh machine does not have. Both
libraries are imported only when that format is asked for.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

TraceKind = Literal["line", "bar", "markers", "limit"]

COLORS = {
    "data": "#1f77b4",
    "center": "#2ca02c",
    "limit": "#d62728",
    "signal": "#d62728",
    "bar": "#4c78a8",
    "cum": "#f58518",
    "excluded": "#999999",
}


@dataclass(frozen=True)
class Trace:
    kind: TraceKind
    name: str
    y: Sequence[float | None]
    x: Sequence[int] | None = None  # positions on the panel's categories; default 0..n−1
    color: str = COLORS["data"]
    secondary: bool = False  # plotted against a right-hand axis


@dataclass(frozen=True)
class Panel:
    title: str
    categories: Sequence[str]
    traces: tuple[Trace, ...]
    y_title: str = ""
    secondary_title: str = ""


@dataclass(frozen=True)
class Figure:
    title: str
    panels: tuple[Panel, ...]
    notes: tuple[str, ...] = field(default=())


def _xs(trace: Trace) -> list[int]:
    return list(trace.x) if trace.x is not None else list(range(len(trace.y)))


def to_html(fig: Figure, summary: str, lang: str) -> str:
    """A self-contained page: the summary as preformatted text and the figure."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rows = len(fig.panels)
    plot = make_subplots(
        rows=rows,
        cols=1,
        subplot_titles=[p.title for p in fig.panels],
        specs=[[{"secondary_y": any(t.secondary for t in p.traces)}] for p in fig.panels],
        vertical_spacing=0.12 if rows > 1 else 0.08,
    )
    for r, panel in enumerate(fig.panels, start=1):
        cats = list(panel.categories)
        for trace in panel.traces:
            xs = [cats[i] for i in _xs(trace)]
            common: dict[str, Any] = {"name": trace.name, "x": xs, "y": list(trace.y)}
            if trace.kind == "bar":
                obj: Any = go.Bar(marker_color=trace.color, **common)
            elif trace.kind == "markers":
                obj = go.Scatter(
                    mode="markers",
                    marker={"color": trace.color, "size": 10, "symbol": "circle-open"},
                    **common,
                )
            elif trace.kind == "limit":
                obj = go.Scatter(
                    mode="lines",
                    line={"color": trace.color, "dash": "dash", "shape": "hvh"},
                    **common,
                )
            else:
                obj = go.Scatter(
                    mode="lines+markers", line={"color": trace.color}, marker={"size": 5}, **common
                )
            if any(t.secondary for t in panel.traces):
                plot.add_trace(obj, row=r, col=1, secondary_y=trace.secondary)
            else:
                plot.add_trace(obj, row=r, col=1)
        plot.update_xaxes(type="category", row=r, col=1)
        if panel.y_title:
            plot.update_yaxes(
                title_text=panel.y_title,
                row=r,
                col=1,
                **({"secondary_y": False} if panel.secondary_title else {}),
            )
        if panel.secondary_title:
            plot.update_yaxes(title_text=panel.secondary_title, row=r, col=1, secondary_y=True)
    plot.update_layout(
        title=fig.title, height=420 * rows, template="plotly_white", legend={"orientation": "h"}
    )
    div = plot.to_html(include_plotlyjs=True, full_html=False)
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in fig.notes)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(fig.title)}</title>\n"
        "<style>body{font-family:system-ui,'Malgun Gothic','Noto Sans KR',sans-serif;"
        "margin:2em;} pre{background:#f6f6f6;padding:1em;overflow-x:auto;}</style>\n"
        f"</head>\n<body>\n<h1>{html.escape(fig.title)}</h1>\n{notes}\n"
        f"<pre>{html.escape(summary)}</pre>\n{div}\n</body>\n</html>\n"
    )


_HANGUL_FAMILIES = (
    "NanumGothic",
    "Nanum Gothic",
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "Malgun Gothic",
    "AppleGothic",
    "UnDotum",
    "Baekmuk Gulim",
    "Source Han Sans KR",
)


def hangul_font() -> str | None:
    """A font family Matplotlib can find that has Hangul glyphs, if any."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in _HANGUL_FAMILIES if f in names), None)


def to_png(fig: Figure) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family = hangul_font()
    rc: dict[str, Any] = {"font.family": [family, "DejaVu Sans"]} if family else {}
    with plt.rc_context(rc):  # type: ignore[arg-type]
        rows = len(fig.panels)
        mfig, axes = plt.subplots(rows, 1, figsize=(11, 4 * rows), squeeze=False)
        for ax, panel in zip(axes[:, 0], fig.panels, strict=True):
            ax2 = ax.twinx() if any(t.secondary for t in panel.traces) else None
            for trace in panel.traces:
                target = ax2 if (trace.secondary and ax2 is not None) else ax
                xs = _xs(trace)
                ys = [float("nan") if y is None else y for y in trace.y]
                if trace.kind == "bar":
                    target.bar(xs, ys, color=trace.color, label=trace.name)
                elif trace.kind == "markers":
                    target.plot(xs, ys, "o", mfc="none", mec=trace.color, ms=10, label=trace.name)
                elif trace.kind == "limit":
                    target.step(
                        xs, ys, where="mid", color=trace.color, ls="--", lw=1, label=trace.name
                    )
                else:
                    target.plot(xs, ys, "-o", color=trace.color, ms=3, lw=1, label=trace.name)
            cats = list(panel.categories)
            step = max(1, len(cats) // 25)
            ticks = list(range(0, len(cats), step))
            ax.set_xticks(
                ticks,
                [cats[i] for i in ticks],
                rotation=45 if max((len(c) for c in cats), default=0) > 3 else 0,
                ha="right" if max((len(c) for c in cats), default=0) > 3 else "center",
            )
            ax.set_title(panel.title)
            ax.set_ylabel(panel.y_title)
            handles, labels = ax.get_legend_handles_labels()
            if ax2 is not None:
                ax2.set_ylabel(panel.secondary_title)
                ax2.set_ylim(0, 105)  # the secondary axis holds percentages
                more = ax2.get_legend_handles_labels()
                handles, labels = handles + more[0], labels + more[1]
            ax.grid(alpha=0.3)
            ax.legend(handles, labels, loc="best", fontsize="small")
        mfig.suptitle(fig.title)
        mfig.tight_layout()
        buf = io.BytesIO()
        mfig.savefig(buf, format="png", dpi=110)
        plt.close(mfig)
    return buf.getvalue()


__all__ = ["COLORS", "Figure", "Panel", "Trace", "hangul_font", "to_html", "to_png"]
