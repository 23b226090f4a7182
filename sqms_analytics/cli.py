"""``sqms analyze``: the analytics on a CSV file, without a database.

``main(argv)`` takes the words after ``analyze`` (``chart``, ``capability``, …)
and returns the exit code: 0 on success, 2 on bad input or usage, with the
message on stderr and nothing written.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sqms_analytics import present, serialize
from sqms_analytics.errors import InputError
from sqms_analytics.figures import Figure
from sqms_analytics.i18n import error_message, resolve_language

FORMATS = ("table", "json", "html", "png")
CHART_TYPES = ("xbar-r", "xbar-s", "imr", "p", "np", "c", "u", "ewma", "cusum")


@dataclass
class Output:
    data: dict[str, Any]
    text: Callable[[str], str]
    figure: Callable[[str], Figure] | None = None


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so ``main`` returns the code."""

    def error(self, message: str) -> Any:
        raise _UsageError(f"{self.prog}: error: {message}", self.format_usage())


class _UsageError(Exception):
    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


def _common() -> _Parser:
    p = _Parser(add_help=False)
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--output", "-o", help="file to write instead of standard output")
    p.add_argument(
        "--lang",
        choices=("ko", "en"),
        help="language of table output (default: $SQMS_LANGUAGE, else ko)",
    )
    return p


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = _Parser(prog="sqms analyze", description=__doc__.splitlines()[0] if __doc__ else "")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    c = sub.add_parser("chart", parents=[common], help="control chart with run rules")
    c.add_argument("--type", required=True, choices=CHART_TYPES)
    c.add_argument("--input", required=True)
    c.add_argument(
        "--value",
        required=True,
        help="value column; for p/np/c/u the count; COL,COL,… for one subgroup per row",
    )
    c.add_argument("--subgroup", help="subgroup label column (rows with equal labels form one)")
    c.add_argument("--size", help="sample size / inspection units column (or one number)")
    phase = c.add_mutually_exclusive_group()
    phase.add_argument("--phase1-col", help="yes/no column marking the phase I subgroups")
    phase.add_argument("--phase1", type=int, help="the first N subgroups are phase I")
    c.add_argument("--exclude", help="subgroup labels left out of the estimate, comma-separated")
    c.add_argument("--center", type=float, help="known centre (standards given)")
    c.add_argument("--sigma", type=float, help="known standard deviation (standards given)")
    c.add_argument(
        "--rules", choices=("western-electric", "nelson", "none"), default="western-electric"
    )
    c.add_argument("--lambda", dest="lam", type=float, default=0.2, help="EWMA weight")
    c.add_argument("--width", type=float, default=3.0, help="EWMA limit width L")
    c.add_argument("--k", type=float, default=0.5, help="CUSUM reference value (σ units)")
    c.add_argument("--h", type=float, default=5.0, help="CUSUM decision interval (σ units)")

    cap = sub.add_parser("capability", parents=[common], help="process capability indices")
    cap.add_argument("--input", required=True)
    cap.add_argument("--value", required=True, help="value column (COL,COL,… for wide subgroups)")
    cap.add_argument("--subgroup")
    cap.add_argument("--lsl", type=float)
    cap.add_argument("--usl", type=float)
    cap.add_argument("--target", type=float)
    cap.add_argument("--within", choices=("r-bar", "pooled"), default="r-bar")
    cap.add_argument("--confidence", type=float, default=0.95)

    par = sub.add_parser("pareto", parents=[common], help="Pareto analysis")
    par.add_argument("--input", required=True)
    par.add_argument("--category", required=True)
    par.add_argument("--count")
    par.add_argument("--cutoff", type=float, default=80.0)

    al = sub.add_parser("alpha", parents=[common], help="Cronbach's alpha")
    al.add_argument("--input", required=True)
    al.add_argument("--items", help="item columns, comma-separated (default: numeric columns)")
    al.add_argument("--missing", choices=("pairwise", "listwise"), default="pairwise")
    al.add_argument("--confidence", type=float, default=0.95)

    for name, help_text in (
        ("nps", "Net Promoter Score"),
        ("csat", "customer satisfaction"),
        ("ces", "customer effort score"),
    ):
        s = sub.add_parser(name, parents=[common], help=help_text)
        s.add_argument("--input", required=True)
        s.add_argument("--score", required=True)
        s.add_argument("--confidence", type=float, default=0.95)
        if name != "nps":
            s.add_argument("--scale", default="1-5" if name == "csat" else "1-7")
            s.add_argument("--top", type=int, default=2 if name == "csat" else 3)

    sq = sub.add_parser("servqual", parents=[common], help="SERVQUAL gap scores")
    sq.add_argument("--input", required=True)
    sq.add_argument("--expectations", help="expectation columns (default: E1, E2, …)")
    sq.add_argument("--perceptions", help="perception columns (default: P1, P2, …)")
    sq.add_argument(
        "--dimensions", help="e.g. 'tangibles=1-4;reliability=5-9;…' (default: the 22-item scale)"
    )
    sq.add_argument("--weights", help="importance per dimension, e.g. 'tangibles=10,…'")

    cmp_ = sub.add_parser("compare", parents=[common], help="before/after effectiveness")
    cmp_.add_argument("--input", required=True)
    cmp_.add_argument("--value", required=True, help="value (or event count with --size)")
    cmp_.add_argument("--period", required=True, help="column telling before from after")
    cmp_.add_argument("--before", help="label of the before period (default: first seen)")
    cmp_.add_argument("--after", help="label of the after period (default: second seen)")
    cmp_.add_argument("--size", help="trials column: compare proportions value/size")
    cmp_.add_argument("--better", choices=("higher", "lower"), required=True)
    cmp_.add_argument("--alpha", type=float, default=0.05)
    cmp_.add_argument(
        "--rules", choices=("western-electric", "nelson", "none"), default="western-electric"
    )

    br = sub.add_parser("burn-rate", parents=[common], help="SLO error budget and burn rates")
    br.add_argument("--objective", type=float, required=True)
    br.add_argument("--period", default="30d")
    br.add_argument("--input")
    br.add_argument("--good", help="good events per bucket")
    br.add_argument("--total", help="all events per bucket")
    br.add_argument("--bad", help="bad events per bucket (instead of --good)")
    br.add_argument("--bucket", default="1m", help="length of one row's bucket")
    return parser


# --- helpers -----------------------------------------------------------------------


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _located(error: InputError, rows: Sequence[int], columns: dict[str, str]) -> InputError:
    from sqms_analytics.csvio import locate

    return locate(error, rows, columns)


@dataclass
class _Groups:
    labels: list[str]
    first_rows: list[int]
    members: list[list[int]] = field(default_factory=list)  # data-row indices per subgroup


def _group(table: Any, column: str | None) -> _Groups:
    """Subgroups in order of first appearance; without a column every row is its own."""
    n = len(table)
    if column is None:
        return _Groups(
            [str(i + 1) for i in range(n)], list(table.row_numbers), [[i] for i in range(n)]
        )
    labels: dict[str, int] = {}
    groups = _Groups([], [], [])
    for i, label in enumerate(table.text(column)):
        if label == "":
            raise InputError(
                "missing_value", row=table.row_numbers[i], column=table.name_of(column)
            )
        j = labels.setdefault(label, len(labels))
        if j == len(groups.labels):
            groups.labels.append(label)
            groups.first_rows.append(table.row_numbers[i])
            groups.members.append([])
        groups.members[j].append(i)
    return groups


def _pad(groups: _Groups, values: NDArray[np.float64]) -> NDArray[np.float64]:
    width = max(len(m) for m in groups.members)
    out = np.full((len(groups.members), width), np.nan)
    for j, members in enumerate(groups.members):
        out[j, : len(members)] = values[members]
    return out


def _phase_flags(table: Any, column: str, groups: _Groups) -> NDArray[np.bool_]:
    flags = table.flags(column)
    out = np.empty(len(groups.members), dtype=bool)
    for j, members in enumerate(groups.members):
        out[j] = flags[members[0]]
        bad = [i for i in members if flags[i] != out[j]]
        if bad:
            raise InputError(
                "inconsistent_flag", row=table.row_numbers[bad[0]], column=table.name_of(column)
            )
    return out


def _exclusions(text: str | None, groups: _Groups, column: str | None) -> NDArray[np.bool_]:
    mask = np.zeros(len(groups.labels), dtype=bool)
    if not text:
        return mask
    index = {label: j for j, label in enumerate(groups.labels)}
    for label in _split(text):
        if label not in index:
            raise InputError("unknown_label", column=column, label=label)
        mask[index[label]] = True
    return mask


def _size_column(table: Any, spec: str, groups: _Groups) -> tuple[NDArray[np.float64], str]:
    """A size column, or one number for every subgroup."""
    from sqms_analytics.csvio import parse_number

    try:
        column = table.name_of(spec)
    except InputError:
        number = parse_number(spec)
        if number is None:
            raise
        return np.full(len(groups.members), number), spec
    values = table.numbers(column)
    return np.array([values[m].sum() for m in groups.members]), column


# --- commands -------------------------------------------------------------------------


def _chart(args: argparse.Namespace) -> Output:
    from sqms_analytics import charts
    from sqms_analytics.csvio import read_csv

    table = read_csv(args.input)
    kind = args.type
    value_cols = _split(args.value)
    groups = _group(table, args.subgroup)
    wide = len(value_cols) > 1
    if wide and kind in ("p", "np", "c", "u", "imr"):
        raise InputError("bad_parameter", name="--value", value=args.value)
    columns: dict[str, str] = {}
    sizes = None
    if wide:
        if args.subgroup and any(len(m) > 1 for m in groups.members):
            raise InputError("conflicting_options", first="--value COL,COL", second="--subgroup")
        names = [table.name_of(c) for c in value_cols]
        data: NDArray[np.float64] = np.column_stack(
            [table.numbers(c, allow_missing=True) for c in names]
        )
        columns["values"] = names[0]
    else:
        name = table.name_of(value_cols[0])
        columns.update(values=name, counts=name)
        raw = table.numbers(name)
        if kind in ("p", "np", "c", "u"):
            data = np.array([raw[m].sum() for m in groups.members])
            if kind != "c":
                if not args.size:
                    raise InputError("needs_option", option="--size")
                sizes, size_col = _size_column(table, args.size, groups)
                columns["sizes"] = size_col
        elif kind in ("xbar-r", "xbar-s") or (
            kind in ("ewma", "cusum") and args.subgroup and any(len(m) > 1 for m in groups.members)
        ):
            if not args.subgroup:
                raise InputError("needs_option", option="--subgroup")
            data = _pad(groups, raw)
        else:
            data = raw
    phase1: int | NDArray[np.bool_] | None = args.phase1
    if args.phase1_col:
        phase1 = _phase_flags(table, args.phase1_col, groups)
    exclude = _exclusions(
        args.exclude, groups, table.name_of(args.subgroup) if args.subgroup else None
    )
    common: dict[str, Any] = {
        "phase1": phase1,
        "exclude": exclude,
        "center": args.center,
        "sigma": args.sigma,
        "rules": args.rules,
    }
    try:
        if kind == "xbar-r":
            chart = charts.xbar_r_chart(data, **common)
        elif kind == "xbar-s":
            chart = charts.xbar_s_chart(data, **common)
        elif kind == "imr":
            chart = charts.imr_chart(data, **common)
        elif kind == "p":
            chart = charts.p_chart(data, sizes, **common)  # type: ignore[arg-type]
        elif kind == "np":
            chart = charts.np_chart(data, sizes, **common)  # type: ignore[arg-type]
        elif kind == "c":
            chart = charts.c_chart(data, **common)
        elif kind == "u":
            chart = charts.u_chart(data, sizes, **common)  # type: ignore[arg-type]
        elif kind == "ewma":
            chart = charts.ewma_chart(data, lam=args.lam, width=args.width, **common)
        else:
            chart = charts.cusum_chart(data, k=args.k, h=args.h, **common)
    except InputError as exc:
        raise _located(exc, groups.first_rows, columns) from None
    d = serialize.chart_to_dict(chart, groups.labels, args.rules)
    return Output(
        d, lambda lang: present.chart_text(d, lang), lambda lang: present.chart_figure(d, lang)
    )


def _capability(args: argparse.Namespace) -> Output:
    from sqms_analytics.capability import process_capability
    from sqms_analytics.csvio import read_csv

    table = read_csv(args.input)
    value_cols = _split(args.value)
    groups = _group(table, args.subgroup)
    if len(value_cols) > 1:
        data = np.column_stack([table.numbers(c, allow_missing=True) for c in value_cols])
        flat = data[~np.isnan(data)]
    else:
        raw = table.numbers(value_cols[0])
        data = _pad(groups, raw) if args.subgroup else raw
        flat = raw
    columns = {"values": table.name_of(value_cols[0])}
    try:
        result = process_capability(
            data,
            lsl=args.lsl,
            usl=args.usl,
            target=args.target,
            within=args.within,
            confidence=args.confidence,
        )
    except InputError as exc:
        raise _located(exc, groups.first_rows, columns) from None
    d = serialize.capability_to_dict(result)
    return Output(
        d,
        lambda lang: present.capability_text(d, lang),
        lambda lang: present.capability_figure(d, flat.tolist(), lang),
    )


def _pareto(args: argparse.Namespace) -> Output:
    from sqms_analytics.csvio import read_csv
    from sqms_analytics.pareto import pareto_analysis

    table = read_csv(args.input)
    category = table.name_of(args.category)
    cats = table.text(category)
    for i, c in enumerate(cats):
        if c == "":
            raise InputError("missing_value", row=table.row_numbers[i], column=category)
    counts = table.numbers(args.count) if args.count else None
    try:
        result = pareto_analysis(cats, counts, cutoff=args.cutoff)
    except InputError as exc:
        raise _located(
            exc, table.row_numbers, {"count": table.name_of(args.count) if args.count else category}
        ) from None
    d = serialize.pareto_to_dict(result)
    return Output(
        d, lambda lang: present.pareto_text(d, lang), lambda lang: present.pareto_figure(d, lang)
    )


def _numeric_columns(table: Any) -> list[str]:
    from sqms_analytics.csvio import parse_number

    out = []
    for name in table.columns:
        cells = [c for c in table.text(name) if c != ""]
        if cells and all(parse_number(c) is not None for c in cells):
            out.append(name)
    return out


def _alpha(args: argparse.Namespace) -> Output:
    from sqms_analytics.csvio import read_csv
    from sqms_analytics.surveys import cronbach_alpha

    table = read_csv(args.input)
    items = (
        [table.name_of(c) for c in _split(args.items)] if args.items else _numeric_columns(table)
    )
    if len(items) < 2:
        raise InputError("too_few_items", k=len(items))
    data = np.column_stack([table.numbers(c, allow_missing=True) for c in items])
    try:
        result = cronbach_alpha(data, missing=args.missing, confidence=args.confidence)
    except InputError as exc:
        raise _located(exc, table.row_numbers, {}) from None
    d = serialize.alpha_to_dict(result, items)
    return Output(
        d, lambda lang: present.alpha_text(d, lang), lambda lang: present.alpha_figure(d, lang)
    )


def _scores(args: argparse.Namespace) -> tuple[Any, NDArray[np.float64], str]:
    from sqms_analytics.csvio import read_csv

    table = read_csv(args.input)
    column = table.name_of(args.score)
    return table, table.numbers(column, allow_missing=True), column


def _nps(args: argparse.Namespace) -> Output:
    from sqms_analytics.surveys import nps

    table, scores, column = _scores(args)
    try:
        result = nps(scores, confidence=args.confidence)
    except InputError as exc:
        raise _located(exc, table.row_numbers, {"score": column}) from None
    d = serialize.nps_to_dict(result)
    return Output(
        d, lambda lang: present.nps_text(d, lang), lambda lang: present.nps_figure(d, lang)
    )


def _scale_command(args: argparse.Namespace) -> Output:
    from sqms_analytics.surveys import ces, csat

    table, scores, column = _scores(args)
    try:
        low, high = (int(x) for x in args.scale.split("-"))
    except ValueError:
        raise InputError("bad_parameter", name="--scale", value=args.scale) from None
    fn = csat if args.command == "csat" else ces
    try:
        result = fn(scores, scale=(low, high), top=args.top, confidence=args.confidence)
    except InputError as exc:
        raise _located(exc, table.row_numbers, {"score": column}) from None
    d = serialize.scale_to_dict(result, args.command)
    kind = args.command
    return Output(
        d,
        lambda lang: present.scale_text(d, kind, lang),
        lambda lang: present.scale_figure(d, kind, lang),
    )


def _prefixed(table: Any, prefix: str) -> list[str]:
    import re

    pattern = re.compile(rf"^{re.escape(prefix)}\s*(\d+)$", re.IGNORECASE)
    found = [(int(m.group(1)), c) for c in table.columns if (m := pattern.match(c))]
    return [c for _, c in sorted(found)]


def _ranges(text: str, k: int) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, _, spec = part.partition("=")
        cols: list[int] = []
        for piece in _split(spec.replace(" ", ",")):
            a, _, b = piece.partition("-")
            try:
                lo, hi = int(a), int(b or a)
            except ValueError:
                raise InputError("bad_parameter", name="--dimensions", value=part) from None
            cols += list(range(lo - 1, hi))
        out[name.strip()] = cols
    return out


def _servqual(args: argparse.Namespace) -> Output:
    from sqms_analytics.csvio import read_csv
    from sqms_analytics.surveys import servqual

    table = read_csv(args.input)
    e_cols = (
        [table.name_of(c) for c in _split(args.expectations)]
        if args.expectations
        else _prefixed(table, "E")
    )
    p_cols = (
        [table.name_of(c) for c in _split(args.perceptions)]
        if args.perceptions
        else _prefixed(table, "P")
    )
    if not e_cols:
        raise InputError("needs_option", option="--expectations")
    if not p_cols:
        raise InputError("needs_option", option="--perceptions")
    if len(e_cols) != len(p_cols):
        raise InputError(
            "length_mismatch",
            first="--expectations",
            second="--perceptions",
            n_first=len(e_cols),
            n_second=len(p_cols),
        )
    e = np.column_stack([table.numbers(c, allow_missing=True) for c in e_cols])
    p = np.column_stack([table.numbers(c, allow_missing=True) for c in p_cols])
    dims = _ranges(args.dimensions, len(e_cols)) if args.dimensions else None
    weights = None
    if args.weights:
        given: dict[str, float] = {}
        for part in _split(args.weights):
            name, _, value = part.partition("=")
            try:
                given[name.strip()] = float(value)
            except ValueError:
                raise InputError("bad_weights") from None
        from sqms_analytics.surveys import SERVQUAL_DIMENSIONS

        names = list(dims) if dims else list(SERVQUAL_DIMENSIONS)
        if set(given) != set(names):
            raise InputError("bad_weights")
        weights = [given[n] for n in names]
    result = servqual(e, p, dimensions=dims, importance=weights)
    d = serialize.servqual_to_dict(
        result, [f"{a}/{b}" for a, b in zip(e_cols, p_cols, strict=True)]
    )
    return Output(
        d,
        lambda lang: present.servqual_text(d, lang),
        lambda lang: present.servqual_figure(d, lang),
    )


def _compare(args: argparse.Namespace) -> Output:
    from sqms_analytics.csvio import read_csv
    from sqms_analytics.effectiveness import compare_means, compare_proportions

    table = read_csv(args.input)
    period_col = table.name_of(args.period)
    periods = table.text(period_col)
    seen = list(dict.fromkeys(p for p in periods if p != ""))
    before = args.before or (seen[0] if seen else None)
    after = args.after or (next((p for p in seen if p != before), None))
    if (
        before not in seen
        or after not in seen
        or before == after
        or (not (args.before and args.after) and len(seen) != 2)
    ):
        raise InputError("two_periods", column=period_col, found=", ".join(seen))
    values = table.numbers(args.value)
    value_col = table.name_of(args.value)
    idx_b = [i for i, p in enumerate(periods) if p == before]
    idx_a = [i for i, p in enumerate(periods) if p == after]
    higher = args.better == "higher"
    if args.size:
        sizes = table.numbers(args.size)
        size_col = table.name_of(args.size)
        try:
            result = compare_proportions(
                values[idx_b],
                sizes[idx_b],
                values[idx_a],
                sizes[idx_a],
                higher_is_better=higher,
                alpha=args.alpha,
                rules=args.rules,
            )
        except InputError as exc:
            rows = [
                table.row_numbers[i]
                for i in (idx_a if exc.field and exc.field.startswith("after") else idx_b)
            ]
            field_col = size_col if exc.field and exc.field.endswith("sizes") else value_col
            if exc.field:
                exc.column = field_col
            raise _located(exc, rows, {}) from None
    else:
        try:
            result = compare_means(
                values[idx_b],
                values[idx_a],
                higher_is_better=higher,
                alpha=args.alpha,
                rules=args.rules,
            )
        except InputError as exc:
            rows = [table.row_numbers[i] for i in (idx_a if exc.field == "after" else idx_b)]
            raise _located(exc, rows, {"before": value_col, "after": value_col}) from None
    d = serialize.comparison_to_dict(result)
    d["labels"] = {"before": before, "after": after}
    return Output(
        d,
        lambda lang: present.comparison_text(d, lang),
        lambda lang: present.comparison_figure(d, lang),
    )


def _burn_rate(args: argparse.Namespace) -> Output:
    from sqms_analytics.slo import burn_rate_policy, evaluate_burn_rate, parse_duration

    period = parse_duration(args.period)
    if not 0 < args.objective < 1:
        raise InputError("bad_objective", value=str(args.objective))
    policy = burn_rate_policy(period)
    report = None
    if args.input:
        from sqms_analytics.csvio import read_csv

        table = read_csv(args.input)
        if not args.total:
            raise InputError("needs_option", option="--total")
        total = table.numbers(args.total)
        if args.good:
            good = table.numbers(args.good)
            good_col = table.name_of(args.good)
        elif args.bad:
            good = total - table.numbers(args.bad)
            good_col = table.name_of(args.bad)
        else:
            raise InputError("needs_option", option="--good / --bad")
        try:
            report = evaluate_burn_rate(
                good, total, objective=args.objective, bucket=args.bucket, period=period
            )
        except InputError as exc:
            raise _located(
                exc, table.row_numbers, {"good": good_col, "total": table.name_of(args.total)}
            ) from None
    d = serialize.burn_rate_to_dict(args.objective, args.period, policy, report)
    return Output(
        d,
        lambda lang: present.burn_rate_text(d, lang),
        lambda lang: present.burn_rate_figure(d, lang),
    )


_COMMANDS: dict[str, Callable[[argparse.Namespace], Output]] = {
    "chart": _chart,
    "capability": _capability,
    "pareto": _pareto,
    "alpha": _alpha,
    "nps": _nps,
    "csat": _scale_command,
    "ces": _scale_command,
    "servqual": _servqual,
    "compare": _compare,
    "burn-rate": _burn_rate,
}


def _finite(obj: Any) -> Any:
    """NaN or infinity becomes null: a number that is not a result is never shown as one."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def _render(out: Output, fmt: str, lang: str) -> bytes:
    if fmt == "json":
        data = _finite(out.data)
        return (json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()
    if fmt == "table":
        return (out.text(lang) + "\n").encode()
    if out.figure is None:
        raise InputError("bad_parameter", name="--format", value=fmt)
    from sqms_analytics import figures

    if fmt == "html":
        return figures.to_html(out.figure(lang), out.text(lang), lang).encode()
    # Without a font that has Hangul, Korean labels would print as boxes.
    png_lang = lang if lang == "en" or figures.hangul_font() else "en"
    return figures.to_png(out.figure(png_lang))


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except _UsageError as exc:
        sys.stderr.write(exc.usage + str(exc) + "\n")
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    lang = resolve_language(args.lang)
    try:
        if args.format == "png" and not args.output:
            raise InputError("png_needs_output")
        payload = _render(_COMMANDS[args.command](args), args.format, lang)
    except InputError as exc:
        sys.stderr.write(f"{error_message(exc, lang)}\n")
        return 2
    if args.output:
        try:
            Path(args.output).write_bytes(payload)
        except OSError as exc:
            err = InputError("output_unwritable", reason=exc.strerror or str(exc))
            sys.stderr.write(f"{error_message(err, lang)}\n")
            return 2
    else:
        sys.stdout.flush()
        if hasattr(sys.stdout, "buffer"):
            sys.stdout.buffer.write(payload)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(payload.decode())
    return 0


__all__ = ["build_parser", "main"]
