"""Replacing rollup cells: delete the touched cells and insert the new ones in one transaction.

Cells that became empty simply are not inserted again. Inserts go through one `executemany`
(SQLite) or COPY (PostgreSQL) rather than model instances, since a year of hourly cells of a
segmented standard is a few hundred thousand rows.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

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
BATCH = 500


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
    from sqms.monitoring.evaluation import from_epoch

    ops = connection.ops
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        segments: set[str] = set()
        removed = 0
        if periods is not None:
            moments = [ops.adapt_datetimefield_value(from_epoch(p)) for p in sorted(periods)]
            for i in range(0, len(moments), BATCH):
                part = moments[i : i + BATCH]
                marks = ", ".join(["%s"] * len(part))
                base, params = _where(standard, grain, None, None)
                where = f"{base} AND period_start IN ({marks})"
                cursor.execute(
                    f"SELECT DISTINCT segment FROM {TABLE} WHERE {where}",  # noqa: S608
                    [*params, *part],
                )
                segments.update(s for (s,) in cursor.fetchall())
                cursor.execute(f"DELETE FROM {TABLE} WHERE {where}", [*params, *part])  # noqa: S608
                removed += max(cursor.rowcount, 0)
        else:
            removed, segments = rollups_delete(standard=standard, grain=grain, start=start, end=end)
        written, more = rollups_insert(standard=standard, cells=cells, now=now)
    return written, removed, segments | more


def rollups_delete(
    *, standard: ServiceStandard, grain: str, start: dt.datetime | None, end: dt.datetime | None
) -> tuple[int, set[str]]:
    """Remove the standard's cells of one grain in [start, end); returns (removed, their
    segments)."""
    where, params = _where(standard, grain, start, end)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT segment FROM {TABLE} WHERE {where}", params)  # noqa: S608
        segments = {s for (s,) in cursor.fetchall()}
        cursor.execute(f"DELETE FROM {TABLE} WHERE {where}", params)  # noqa: S608
        return max(cursor.rowcount, 0), segments


def rollups_insert(
    *, standard: ServiceStandard, cells: Cells, now: dt.datetime | None = None
) -> tuple[int, set[str]]:
    """Insert cells known not to exist; returns (written, their segments)."""
    rows = _rows(standard, cells, now or timezone.now())
    if rows:
        with connection.cursor() as cursor:
            _insert(cursor, rows)
    return len(rows), set(cells.segment)


def _rows(standard: ServiceStandard, cells: Cells, now: dt.datetime) -> list[tuple[Any, ...]]:
    from sqms.monitoring.evaluation import from_epoch

    ops = connection.ops
    pg = connection.vendor == "postgresql"
    stamp = now if pg else ops.adapt_datetimefield_value(now)
    sketches = cells.sketch or [{}] * len(cells)
    period_cache: dict[float, Any] = {}
    out = []
    periods = cells.period.tolist()
    versions = cells.version.tolist()
    n, nm = cells.n.tolist(), cells.n_meeting.tolist()
    total, total_sq, value = cells.total.tolist(), cells.total_sq.tolist(), cells.value.tolist()
    for i in range(len(cells)):
        p = periods[i]
        at = period_cache.get(p)
        if at is None:
            at = from_epoch(p)
            at = period_cache[p] = at if pg else ops.adapt_datetimefield_value(at)
        v = value[i]
        out.append(
            (
                standard.pk,
                versions[i],
                cells.grain,
                at,
                cells.segment[i],
                cells.site[i],
                cells.team[i],
                cells.channel[i],
                cells.agent[i],
                n[i],
                nm[i],
                total[i],
                total_sq[i],
                json.dumps(sketches[i], separators=(",", ":")),
                None if v is None or math.isnan(v) or math.isinf(v) else v,
                stamp,
            )
        )
    return out


def _insert(cursor: Any, rows: list[tuple[Any, ...]]) -> None:
    cols = ", ".join(COLUMNS)
    if connection.vendor == "postgresql":
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY {TABLE} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(COLUMNS))
    cursor.executemany(f"INSERT INTO {TABLE} ({cols}) VALUES ({marks})", rows)  # noqa: S608
