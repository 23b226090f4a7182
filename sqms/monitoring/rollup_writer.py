"""Replacing rollup cells: delete the touched cells and insert the new ones in one transaction.

Cells that became empty simply are not inserted again. Inserts go through one `executemany`
(SQLite) or COPY (PostgreSQL) rather than model instances, since a year of hourly cells of a
segmented standard is a few hundred thousand rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from numpy.typing import NDArray

from sqms.monitoring.models import Rollup
from sqms.standards.models import ServiceStandard

if TYPE_CHECKING:
    from sqms.monitoring.evaluation import Cells

TABLE = Rollup._meta.db_table
COLUMNS = (
    "standard_id",
    "version_id",
    "grain",
    "period_start",
    "segment",
    "site_id",
    "team_id",
    "channel",
    "agent_id",
    "n",
    "n_meeting",
    "total",
    "total_sq",
    "sketch",
    "value",
    "updated_at",
)


def _where(
    standard: ServiceStandard,
    grain: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> tuple[str, list[Any]]:
    ops = connection.ops
    where, params = ["standard_id = %s", "grain = %s"], [standard.pk, grain]
    if start is not None:
        where.append("period_start >= %s")
        params.append(ops.adapt_datetimefield_value(start))
    if end is not None:
        where.append("period_start < %s")
        params.append(ops.adapt_datetimefield_value(end))
    return " AND ".join(where), params


def rollups_replace(
    *,
    standard: ServiceStandard,
    grain: str,
    cells: Cells,
    periods: Sequence[float] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> tuple[int, int, set[str]]:
    """Replace the standard's cells of one grain: those in `periods` (epoch seconds of grain
    period starts), else those in [start, end). Returns (written, removed, segments whose
    cells were written or removed)."""
    now = timezone.now()
    with transaction.atomic():
        if periods is not None:
            removed, segments = _delete_periods(standard, grain, periods)
        else:
            removed, segments = rollups_delete(standard=standard, grain=grain, start=start, end=end)
        written, more = rollups_insert(standard=standard, cells=cells, now=now)
    return written, removed, segments | more


def _delete_periods(
    standard: ServiceStandard, grain: str, periods: Sequence[float]
) -> tuple[int, set[str]]:
    """Remove the cells of the given grain periods in one statement (the periods travel as
    one array or JSON parameter); returns (removed, their segments)."""
    from sqms.monitoring.evaluation import from_epoch

    if not len(periods):
        return 0, set()
    ops = connection.ops
    moments = [ops.adapt_datetimefield_value(from_epoch(p)) for p in sorted(set(periods))]
    base, params = _where(standard, grain, None, None)
    if connection.vendor == "postgresql":
        where = f"{base} AND period_start = ANY(%s::timestamptz[])"
        params.append(moments)
    else:
        where = f"{base} AND period_start IN (SELECT value FROM json_each(%s))"  # noqa: S608
        params.append(json.dumps(moments))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE {where} RETURNING segment", params)  # noqa: S608
        found = [s for (s,) in cursor.fetchall()]
    return len(found), set(found)


def rollups_delete(
    *, standard: ServiceStandard, grain: str, start: dt.datetime | None, end: dt.datetime | None
) -> tuple[int, set[str]]:
    """Remove the standard's cells of one grain in [start, end); returns (removed, their
    segments)."""
    where, params = _where(standard, grain, start, end)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE {where} RETURNING segment", params)  # noqa: S608
        found = [s for (s,) in cursor.fetchall()]
    return len(found), set(found)


def rollups_insert(
    *, standard: ServiceStandard, cells: Cells, now: dt.datetime | None = None
) -> tuple[int, set[str]]:
    """Insert cells known not to exist; returns (written, their segments)."""
    if not len(cells):
        return 0, set()
    now = now or timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, standard, cells, now)
        else:
            cols = ", ".join(COLUMNS)
            marks = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(
                f"INSERT INTO {TABLE} ({cols}) VALUES ({marks})",  # noqa: S608
                _rows(standard, cells, now),
            )
    return len(cells), cells.segment_keys()


def _per_cell(values: list[Any], index: NDArray[np.int64]) -> list[Any]:
    """`values[i]` for each i of `index`, without a Python loop."""
    table = np.empty(len(values), dtype=object)
    table[:] = values
    out: list[Any] = table[index].tolist()
    return out


def _periods(cells: Cells, format_one: Any) -> list[Any]:
    """Each cell's period start, formatted once per distinct period."""
    from sqms.monitoring.evaluation import from_epoch

    uniq, inverse = np.unique(cells.period, return_inverse=True)
    return _per_cell([format_one(from_epoch(p)) for p in uniq.tolist()], inverse.reshape(-1))


def _values(cells: Cells) -> list[float | None]:
    """The cells' values, None where not finite (an empty or undefined aggregate)."""
    values = cells.value.astype(object)
    values[~np.isfinite(cells.value)] = None
    out: list[float | None] = values.tolist()
    return out


def _rows(standard: ServiceStandard, cells: Cells, now: dt.datetime) -> list[tuple[Any, ...]]:
    """Parameter rows for `executemany`, in COLUMNS order, built column-wise."""
    ops = connection.ops
    segs = cells.segments
    count = len(cells)
    return list(
        zip(
            repeat(standard.pk, count),
            cells.version.tolist(),
            repeat(cells.grain, count),
            _periods(cells, ops.adapt_datetimefield_value),
            _per_cell([s[0] for s in segs], cells.segment_of),
            _per_cell([s[1] for s in segs], cells.segment_of),
            _per_cell([s[2] for s in segs], cells.segment_of),
            _per_cell([s[3] for s in segs], cells.segment_of),
            _per_cell([s[4] for s in segs], cells.segment_of),
            cells.n.tolist(),
            cells.n_meeting.tolist(),
            cells.total.tolist(),
            cells.total_sq.tolist(),
            cells.sketch or repeat("{}", count),
            _values(cells),
            repeat(ops.adapt_datetimefield_value(now), count),
            strict=False,
        )
    )


def _copy_text(value: Any) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    text = str(value)
    for char, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        text = text.replace(char, escaped)
    return text


def _float_text(values: NDArray[np.float64]) -> list[str]:
    # repr is the shortest text that reads back to the same float
    return [repr(v) for v in values.tolist()]


def _copy(cursor: Any, standard: ServiceStandard, cells: Cells, now: dt.datetime) -> None:
    """COPY the cells as text lines, formatted column-wise: the constant and per-segment
    columns are formatted once, the numbers with one list comprehension each."""
    head = "\t".join(_copy_text(v) for v in (standard.pk, cells.grain, now.isoformat()))
    segment_text = ["\t".join(_copy_text(v) for v in seg) for seg in cells.segments]
    values = ["\\N" if v is None else repr(v) for v in _values(cells)]
    lines = zip(
        repeat(head, len(cells)),
        map(str, cells.version.tolist()),
        _periods(cells, dt.datetime.isoformat),
        _per_cell(segment_text, cells.segment_of),
        map(str, cells.n.tolist()),
        map(str, cells.n_meeting.tolist()),
        _float_text(cells.total),
        _float_text(cells.total_sq),
        cells.sketch or repeat("{}", len(cells)),
        values,
        strict=False,
    )
    columns = ("standard_id", "grain", "updated_at", "version_id", "period_start", "segment",
               "site_id", "team_id", "channel", "agent_id", "n", "n_meeting", "total",
               "total_sq", "sketch", "value")  # fmt: skip
    raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
    with raw.copy(f"COPY {TABLE} ({', '.join(columns)}) FROM STDIN") as copy:
        block: list[str] = []
        for parts in lines:
            block.append("\t".join(parts))
            if len(block) >= 20_000:
                copy.write("\n".join(block) + "\n")
                block = []
        if block:
            copy.write("\n".join(block) + "\n")
