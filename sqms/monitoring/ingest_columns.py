"""Validating a block of CSV rows column by column.

`RowValidator.clean` checks one row in about 75 µs of Python; a million-row export spent most
of its import there. Here a block's columns are checked at once (code lookups through dicts,
timestamps through NumPy, see `timeparse`), and every row the fast checks do not plainly accept
is handed to `RowValidator.clean` itself. So a good row gives the same values either way, and a
bad row gets exactly the messages it always got.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from itertools import repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sqms.monitoring.ingest import _FALSE, _TRUE, CleanRow, RawRow, RowValidator
from sqms.monitoring.timeparse import MISSING, parse_plain

Problem = tuple[int, str, str]  # row, column, reason
_FLAGS = {**dict.fromkeys(_TRUE, 1), **dict.fromkeys(_FALSE, 0), "": -1}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


@dataclass
class RecordColumns:
    """Validated records, one array or list per field. Absent values: 0 for an id, MISSING for
    a time, NaN for a number, -1 for a yes/no."""

    row: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    external_id: list[str] = field(default_factory=list)
    service_id: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    site_id: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    team_id: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    channel: list[str] = field(default_factory=list)
    agent_id: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    received_us: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    first_response_us: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    resolved_us: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    handle_seconds: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    resolved_first_contact: NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8))
    category: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.external_id)

    def take(self, index: NDArray[np.intp] | NDArray[np.bool_]) -> RecordColumns:
        """The records at `index` (positions or a mask), in that order."""
        positions = np.flatnonzero(index) if index.dtype == np.bool_ else index
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                out[f.name] = [value[i] for i in positions]
            else:
                out[f.name] = value[positions]
        return RecordColumns(**out)

    @classmethod
    def concat(cls, parts: Sequence[RecordColumns]) -> RecordColumns:
        parts = [p for p in parts if len(p)]
        if len(parts) == 1:
            return parts[0]
        out: dict[str, Any] = {}
        for f in fields(cls):
            values = [getattr(p, f.name) for p in parts]
            if not values:
                continue
            if isinstance(values[0], list):
                out[f.name] = [v for part in values for v in part]
            else:
                out[f.name] = np.concatenate(values)
        return cls(**out)

    @classmethod
    def from_rows(cls, rows: Sequence[CleanRow], numbers: Sequence[int] = ()) -> RecordColumns:
        """Columns of rows validated one by one (by `RowValidator.clean` or built in code)."""
        if not rows:
            return cls()

        def micros(values: Sequence[dt.datetime | None]) -> NDArray[np.int64]:
            return np.array(
                [MISSING if v is None else (v - _EPOCH) // _MICROSECOND for v in values],
                dtype=np.int64,
            )

        return cls(
            row=np.array(numbers or range(len(rows)), dtype=np.int64),
            external_id=[r.external_id for r in rows],
            service_id=np.array([r.service_id for r in rows], dtype=np.int64),
            site_id=np.array([r.site_id for r in rows], dtype=np.int64),
            team_id=np.array([r.team_id or 0 for r in rows], dtype=np.int64),
            channel=[r.channel for r in rows],
            agent_id=np.array([r.agent_id or 0 for r in rows], dtype=np.int64),
            received_us=micros([r.received_at for r in rows]),
            first_response_us=micros([r.first_response_at for r in rows]),
            resolved_us=micros([r.resolved_at for r in rows]),
            handle_seconds=np.array(
                [np.nan if r.handle_seconds is None else r.handle_seconds for r in rows],
                dtype=np.float64,
            ),
            resolved_first_contact=np.array(
                [
                    -1 if r.resolved_first_contact is None else int(r.resolved_first_contact)
                    for r in rows
                ],
                dtype=np.int8,
            ),
            category=[r.category for r in rows],
            extra=[r.extra for r in rows],
        )


def _plain_numbers(values: list[str]) -> NDArray[np.bool_]:
    """Digits with at most one decimal point: text NumPy and `float` read alike."""
    n = len(values)
    text = np.array(values, dtype=np.str_)
    width = text.dtype.itemsize // 4
    if n == 0 or width == 0:
        return np.zeros(n, dtype=np.bool_)
    codes = text.view(np.uint32).reshape(n, width)
    length = np.count_nonzero(codes, axis=1)
    digits = np.count_nonzero((codes - ord("0")) <= 9, axis=1)
    dots = np.count_nonzero(codes == ord("."), axis=1)
    result: NDArray[np.bool_] = (digits >= 1) & (dots <= 1) & (digits + dots == length)
    return result


def _json_safe(values: Sequence[str]) -> bool:
    """No character json.dumps would escape: the text can go between quotes as it is."""
    joined = "".join(values)
    return joined.isprintable() and '"' not in joined and "\\" not in joined


class ColumnValidator:
    """Checks blocks of rows; CSV cells (text) take the column path, anything else the row
    path."""

    def __init__(self, rows: RowValidator, *, text_cells: bool) -> None:
        self.rows = rows
        self.text_cells = text_cells
        lookups = rows.lookups
        # "" (no team, no agent) maps to 0, so a blank cell needs no test of its own
        self.team_ids = {code: t[0] for code, t in lookups.teams.items()} | {"": 0}
        self.team_sites = {code: t[1] for code, t in lookups.teams.items()} | {"": 0}
        self.agent_ids = dict(lookups.agents) | {"": 0}
        self.channels = {"", *rows.channels}
        self.width = 1 + max([*rows.index.values(), *rows.extra.values()], default=0)

    def clean_block(self, raws: Sequence[RawRow]) -> tuple[RecordColumns, list[Problem]]:
        problems: list[Problem] = []
        fast: list[RawRow] = []
        slow: list[RawRow] = []
        cells = [r.cells for r in raws]
        whole = None not in cells and min(map(len, cells), default=0) >= self.width  # type: ignore[arg-type]
        if self.text_cells and whole:
            fast = list(raws)  # the usual block: every row is whole
        else:
            for raw in raws:
                if raw.cells is None:
                    problems.append((raw.number, "", raw.problem))
                elif self.text_cells and len(raw.cells) >= self.width:
                    fast.append(raw)
                else:
                    slow.append(raw)
        parts = []
        if fast:
            columns, rejected = self._fast(fast)
            parts.append(columns)
            slow.extend(rejected)
        if slow:
            slow.sort(key=lambda r: r.number)
            good: list[CleanRow] = []
            numbers: list[int] = []
            for raw in slow:
                assert raw.cells is not None
                clean, errors = self.rows.clean(raw.cells)
                if clean is None or errors:
                    problems.extend((raw.number, column, reason) for column, reason in errors)
                else:
                    good.append(clean)
                    numbers.append(raw.number)
            parts.append(RecordColumns.from_rows(good, numbers))
        result = RecordColumns.concat(parts)
        if len(parts) > 1 and len(result):
            result = result.take(np.argsort(result.row, kind="stable"))
        problems.sort(key=lambda p: p[0])  # the report lists rows in file order
        return result, problems

    def _fast(self, raws: list[RawRow]) -> tuple[RecordColumns, list[RawRow]]:
        v = self.rows
        n = len(raws)
        cells = [r.cells for r in raws]
        # columns as tuples, in C; rows on this path are at least `width` cells long
        transposed: list[tuple[str, ...]] = list(zip(*cells, strict=False))

        def column(target: str) -> list[str]:
            i = v.index.get(target)
            return [""] * n if i is None else list(map(str.strip, transposed[i]))

        def lookup(table: dict[str, int], values: list[str], missing: int) -> NDArray[np.int64]:
            return np.fromiter(map(table.get, values, repeat(missing)), dtype=np.int64, count=n)

        def flags(test: Any, values: Iterable[Any]) -> NDArray[np.bool_]:
            return np.fromiter(map(test, values), dtype=np.bool_, count=n)

        ok = np.ones(n, dtype=np.bool_)
        for i in {*v.index.values(), *v.extra.values()}:
            if "\x00" in "".join(transposed[i]):
                ok &= flags(lambda c: "\x00" not in c, transposed[i])

        external_id = column("external_id")
        lengths = np.fromiter(map(len, external_id), dtype=np.int64, count=n)
        ok &= (lengths > 0) & (lengths <= 100)
        service_id = lookup(v.lookups.services, column("service"), -1)
        site_id = lookup(v.lookups.sites, column("site"), -1)
        ok &= (service_id > 0) & (site_id > 0)
        teams = column("team")
        team_id = lookup(self.team_ids, teams, -1)
        team_site = lookup(self.team_sites, teams, 0)
        ok &= (team_id == 0) | ((team_id > 0) & (team_site == site_id))
        agent_id = lookup(self.agent_ids, column("agent"), -1)
        ok &= agent_id >= 0
        channel = list(map(str.lower, column("channel")))
        ok &= flags(self.channels.__contains__, channel)

        received, plain = parse_plain(column("received_at"), v.tz)
        ok &= plain
        moments = []
        for target in ("first_response_at", "resolved_at"):
            text = column(target)
            at, plain = parse_plain(text, v.tz)
            ok &= plain | flags(operator.not_, text)
            ok &= (at == MISSING) | (at >= received)
            moments.append(at)

        handle_text = column("handle_seconds")
        handle_plain = _plain_numbers(handle_text)
        ok &= handle_plain | flags(operator.not_, handle_text)
        handle = np.full(n, np.nan)
        if handle_plain.any():
            picked = np.array(handle_text, dtype=np.str_)[handle_plain]
            handle[handle_plain] = picked.astype(np.float64)

        flag_text = map(str.casefold, column("resolved_first_contact"))
        flag = np.fromiter(map(_FLAGS.get, flag_text, repeat(2)), dtype=np.int8, count=n)
        ok &= flag != 2
        category = column("category")
        ok &= np.fromiter(map(len, category), dtype=np.int64, count=n) <= 100

        extra, extra_ok = self._extra(transposed, n)
        ok &= extra_ok

        columns = RecordColumns(
            row=np.fromiter(map(operator.itemgetter(0), raws), dtype=np.int64, count=n),
            external_id=external_id,
            service_id=service_id,
            site_id=site_id,
            team_id=team_id,
            channel=channel,
            agent_id=agent_id,
            received_us=received,
            first_response_us=moments[0],
            resolved_us=moments[1],
            handle_seconds=handle,
            resolved_first_contact=flag,
            category=category,
            extra=extra,
        )
        if ok.all():
            return columns, []
        rejected = [raws[i] for i in np.flatnonzero(~ok)]
        return columns.take(ok), rejected

    def _extra(
        self, transposed: list[tuple[str, ...]], n: int
    ) -> tuple[list[str], NDArray[np.bool_]]:
        """The `extra` JSON of each row as `RowValidator.clean` writes it (sorted keys, non-empty
        values); rows needing escapes or a JSON column go the row path."""
        spec = self.rows.extra
        ok = np.ones(n, dtype=np.bool_)
        if not spec:
            return ["{}"] * n, ok
        if "*" in spec:  # an `extra` column in a CSV is text, never an object
            ok &= np.fromiter(map(operator.not_, transposed[spec["*"]]), dtype=np.bool_, count=n)
        names = sorted(k for k in spec if k != "*")
        if not names:
            return ["{}"] * n, ok
        # a cell counts when it is not empty; its value is then the stripped text
        raw = [transposed[spec[name]] for name in names]
        for column in raw:
            if not _json_safe(column):
                ok &= np.array([_json_safe([v]) for v in column], dtype=np.bool_)
        keys = [json.dumps(name, ensure_ascii=False).replace("%", "%%") for name in names]
        template = "{" + ", ".join(f'{key}: "%s"' for key in keys) + "}"
        stripped = [list(map(str.strip, column)) for column in raw]
        k = len(names)
        out = [
            template % row[k:]
            if all(row[:k])
            else json.dumps(
                {name: x.strip() for name, x in zip(names, row[:k], strict=True) if x},
                sort_keys=True,
                ensure_ascii=False,
            )
            for row in zip(*raw, *stripped, strict=True)
        ]
        return out, ok
