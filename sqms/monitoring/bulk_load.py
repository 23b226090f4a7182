"""A large first load on SQLite: new records gathered in a temporary table, then moved into
the record table in one transaction, its secondary indexes built afresh.

Maintained row by row, the four secondary indexes cost more than the insert itself: new
records land all over the two (…, received_at) indexes, and each commit writes every index
page its block touched. A million rows took 10.7 s in blocks of 100,000 with the indexes kept,
and 7.5 s gathered in a temporary table (1.8 s), moved in (1.6 s), indexed (2.7 s) and
committed (1.4 s). The temporary table belongs to the import's connection; writing a block
to it holds the database's write lock for a fraction of a second, and the move holds it for the
rest (about 5 s for a million rows; other writers wait up to the connection's timeout). Readers
keep reading the last committed table, indexes included, all the while. A crash loses the
temporary table and rolls the move back whole, indexes and all. The table lives in SQLite's
temporary file (its usual temporary directory), which grows to the size of the rows gathered.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, transaction

from sqms.monitoring.ingest_columns import RecordColumns
from sqms.monitoring.merges import pending_add
from sqms.monitoring.writer import (
    COLUMNS,
    TABLE,
    Upserted,
    chunk_merge,
    insert_rows,
    outgrows_table,
)

BULK_TABLE = "monitoring_import_bulk"


def bulk_applies(*, first_load: bool, expected_rows: float) -> bool:
    """Whether a load of about `expected_rows` new records (the source held none) should be
    gathered and moved in whole: on SQLite, when it is large and brings more rows than the
    table holds (`outgrows_table`, as PostgreSQL's staging decides its index rebuild)."""
    if connection.vendor != "sqlite" or not first_load:
        return False
    with connection.cursor() as cursor:
        return outgrows_table(cursor, int(expected_rows))


class BulkLoad:
    """New records of one source, gathered block by block, moved in by `finish`."""

    def __init__(self, source_id: int) -> None:
        self.source_id = source_id
        self.rows = 0
        self.services: set[int] = set()
        self.journal = ""
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{BULK_TABLE}")
            if not connection.in_atomic_block:  # the mode cannot change within a transaction
                # The temporary database does not outlive a crash, and no statement on this
                # table is ever rolled back (a failed block ends the import and the table is
                # dropped), so it needs no journal: writing it, and dropping it, take 1.4 s
                # less per million rows.
                cursor.execute("PRAGMA temp.journal_mode")
                self.journal = str(cursor.fetchone()[0])
                cursor.execute("PRAGMA temp.journal_mode = OFF")
            cursor.execute(
                f"CREATE TEMP TABLE {BULK_TABLE} AS "  # noqa: S608
                f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE 0"
            )

    def add(self, records: RecordColumns) -> None:
        # one transaction per block: without one, SQLite would commit each row on its own
        with transaction.atomic(), connection.cursor() as cursor:
            insert_rows(cursor, BULK_TABLE, self.source_id, records)
        self.rows += len(records)
        self.services.update(np.unique(records.service_id).tolist())

    def finish(self) -> Upserted:
        """Move the gathered records in. If another import wrote some of their ids meanwhile,
        they are merged instead, as the writer merges a block (`chunk_merge`)."""
        try:
            if not self.rows:
                return Upserted(0, 0, 0, [])
            with transaction.atomic(), connection.cursor() as cursor:
                try:
                    with transaction.atomic():
                        self._move(cursor)
                    return Upserted(self.rows, 0, 0, [], merged=True)
                except IntegrityError:  # the savepoint's rollback put the indexes back
                    pass
                result = chunk_merge(cursor, False, self.rows, table=BULK_TABLE)
                cursor.execute(
                    "SELECT DISTINCT service_id, "  # noqa: S608
                    f"CAST(strftime('%s', received_at) AS INTEGER) / 3600 FROM {BULK_TABLE}"
                )
                hours = [(int(s), int(h)) for s, h in cursor.fetchall()]
                return replace(result, hours=hours)
        finally:
            self.discard()

    def _move(self, cursor: Any) -> None:
        rebuild = _indexes_set_aside(cursor, self.rows)
        cols = ", ".join(COLUMNS)
        cursor.execute(
            f"INSERT INTO {TABLE} ({cols}) SELECT {cols} FROM {BULK_TABLE} ORDER BY rowid"  # noqa: S608
        )
        # the write lock is held from the insert to the commit and each new rowid is one more
        # than the largest, so the records' ids are the last `rows` ones
        cursor.execute(f"SELECT max(id) FROM {TABLE}")  # noqa: S608
        last = int(cursor.fetchone()[0])
        for definition in rebuild:
            cursor.execute(definition)
        pending_add(service_ids=sorted(self.services), ranges=[(last - self.rows + 1, last)])

    def discard(self) -> None:
        """Drop the gathered records (also done by `finish`)."""
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{BULK_TABLE}")
            if self.journal and not connection.in_atomic_block:
                cursor.execute(f"PRAGMA temp.journal_mode = {self.journal}")
                self.journal = ""


def _indexes_set_aside(cursor: Any, rows: int) -> list[str]:
    """For a load bigger than the table: drop the table's secondary indexes and return their
    definitions, to be built again after the insert in the same transaction. The primary key
    and the (source, external id) key stay, so ids stay unique."""
    if not outgrows_table(cursor, rows):
        return []
    cursor.execute(f"PRAGMA index_list({TABLE})")
    # (seq, name, unique, origin, partial): origin "c" is a CREATE INDEX statement
    names = sorted(name for _seq, name, unique, origin, *_ in cursor.fetchall()
                   if origin == "c" and not unique)  # fmt: skip
    definitions: list[str] = []
    for name in names:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
        definitions.append(cursor.fetchone()[0])
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return definitions
