"""A large first load on SQLite goes through a temporary table and builds the record table's
secondary indexes afresh (`bulk_load`): the records, counts, pending merges and rollups are
those the block-by-block writer leaves, and the indexes come back as they were.

Collected on SQLite only (see conftest); on PostgreSQL, test_import_bulk_on_sqlite runs this
module on SQLite in a child process."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sqms.monitoring import bulk_load, services
from sqms.monitoring.evaluation import evaluate_all
from sqms.monitoring.ingest import MAX_LINE
from sqms.monitoring.models import ErrorPolicy, PendingMerge, RunStatus, ServiceRecord
from tests.monitoring.helpers import csv_text, make_org, make_source, run_file, write
from tests.monitoring.test_evaluation_merge import cells, standards

pytestmark = pytest.mark.django_db(transaction=False)
KEEP, REJECT = ErrorPolicy.KEEP_GOOD, ErrorPolicy.REJECT_ALL


@pytest.fixture
def org(db):  # type: ignore[no-untyped-def]
    return make_org()


@pytest.fixture
def small(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """Blocks of 2 validated rows, written 3 at a time; a load of 3 rows counts as large."""
    settings.SQMS_IMPORT_REBUILD_MIN_ROWS = 3
    monkeypatch.setattr(services, "CHUNK", 2)
    monkeypatch.setattr(services, "WRITE_ROWS", 3)


def _indexes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s ORDER BY name",
            [bulk_load.TABLE],
        )
        return [sql for (sql,) in cursor.fetchall() if sql]


def _bulk_table_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_temp_master WHERE name = %s", [bulk_load.BULK_TABLE]
        )
        return bool(cursor.fetchone()[0])


def _sql(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


def _gathered(sql: list[str]) -> bool:
    # an executemany is logged as "<n> times: <sql>"
    return any(f"INSERT INTO {bulk_load.BULK_TABLE} " in q for q in sql)


def _rebuilt(sql: list[str]) -> bool:
    return any(q.startswith("DROP INDEX") for q in sql) and any(
        q.startswith("CREATE INDEX") for q in sql
    )


def _hour(day: int) -> int:
    """The epoch hour of 09:00 in Seoul on a day of March 2026 (csv_text's rows)."""
    return int(dt.datetime(2026, 3, day, 0, tzinfo=dt.UTC).timestamp()) // 3600


def test_a_large_first_load_is_gathered_apart_and_indexed_afresh(org, tmp_path, small):
    before = _indexes()
    assert len(before) == 4
    source = make_source()
    path = write(tmp_path, csv_text(org, n=9))
    with CaptureQueriesContext(connection) as queries:
        run = run_file(path, source, policy=KEEP)
    assert (run.status, run.rows_created, run.rows_total) == (RunStatus.DONE, 9, 9)
    assert _gathered(_sql(queries))
    assert _rebuilt(_sql(queries))
    assert _indexes() == before
    assert not _bulk_table_exists()
    # in the file's order, with every field as the block writer stores it
    records = list(ServiceRecord.objects.filter(source=source).order_by("pk"))
    assert [r.external_id for r in records] == [f"C{i}" for i in range(1, 10)]
    assert records[0].received_at == dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)
    assert (records[2].handle_seconds, records[2].category, records[2].extra) == (90, "문의", {})
    # the same file again: not a first load, so block by block, and nothing changes
    with CaptureQueriesContext(connection) as again_queries:
        again = run_file(path, source, policy=KEEP)
    assert (again.rows_created, again.rows_unchanged) == (0, 9)
    assert not _gathered(_sql(again_queries))


def test_a_load_smaller_than_a_write_or_the_table_is_written_block_by_block(org, tmp_path, small):
    with CaptureQueriesContext(connection) as queries:
        run_file(write(tmp_path, csv_text(org, n=2)), make_source("small"), policy=KEEP)
    assert not _gathered(_sql(queries))  # all of it in one write
    with CaptureQueriesContext(connection) as queries:
        run_file(write(tmp_path, csv_text(org, n=9)), make_source("big"), policy=KEEP)
    assert _gathered(_sql(queries))  # nine rows on two stored
    # four new rows on eleven stored: a first load, but not more than the table holds
    with CaptureQueriesContext(connection) as queries:
        run = run_file(write(tmp_path, csv_text(org, n=4)), make_source("other"), policy=KEEP)
    assert run.rows_created == 4
    assert not _gathered(_sql(queries))


def test_its_pending_merges_leave_the_rollups_a_full_evaluation_computes(
    org, tmp_path, small, django_capture_on_commit_callbacks
):
    standards(org)
    with django_capture_on_commit_callbacks(execute=True):
        run = run_file(write(tmp_path, csv_text(org, n=40)), make_source(), policy=KEEP)
    assert run.rows_created == 40
    assert not PendingMerge.objects.exists()  # merged by the evaluation the import queued
    merged = cells()
    assert merged
    evaluate_all(detect=False)
    assert cells() == merged


def test_ids_written_meanwhile_are_merged_and_their_hours_re_evaluated(
    org, tmp_path, small, monkeypatch
):
    from sqms.monitoring import evaluation_hooks

    queued: list[dict[int, set[int]]] = []
    monkeypatch.setattr(evaluation_hooks, "evaluation_enqueue", queued.append)
    before = _indexes()
    source = make_source()
    run_file(write(tmp_path, csv_text(org, n=2)), source, policy=KEEP)
    # as if another import wrote C1 and C2 after this one found the source empty
    monkeypatch.setattr(services, "bulk_applies", lambda **kwargs: True)
    corrected = csv_text(org, n=9).replace(",60,", ",61,")  # C2's handling time
    with CaptureQueriesContext(connection) as queries:
        run = run_file(write(tmp_path, corrected, "late.csv"), source, policy=KEEP)
    assert _gathered(_sql(queries))
    assert (run.status, run.rows_created, run.rows_updated, run.rows_unchanged) == (
        RunStatus.DONE,
        7,
        1,
        1,
    )
    assert ServiceRecord.objects.get(source=source, external_id="C2").handle_seconds == 61
    assert _indexes() == before  # the savepoint's rollback put them back
    assert not _bulk_table_exists()
    assert queued[-1] == {org["service"].pk: {_hour(i % 9 + 1) for i in range(1, 10)}}


def test_a_file_that_breaks_off_keeps_the_rows_gathered_before(org, tmp_path, small):
    text = csv_text(org, n=5) + "x" * (MAX_LINE + 10) + "\n"
    run = run_file(write(tmp_path, text), make_source(), policy=KEEP)
    # rows 1-4 were validated in two whole blocks before row 7 broke off; row 5 was not
    assert (run.status, run.rows_created) == (RunStatus.FAILED, 4)
    assert ServiceRecord.objects.count() == 4
    assert not _bulk_table_exists()


def test_the_reject_policy_gathers_within_its_transaction(org, tmp_path, small):
    before = _indexes()
    with CaptureQueriesContext(connection) as queries:
        run = run_file(write(tmp_path, csv_text(org, n=9)), make_source(), policy=REJECT)
    assert (run.status, run.rows_created) == (RunStatus.DONE, 9)
    assert _gathered(_sql(queries))
    assert _indexes() == before
    sv, s = org["service"].code, org["site"].code
    bad = csv_text(org, [("C99", sv, s, "phone", "not a date", "", "", "")], n=9)
    rejected = run_file(write(tmp_path, bad, "bad.csv"), make_source("b"), policy=REJECT)
    assert (rejected.status, rejected.rows_created) == (RunStatus.REJECTED, 0)
    assert ServiceRecord.objects.count() == 9


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_temporary_table_is_kept_without_a_journal(
    org, tmp_path, small, monkeypatch
):
    def mode() -> str:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA temp.journal_mode")
            return str(cursor.fetchone()[0])

    before = mode()
    assert before != "off"
    seen: list[str] = []
    add = bulk_load.BulkLoad.add

    def spying(self: bulk_load.BulkLoad, records: Any) -> None:
        seen.append(mode())
        add(self, records)

    monkeypatch.setattr(bulk_load.BulkLoad, "add", spying)
    run = run_file(write(tmp_path, csv_text(org, n=9)), make_source(), policy=KEEP)
    assert (run.status, run.rows_created) == (RunStatus.DONE, 9)
    assert seen == ["off", "off", "off"]
    assert mode() == before  # given back once the table is dropped
    assert not _bulk_table_exists()
