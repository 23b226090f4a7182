"""Upserting validated records by (source, external id), set-based.

A block of new ids only (the usual case) goes straight into the table, and in the same
transaction leaves a pending merge per standard (`merges`) naming its ids. Any other block goes
into a temporary table first (PostgreSQL: COPY of text built column by column;
SQLite: one executemany), then three statements do the work: count the records that exist and
those whose content differs, list the (service, hour) the differing ones leave, and insert or
update in one `INSERT … SELECT … ON CONFLICT`. Content is compared column by column in SQL, so
re-importing the same file updates nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sqms.monitoring.ingest_columns import RecordColumns
from sqms.monitoring.merges import id_ranges, pending_add
from sqms.monitoring.models import ServiceRecord
from sqms.monitoring.timeparse import MISSING

TABLE = ServiceRecord._meta.db_table
CHUNK_TABLE = "monitoring_import_chunk"
KEY = ("source_id", "external_id")
CONTENT = (
    "service_id",
    "site_id",
    "team_id",
    "channel",
    "agent_id",
    "received_at",
    "first_response_at",
    "resolved_at",
    "handle_seconds",
    "resolved_first_contact",
    "category",
    "extra",
)
COLUMNS = (*KEY, *CONTENT, "created_at", "updated_at")
# A load of at least this many new rows into a record table holding fewer rows than it brings
# builds the table's secondary indexes afresh (`staging` on PostgreSQL, `bulk_load` on SQLite).
REBUILD_MIN_ROWS = 100_000
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass(frozen=True)
class Upserted:
    created: int
    updated: int
    unchanged: int
    moved_from: list[tuple[int, int]]  # (service, epoch hour) that changed records left
    # all new: evaluation merges them into the stored cells (pending merges were written)
    merged: bool = False
    # (service, epoch hour) the written rows fall in, for a caller that does not hold them
    hours: list[tuple[int, int]] | None = None


def upsert_columns(*, source_id: int, records: RecordColumns, first_load: bool = False) -> Upserted:
    """`first_load`: the source held no records when the caller's import began and the caller
    never passes an external id twice, so the look-up of existing ids is skipped (1.4 s of a
    million-row SQLite import); a record another import wrote meanwhile makes the insert fail,
    and the merge below takes over."""
    if not len(records):
        return Upserted(0, 0, 0, [])
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if not postgres:
            # Records arrive in no particular order of time or id, so every index takes them
            # at random places: a page cache that holds the indexes' working set (64 MB, only
            # taken as used) spares re-reading pages for each row.
            cursor.execute("PRAGMA cache_size = -65536")
        if postgres:
            # A block lost to a crash before its WAL reaches the disk is lost whole, never in
            # part, and the run then shows unfinished: its commit need not wait for the flush.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        if first_load or not _any_exists(cursor, source_id, records.external_id, postgres):
            # new records only, the usual case: straight into the table
            try:
                with transaction.atomic():
                    ranges = _load_new(cursor, source_id, records, postgres)
                    pending_add(service_ids=np.unique(records.service_id).tolist(), ranges=ranges)
                return Upserted(len(records), 0, 0, [], merged=True)
            # another import wrote one of these ids meanwhile (COPY raises the driver's error)
            except (IntegrityError, connection.Database.IntegrityError):  # type: ignore[attr-defined]
                pass
        if postgres:
            cursor.execute(
                f"CREATE TEMP TABLE {CHUNK_TABLE} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WITH NO DATA"
            )
        else:
            cursor.execute(
                f"CREATE TEMP TABLE {CHUNK_TABLE} AS "  # noqa: S608
                f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE 0"
            )
        _load(cursor, CHUNK_TABLE, source_id, records, postgres)
        if postgres:
            cursor.execute(f"ANALYZE {CHUNK_TABLE}")  # lets the join below use the key index
        try:
            return chunk_merge(cursor, postgres, len(records))
        finally:
            cursor.execute(f"DROP TABLE {CHUNK_TABLE}")


def outgrows_table(cursor: Any, rows: int) -> bool:
    """Whether a load of `rows` new records is large enough (`SQMS_IMPORT_REBUILD_MIN_ROWS`)
    and brings more rows than the record table holds."""
    if rows < int(getattr(settings, "SQMS_IMPORT_REBUILD_MIN_ROWS", REBUILD_MIN_ROWS)):
        return False
    # how many rows the table holds, counting no further than the load's size
    cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} LIMIT %s) t", [rows])  # noqa: S608
    return int(cursor.fetchone()[0]) < rows


def _any_exists(cursor: Any, source_id: int, ids: list[str], postgres: bool) -> bool:
    if postgres:
        # one JSON text rather than a text[] parameter: the driver quotes an array's elements
        # one by one in Python, about a second per million ids
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {TABLE} r "  # noqa: S608
            "JOIN jsonb_array_elements_text(%s::jsonb) AS x(id) ON r.external_id = x.id "
            "WHERE r.source_id = %s)",
            [json.dumps(ids), source_id],
        )
        return bool(cursor.fetchone()[0])
    step = 5_000
    for start in range(0, len(ids), step):
        part = ids[start : start + step]
        marks = ", ".join(["%s"] * len(part))
        cursor.execute(
            f"SELECT 1 FROM {TABLE} WHERE source_id = %s "  # noqa: S608
            f"AND external_id IN ({marks}) LIMIT 1",
            [source_id, *part],
        )
        if cursor.fetchone() is not None:
            return True
    return False


def _load_new(
    cursor: Any, source_id: int, records: RecordColumns, postgres: bool
) -> list[tuple[int, int]]:
    """Insert records known to be new; returns their id ranges. PostgreSQL: ids drawn from
    the table's sequence beforehand travel in the COPY (other sessions may draw in between,
    so a block can take several ranges). SQLite: the write lock is held from the first row to
    the commit, and each new rowid is one more than the largest, so the block's ids are the
    last len(records) ones."""
    if postgres:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [TABLE, len(records)],
        )
        ids = np.array([i for (i,) in cursor.fetchall()], dtype=np.int64)
        copy_records(cursor, TABLE, source_id, records, ids=ids)
        return id_ranges(ids)
    _load(cursor, TABLE, source_id, records, postgres)
    cursor.execute(f"SELECT max(id) FROM {TABLE}")  # noqa: S608
    last = int(cursor.fetchone()[0])
    return [(last - len(records) + 1, last)]


def _load(cursor: Any, table: str, source_id: int, records: RecordColumns, postgres: bool) -> None:
    if postgres:
        copy_records(cursor, table, source_id, records)
    else:
        insert_rows(cursor, table, source_id, records)


def insert_rows(cursor: Any, table: str, source_id: int, records: RecordColumns) -> None:
    """SQLite: the records into `table` (laid out as COLUMNS) by one executemany."""
    marks = ", ".join(["%s"] * len(COLUMNS))
    cursor.executemany(
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
        _sqlite_rows(source_id, records),
    )


def _differs(left: str, right: str, postgres: bool) -> str:
    a = ", ".join(f"{left}.{c}" for c in CONTENT)
    b = ", ".join(f"{right}.{c}" for c in CONTENT)
    return f"({a}) IS DISTINCT FROM ({b})" if postgres else f"({a}) IS NOT ({b})"


def chunk_merge(cursor: Any, postgres: bool, total: int, table: str = CHUNK_TABLE) -> Upserted:
    """Upsert the rows of `table` by (source, external id); content compared in SQL."""
    join = (
        f"FROM {table} c JOIN {TABLE} r "
        "ON r.source_id = c.source_id AND r.external_id = c.external_id"
    )
    differs = _differs("r", "c", postgres)
    cursor.execute(
        f"SELECT count(*), coalesce(sum(CASE WHEN {differs} THEN 1 ELSE 0 END), 0) {join}"
    )
    existing, changed = (int(v) for v in cursor.fetchone())
    moved: list[tuple[int, int]] = []
    if changed:
        hour = (
            "floor(extract(epoch FROM r.received_at) / 3600)::bigint"
            if postgres
            else "CAST(strftime('%s', r.received_at) AS INTEGER) / 3600"
        )
        cursor.execute(f"SELECT DISTINCT r.service_id, {hour} {join} WHERE {differs}")
        moved = [(int(s), int(h)) for s, h in cursor.fetchall()]
    cols = ", ".join(COLUMNS)
    sets = ", ".join(f"{c} = excluded.{c}" for c in (*CONTENT, "updated_at"))
    where = _differs(TABLE, "excluded", postgres)
    # "WHERE true" settles SQLite's parsing ambiguity between a join and the upsert clause
    cursor.execute(
        f"INSERT INTO {TABLE} ({cols}) SELECT {cols} FROM {table} WHERE true "  # noqa: S608
        f"ON CONFLICT (source_id, external_id) DO UPDATE SET {sets} WHERE {where}"
    )
    return Upserted(total - existing, changed, existing - changed, moved)


# --- column text --------------------------------------------------------------------------------


def _ids(values: np.ndarray, null: Any) -> list[Any]:
    """Ids as text, 0 (none) as `null`."""
    text: list[Any] = values.astype(str).tolist()
    if (values == 0).any():
        for i in np.flatnonzero(values == 0):
            text[i] = null
    return text


def _times(values: np.ndarray, *, sep: str, suffix: str, null: Any) -> list[Any]:
    """UTC timestamps as text: `YYYY-MM-DD<sep>HH:MM:SS[.ffffff]<suffix>`, MISSING as `null`.
    SQLite compares timestamps as text, so this is exactly Django's own format there."""
    missing = values == MISSING
    safe = np.where(missing, 0, values)
    seconds = np.datetime_as_string((safe // 1_000_000).astype("datetime64[s]"), unit="s").tolist()
    fraction = safe % 1_000_000
    text: list[Any] = [f"{s[:10]}{sep}{s[11:]}{suffix}" for s in seconds]
    for i in np.flatnonzero(fraction != 0):
        text[i] = f"{seconds[i][:10]}{sep}{seconds[i][11:]}.{fraction[i]:06d}{suffix}"
    if missing.any():
        for i in np.flatnonzero(missing):
            text[i] = null
    return text


def _copy_text(values: list[str]) -> list[str]:
    if any(c in "".join(values) for c in "\\\t\n\r"):
        return [v.translate(_COPY_ESCAPES) for v in values]
    return values


def copy_records(
    cursor: Any,
    table: str,
    source_id: int,
    records: RecordColumns,
    ids: np.ndarray | None = None,
) -> None:
    n = len(records)
    null = "\\N"
    now = timezone.now().isoformat()
    handle = records.handle_seconds
    handle_text: list[str] = np.where(np.isnan(handle), 0.0, handle).astype(str).tolist()
    for i in np.flatnonzero(np.isnan(handle)):
        handle_text[i] = null
    flags = ["f", "t", null]  # 0, 1, -1
    columns = [
        [str(source_id)] * n,
        _copy_text(records.external_id),
        records.service_id.astype(str).tolist(),
        records.site_id.astype(str).tolist(),
        _ids(records.team_id, null),
        _copy_text(records.channel),
        _ids(records.agent_id, null),
        *(
            _times(v, sep=" ", suffix="+00", null=null)
            for v in (records.received_us, records.first_response_us, records.resolved_us)
        ),
        handle_text,
        [flags[f] for f in records.resolved_first_contact.tolist()],
        _copy_text(records.category),
        _copy_text(records.extra),
        [now] * n,
        [now] * n,
    ]
    names = list(COLUMNS)
    if ids is not None:
        columns.append(ids.astype(str).tolist())
        names.append("id")
    text = "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"
    raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
    with raw.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
        copy.write(text.encode())


def _sqlite_rows(source_id: int, records: RecordColumns) -> list[tuple[Any, ...]]:
    n = len(records)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    handle = [None if h != h else h for h in records.handle_seconds.tolist()]  # NaN: none
    flags = [None if f < 0 else f for f in records.resolved_first_contact.tolist()]
    return list(
        zip(
            [source_id] * n,
            records.external_id,
            records.service_id.tolist(),
            records.site_id.tolist(),
            [v or None for v in records.team_id.tolist()],
            records.channel,
            [v or None for v in records.agent_id.tolist()],
            *(
                _times(v, sep=" ", suffix="", null=None)
                for v in (records.received_us, records.first_response_us, records.resolved_us)
            ),
            handle,
            flags,
            records.category,
            records.extra,
            [now] * n,
            [now] * n,
            strict=True,
        )
    )
