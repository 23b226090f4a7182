"""Upserting validated rows by (source, external id): PostgreSQL through COPY, SQLite through
batched executemany. Returns how many rows were created, updated and left unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from sqms.monitoring.ingest import CleanRow
from sqms.monitoring.models import ServiceRecord

TABLE = ServiceRecord._meta.db_table
COLUMNS = (
    "source_id",
    "external_id",
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
    "row_hash",
    "created_at",
    "updated_at",
)
_UPDATED = [c for c in COLUMNS if c not in ("source_id", "external_id", "created_at")]


def _values(source_id: int, row: CleanRow, now: Any) -> tuple[Any, ...]:
    return (
        source_id,
        row.external_id,
        row.service_id,
        row.site_id,
        row.team_id,
        row.channel,
        row.agent_id,
        row.received_at,
        row.first_response_at,
        row.resolved_at,
        row.handle_seconds,
        row.resolved_first_contact,
        row.category,
        row.extra,
        row.row_hash,
        now,
        now,
    )


def upsert_rows(*, source_id: int, rows: Sequence[CleanRow]) -> tuple[int, int, int]:
    if not rows:
        return 0, 0, 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            return _upsert_postgresql(source_id, rows)
        return _upsert_executemany(source_id, rows)


def _upsert_postgresql(source_id: int, rows: Sequence[CleanRow]) -> tuple[int, int, int]:
    now = timezone.now()
    cols = ", ".join(COLUMNS)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATED)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE monitoring_import_chunk ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {cols} FROM {TABLE} WITH NO DATA"
        )
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY monitoring_import_chunk ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(_values(source_id, row, now))
        cursor.execute(
            f"INSERT INTO {TABLE} ({cols}) SELECT {cols} FROM monitoring_import_chunk "  # noqa: S608
            f"ON CONFLICT (source_id, external_id) DO UPDATE SET {sets} "
            f"WHERE {TABLE}.row_hash IS DISTINCT FROM EXCLUDED.row_hash "
            "RETURNING (xmax = 0)"
        )
        inserted = [flag for (flag,) in cursor.fetchall()]
        cursor.execute("DROP TABLE monitoring_import_chunk")
    created = sum(1 for flag in inserted if flag)
    updated = len(inserted) - created
    return created, updated, len(rows) - len(inserted)


def _upsert_executemany(source_id: int, rows: Sequence[CleanRow]) -> tuple[int, int, int]:
    existing: dict[str, str] = {}
    ids = [r.external_id for r in rows]
    for start in range(0, len(ids), 900):
        existing.update(
            ServiceRecord.objects.filter(
                source_id=source_id, external_id__in=ids[start : start + 900]
            ).values_list("external_id", "row_hash")
        )
    changed = [r for r in rows if existing.get(r.external_id) != r.row_hash]
    created = sum(1 for r in changed if r.external_id not in existing)
    updated = len(changed) - created
    if changed:
        now = timezone.now()
        ops = connection.ops
        params = []
        for row in changed:
            values = list(_values(source_id, row, now))
            for i in (7, 8, 9, 15, 16):
                values[i] = ops.adapt_datetimefield_value(values[i])
            params.append(values)
        sets = ", ".join(f"{c} = excluded.{c}" for c in _UPDATED)
        marks = ", ".join(["%s"] * len(COLUMNS))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({marks}) "  # noqa: S608
                f"ON CONFLICT (source_id, external_id) DO UPDATE SET {sets} "
                f"WHERE {TABLE}.row_hash <> excluded.row_hash",
                params,
            )
    return created, updated, len(rows) - len(changed)
