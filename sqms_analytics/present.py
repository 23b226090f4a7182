"""Terminal tables and figures for the CLI, built from the JSON dictionaries of
:mod:`sqms_analytics.serialize` so that every format shows the same numbers."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence
from typing import Any

from sqms_analytics.figures import COLORS, Figure, Panel, Trace
from sqms_analytics.i18n import t
from sqms_analytics.rules import DESCRIPTIONS, Rule

JSON = dict[str, Any]


def fmt(x: Any, digits: int = 7) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        return f"{x:.{digits}g}"
    return str(x)


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}%"


def width(text: str) -> int:
    """Display width in a terminal: East Asian wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [width(h) for h in headers]
    for row in rows:
        widths = [max(w, width(c)) for w, c in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = (c + " " * (w - width(c)) for c, w in zip(cells, widths, strict=True))
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)]).rstrip()


def kv(pairs: Sequence[tuple[str, str]]) -> str:
    w = max(width(k) for k, _ in pairs)
    return "\n".join(f"{k}{' ' * (w - width(k))}  {v}" for k, v in pairs)


def _rule_text(name: str, lang: str) -> str:
    try:
        rule = Rule.parse(name)
    except ValueError:
        return name
    return f"{name} ({DESCRIPTIONS[rule]})" if lang == "en" else name


# --- control charts ------------------------------------------------------------------


def _series_table(d: JSON, lang: str) -> str:
    """Points; the limit columns only where they vary (else they are in the header)."""
    varying = [k for k in ("center", "ucl", "lcl") if d[k] is None]
    headers = [t("label", lang), t("value", lang)]
    headers += [t(f"{k}.short", lang) for k in varying]
    headers += [t("phase", lang), t("violations", lang)]
    rows = [
        [
            p["label"],
            fmt(p["value"]),
            *(fmt(p[k]) for k in varying),
            str(p["phase"]),
            ", ".join(p["violations"]),
        ]
        for p in d["points"]
    ]
    return table(headers, rows)


def _line(d: JSON, key: str, lang: str) -> tuple[str, str]:
    value = d[key]
    return t(key, lang), fmt(value) if value is not None else t("varies", lang)


def chart_text(d: JSON, lang: str) -> str:
    parts = [t(f"chart.{d['chart']}", lang)]
    rules = d.get("rules") or "none"
    pairs = [
        (t("rules", lang), t(f"rules.{rules}", lang)),
        _line(d, "center", lang),
        _line(d, "ucl", lang),
        _line(d, "lcl", lang),
        (t("sigma", lang), fmt(d["sigma"])),
    ]
    if d.get("standards_given"):
        pairs.append((t("standards_given", lang), t("yes", lang)))
    if d.get("excluded"):
        pairs.append((t("excluded", lang), ", ".join(d["excluded"])))
    for key, value in (d.get("parameters") or {}).items():
        pairs.append((key, fmt(value)))
    parts += [kv(pairs), "", _series_table(d, lang)]
    comp = d.get("companion")
    if comp:
        parts += [
            "",
            t(f"series.{comp['chart']}", lang),
            kv([_line(comp, "center", lang), _line(comp, "ucl", lang), _line(comp, "lcl", lang)]),
            "",
            _series_table(comp, lang),
        ]
    signals = [*d["signals"], *(comp["signals"] if comp else [])]
    parts.append("")
    if signals:
        parts.append(t("out_of_control", lang, count=len(signals)))
        parts += [
            "  "
            + t(
                "signal",
                lang,
                label=s["label"],
                rule=_rule_text(s["rule"], lang),
                points=", ".join(s["points"]),
            )
            for s in signals
        ]
    else:
        parts.append(t("in_control", lang))
    return "\n".join(parts)


def _chart_panel(d: JSON, title: str, lang: str) -> Panel:
    points = d["points"]
    cats = [p["label"] for p in points]
    flagged = [i for i, p in enumerate(points) if p["violations"]]
    traces = [
        Trace("line", title, [p["value"] for p in points]),
        Trace("limit", t("ucl.short", lang), [p["ucl"] for p in points], color=COLORS["limit"]),
        Trace(
            "limit", t("center.short", lang), [p["center"] for p in points], color=COLORS["center"]
        ),
        Trace("limit", t("lcl.short", lang), [p["lcl"] for p in points], color=COLORS["limit"]),
    ]
    if flagged:
        traces.append(
            Trace(
                "markers",
                t("violations", lang),
                [points[i]["value"] for i in flagged],
                x=flagged,
                color=COLORS["signal"],
            )
        )
    return Panel(title, cats, tuple(traces), y_title=title)


def chart_figure(d: JSON, lang: str) -> Figure:
    main_name = {"xbar-r": "xbar", "xbar-s": "xbar", "imr": "i", "cusum": "cusum-upper"}.get(
        d["chart"], d["chart"]
    )
    panels = [_chart_panel(d, t(f"series.{main_name}", lang), lang)]
    if d.get("companion"):
        comp = d["companion"]
        panels.append(_chart_panel(comp, t(f"series.{comp['chart']}", lang), lang))
    return Figure(t(f"chart.{d['chart']}", lang), tuple(panels))


# --- capability ---------------------------------------------------------------------


def capability_text(d: JSON, lang: str) -> str:
    ci = d["ci"]
    level = f"{100 * ci['confidence']:g}%"

    def with_ci(key: str) -> str:
        interval = ci.get(key)
        if d[key] is None:
            return "—"
        if interval is None:
            return f"{d[key]:.3f}"
        return f"{d[key]:.3f}   [{fmt(interval[0], 4)}, {fmt(interval[1], 4)}]"

    rows = [
        ("Cp", with_ci("cp")),
        ("Cpl", fmt(d["cpl"], 4)),
        ("Cpu", fmt(d["cpu"], 4)),
        ("Cpk", with_ci("cpk")),
        ("Cpm", with_ci("cpm")),
        ("Pp", with_ci("pp")),
        ("Ppk", with_ci("ppk")),
    ]
    pairs = [
        (t("lsl", lang), fmt(d["lsl"])),
        (t("usl", lang), fmt(d["usl"])),
        (t("target", lang), fmt(d["target"])),
        (t("n", lang), fmt(d["n"])),
        (t("mean", lang), fmt(d["mean"])),
        (t("sigma_within", lang), fmt(d["sigma_within"])),
        (t("sigma_overall", lang), fmt(d["sigma_overall"])),
    ]
    out = [
        t("capability", lang),
        kv(pairs),
        "",
        table(["", f"{t('value', lang)}   [{t('ci', lang)} {level}]"], [[k, v] for k, v in rows]),
    ]
    norm = d.get("normality")
    if norm:
        out += [
            "",
            f"{t('normality', lang)}: A² = {norm['statistic']:.4f}, p = {fmt(norm['p_value'], 4)}",
        ]
    out += [t(f"warning.{w}", lang) for w in d["warnings"]]
    return "\n".join(out)


def capability_figure(d: JSON, values: Sequence[float], lang: str) -> Figure:
    """The values in order against the specification, and their histogram."""
    import numpy as np

    x = np.asarray(values, dtype=float)
    order = [str(i + 1) for i in range(x.size)]
    run = [Trace("line", t("value", lang), x.tolist())]
    for key, color in (
        ("usl", COLORS["limit"]),
        ("target", COLORS["center"]),
        ("lsl", COLORS["limit"]),
    ):
        if d[key] is not None:
            run.append(Trace("limit", t(key, lang), [d[key]] * x.size, color=color))
    counts, edges = np.histogram(x, bins="auto")
    bins = [f"{(a + b) / 2:.5g}" for a, b in itertools.pairwise(edges)]
    summary = (
        f"Cp {fmt(d['cp'], 3)} · Cpk {fmt(d['cpk'], 3)} · Pp {fmt(d['pp'], 3)} · "
        f"Ppk {fmt(d['ppk'], 3)}"
    )
    return Figure(
        t("capability", lang),
        (
            Panel(summary, order, tuple(run), y_title=t("value", lang)),
            Panel(
                t("count", lang),
                bins,
                (Trace("bar", t("count", lang), counts.tolist(), color=COLORS["bar"]),),
            ),
        ),
    )


# --- Pareto ------------------------------------------------------------------------


def pareto_text(d: JSON, lang: str) -> str:
    headers = [
        t("category", lang),
        t("count", lang),
        t("percent", lang),
        t("cum_count", lang),
        t("cum_percent", lang),
    ]
    rows = [
        [
            r["category"],
            fmt(r["count"]),
            f"{r['percent']:.1f}",
            fmt(r["cum_count"]),
            f"{r['cum_percent']:.1f}",
        ]
        for r in d["rows"]
    ]
    return "\n".join(
        [
            t("pareto", lang),
            table(headers, rows),
            "",
            f"{t('total', lang)}: {fmt(d['total'])}",
            f"{t('vital_few', lang, cutoff=d['cutoff'])}: {', '.join(d['vital_few'])}",
        ]
    )


def pareto_figure(d: JSON, lang: str) -> Figure:
    cats = [r["category"] for r in d["rows"]]
    traces = (
        Trace("bar", t("count", lang), [r["count"] for r in d["rows"]], color=COLORS["bar"]),
        Trace(
            "line",
            t("cum_percent", lang),
            [r["cum_percent"] for r in d["rows"]],
            color=COLORS["cum"],
            secondary=True,
        ),
        Trace(
            "limit",
            f"{d['cutoff']:g}%",
            [d["cutoff"]] * len(cats),
            color=COLORS["limit"],
            secondary=True,
        ),
    )
    return Figure(
        t("pareto", lang),
        (
            Panel(
                t("pareto", lang),
                cats,
                traces,
                y_title=t("count", lang),
                secondary_title=t("cum_percent", lang),
            ),
        ),
    )


# --- surveys -------------------------------------------------------------------------


def alpha_text(d: JSON, lang: str) -> str:
    pairs = [
        (t("alpha", lang), f"{d['alpha']:.4f}"),
        (
            f"{t('ci', lang)} {100 * d['confidence']:g}% (Feldt)",
            f"[{fmt(d['ci'][0], 4)}, {fmt(d['ci'][1], 4)}]",
        ),
        (t("respondents", lang), str(d["n"])),
        (t("k", lang), str(d["k"])),
        ("", t(f"missing.{d['missing']}", lang)),
    ]
    rows = [
        [name, fmt(v, 4), fmt(d["item_total_correlation"][name], 4)]
        for name, v in d["if_item_deleted"].items()
    ]
    return "\n".join(
        [
            t("alpha", lang),
            kv(pairs),
            "",
            table([t("items", lang), t("if_item_deleted", lang), t("item_total", lang)], rows),
        ]
    )


def alpha_figure(d: JSON, lang: str) -> Figure:
    names = list(d["if_item_deleted"])
    traces = (
        Trace(
            "bar",
            t("if_item_deleted", lang),
            list(d["if_item_deleted"].values()),
            color=COLORS["bar"],
        ),
        Trace("limit", t("alpha", lang), [d["alpha"]] * len(names), color=COLORS["limit"]),
    )
    return Figure(t("alpha", lang), (Panel(t("if_item_deleted", lang), names, traces),))


def nps_text(d: JSON, lang: str) -> str:
    n = d["n"]
    pairs = [
        (t("nps", lang), f"{d['nps']:.1f}"),
        (f"{t('ci', lang)} {100 * d['confidence']:g}%", f"[{d['ci'][0]:.1f}, {d['ci'][1]:.1f}]"),
        (t("promoters", lang) + " (9–10)", f"{d['promoters']} ({100 * d['promoters'] / n:.1f}%)"),
        (t("passives", lang) + " (7–8)", f"{d['passives']} ({100 * d['passives'] / n:.1f}%)"),
        (t("detractors", lang) + " (0–6)", f"{d['detractors']} ({100 * d['detractors'] / n:.1f}%)"),
        (t("respondents", lang), str(n)),
    ]
    return "\n".join([t("nps", lang), kv(pairs)])


def nps_figure(d: JSON, lang: str) -> Figure:
    cats = [t("promoters", lang), t("passives", lang), t("detractors", lang)]
    traces = (
        Trace(
            "bar",
            t("respondents", lang),
            [d["promoters"], d["passives"], d["detractors"]],
            color=COLORS["bar"],
        ),
    )
    return Figure(
        f"{t('nps', lang)} = {d['nps']:.1f}",
        (Panel(t("survey", lang), cats, traces, y_title=t("count", lang)),),
    )


def scale_text(d: JSON, kind: str, lang: str) -> str:
    low, high = d["scale"]
    top = [str(high - i) for i in range(d["top"])][::-1]
    pairs = [
        (f"{t(kind, lang)} ({'/'.join(top)} / {low}–{high})", pct(d[kind])),
        (t("ci", lang), f"[{pct(d['share_ci'][0])}, {pct(d['share_ci'][1])}]"),
        (t("mean", lang), f"{d['mean']:.3f}"),
        (
            t("ci", lang) + " (" + t("mean", lang) + ")",
            f"[{d['mean_ci'][0]:.3f}, {d['mean_ci'][1]:.3f}]",
        ),
        (t("respondents", lang), str(d["n"])),
    ]
    return "\n".join([t(kind, lang), kv(pairs)])


def scale_figure(d: JSON, kind: str, lang: str) -> Figure:
    low, high = d["scale"]
    cats = [f"{high - d['top'] + 1}–{high}", f"{low}–{high - d['top']}"]
    traces = (
        Trace("bar", t("percent", lang), [100 * d[kind], 100 * (1 - d[kind])], color=COLORS["bar"]),
    )
    return Figure(
        f"{t(kind, lang)} = {pct(d[kind])}",
        (Panel(t("survey", lang), cats, traces, y_title=t("percent", lang)),),
    )


def servqual_text(d: JSON, lang: str) -> str:
    dims = [
        [t(f"dim.{x['dimension']}", lang), fmt(x["gap"], 4), fmt(x["weight"], 3)]
        for x in d["dimensions"]
    ]
    items = [
        [x["item"], fmt(x["expectation"], 4), fmt(x["perception"], 4), fmt(x["gap"], 4)]
        for x in d["items"]
    ]
    return "\n".join(
        [
            t("servqual", lang),
            table([t("dimension", lang), t("gap", lang), t("weight", lang)], dims),
            "",
            kv(
                [
                    (t("unweighted", lang), fmt(d["unweighted"], 4)),
                    (t("weighted", lang), fmt(d["weighted"], 4)),
                    (t("respondents", lang), str(d["n"])),
                ]
            ),
            "",
            table(
                [t("items", lang), t("expectation", lang), t("perception", lang), t("gap", lang)],
                items,
            ),
        ]
    )


def servqual_figure(d: JSON, lang: str) -> Figure:
    cats = [t(f"dim.{x['dimension']}", lang) for x in d["dimensions"]]
    traces = (
        Trace("bar", t("gap", lang), [x["gap"] for x in d["dimensions"]], color=COLORS["bar"]),
    )
    return Figure(
        t("servqual", lang), (Panel(t("dimension", lang), cats, traces, y_title=t("gap", lang)),)
    )


# --- effectiveness and SLOs ---------------------------------------------------------------


def comparison_text(d: JSON, lang: str) -> str:
    def val(x: float | None) -> str:
        return pct(x) if d["kind"] == "proportion" else fmt(x, 5)

    ci = d["ci"]
    in_control = d["after_in_control"]
    pairs = [
        (t("test", lang), t(f"test.{d['test']}", lang)),
        (t("before", lang), f"{val(d['before'])} (n = {d['n_before']})"),
        (t("after", lang), f"{val(d['after'])} (n = {d['n_after']})"),
        (
            t("difference", lang),
            val(d["difference"]) if d["kind"] == "mean" else f"{100 * d['difference']:+.2f} %p",
        ),
        (t("ci", lang), "—" if ci is None else f"[{val(ci[0])}, {val(ci[1])}]"),
        (
            t("effect_size", lang),
            f"{fmt(d['effect_size'], 3)} ({t('effect.' + d['effect_size_name'], lang)})",
        ),
        (t("p_value", lang), fmt(d["p_value"], 4)),
        (t("verdict", lang), t(f"verdict.{d['verdict']}", lang)),
        (
            t("after_in_control", lang),
            t("not_assessed", lang)
            if in_control is None
            else t("yes" if in_control else "no", lang),
        ),
    ]
    return "\n".join([t("effectiveness", lang), kv(pairs)])


def comparison_figure(d: JSON, lang: str) -> Figure:
    cats = [t("before", lang), t("after", lang)]
    traces = (Trace("bar", t("value", lang), [d["before"], d["after"]], color=COLORS["bar"]),)
    return Figure(
        f"{t('effectiveness', lang)}: {t('verdict.' + d['verdict'], lang)}",
        (Panel(t("effectiveness", lang), cats, traces),),
    )


def burn_rate_text(d: JSON, lang: str) -> str:
    pairs = [
        (t("objective", lang), f"{100 * d['objective']:g}%"),
        (t("period", lang), d["period"]),
        (t("error_budget", lang), f"{100 * d['error_budget']:.4g}%"),
    ]
    status = d.get("status")
    if status:
        pairs += [
            (t("compliance", lang), f"{100 * status['compliance']:.4f}%"),
            (t("budget_consumed", lang), pct(status["budget_consumed"])),
            (t("budget_remaining", lang), pct(status["budget_remaining"])),
            (t("current_burn", lang), fmt(status["current_burn_rate"], 4)),
        ]
    headers = [
        t("alert", lang),
        t("long_window", lang),
        t("short_window", lang),
        t("threshold", lang),
        t("budget_share", lang),
    ]
    if status:
        headers += [
            f"{t('burn_rate', lang)} ({t('long_window', lang)})",
            f"{t('burn_rate', lang)} ({t('short_window', lang)})",
            t("firing", lang),
        ]
    rows = []
    for a in d["alerts"]:
        row = [
            t(f"severity.{a['severity']}", lang),
            a["long_window"],
            a["short_window"],
            f"{a['burn_rate']:.4g}×",
            pct(a["budget_share"]),
        ]
        if status:
            row += [
                fmt(a["long_burn"], 4),
                fmt(a["short_burn"], 4),
                t("yes" if a["firing"] else "no", lang),
            ]
        rows.append(row)
    return "\n".join([t("slo", lang), kv(pairs), "", table(headers, rows)])


def burn_rate_figure(d: JSON, lang: str) -> Figure:
    cats = [f"{a['severity']} {a['long_window']}/{a['short_window']}" for a in d["alerts"]]
    traces = [
        Trace(
            "bar",
            t("threshold", lang),
            [a["burn_rate"] for a in d["alerts"]],
            color=COLORS["limit"],
        )
    ]
    if d.get("status"):
        traces.append(
            Trace(
                "bar",
                f"{t('burn_rate', lang)} ({t('long_window', lang)})",
                [a["long_burn"] for a in d["alerts"]],
                color=COLORS["bar"],
            )
        )
    return Figure(
        t("burn_rate", lang),
        (Panel(t("slo", lang), cats, tuple(traces), y_title=t("burn_rate", lang)),),
    )
