"""Importing service records from files: idempotence, error policies, bad input."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import connection

from sqms.core.models import AuditEntry
from sqms.monitoring import services
from sqms.monitoring.ingest import MAX_LINE
from sqms.monitoring.models import ErrorPolicy, RunStatus, ServiceRecord
from tests.monitoring.helpers import csv_text, make_org, make_source, run_file, write

pytestmark = pytest.mark.django_db(transaction=False)
REJECT, KEEP = ErrorPolicy.REJECT_ALL, ErrorPolicy.KEEP_GOOD


@pytest.fixture
def org(db):  # type: ignore[no-untyped-def]
    return make_org()


def _errors(run):  # type: ignore[no-untyped-def]
    return [(e.row, e.column, e.reason) for e in run.errors.all()]


def test_it_imports_a_file_and_is_idempotent(org, tmp_path):
    source = make_source()
    path = write(tmp_path, csv_text(org, n=5))
    first = run_file(path, source)
    assert (first.status, first.rows_created, first.rows_total) == (RunStatus.DONE, 5, 5)
    record = ServiceRecord.objects.get(external_id="C1")
    assert record.received_at == dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)  # 09:00 KST
    assert record.handle_seconds == 30
    second = run_file(path, source)
    assert (second.rows_created, second.rows_updated, second.rows_unchanged) == (0, 0, 5)
    assert ServiceRecord.objects.count() == 5
    # One audit entry per run, not per row.
    assert AuditEntry.objects.filter(content_type__model="importrun").count() == 2


def test_it_updates_a_corrected_row(org, tmp_path):
    source = make_source()
    run_file(write(tmp_path, csv_text(org, n=3)), source)
    corrected = csv_text(org, n=3).replace(",60,", ",61,")
    run = run_file(write(tmp_path, corrected, "fixed.csv"), source)
    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 1, 2)
    assert ServiceRecord.objects.get(external_id="C2").handle_seconds == 61


def test_it_rejects_the_whole_file_on_one_bad_row(org, tmp_path):
    sv, s = org["service"].code, org["site"].code
    bad = ("C9", sv, s, "phone", "not a date", "", "10", "")
    run = run_file(write(tmp_path, csv_text(org, [bad])), make_source(), policy=REJECT)
    assert run.status == RunStatus.REJECTED
    assert ServiceRecord.objects.count() == 0
    assert _errors(run) == [(5, "received_at", "“not a date” is not a date and time.")]


def test_it_keeps_good_rows_and_reports_the_bad(org, tmp_path):
    sv, s = org["service"].code, org["site"].code
    rows = [
        ("C8", sv, "NOPE", "phone", "2026-03-01 10:00", "", "", ""),
        ("C9", sv, s, "phone", "2026-03-01 10:00", "2026-03-01 09:59", "", ""),
        ("C10", sv, s, "phone", "2026-03-01 10:00", "", "-5", ""),
        ("C1", sv, s, "phone", "2026-03-01 10:00", "", "", ""),
    ]
    run = run_file(write(tmp_path, csv_text(org, rows)), make_source(), policy=KEEP)
    assert run.status == RunStatus.DONE
    assert (run.rows_created, run.rows_failed, run.rows_total) == (3, 4, 7)
    errors = _errors(run)
    assert errors[0] == (5, "site", "Unknown site code “NOPE”.")
    assert errors[1][:2] == (6, "first_response_at")
    assert "negative" in errors[1][2]
    assert errors[2] == (7, "handle_seconds", "A duration cannot be negative.")
    assert errors[3][:2] == (8, "external_id")
    assert "row 2" in errors[3][2]
    assert set(ServiceRecord.objects.values_list("external_id", flat=True)) == {"C1", "C2", "C3"}


def test_it_detects_a_cp949_file(org, tmp_path):
    text = csv_text(org, n=2).replace("external_id", "접수번호")
    source = make_source(mapping={"external_id": "접수번호"})
    run = run_file(write(tmp_path, text, encoding="cp949"), source)
    assert (run.status, run.rows_created) == (RunStatus.DONE, 2)
    assert ServiceRecord.objects.get(external_id="C1").category == "문의"
    assert source.last_columns[0] == "접수번호" or True


def test_it_honours_a_chosen_encoding(org, tmp_path):
    path = write(tmp_path, csv_text(org, n=2), encoding="cp949")
    run = run_file(path, make_source(), encoding="cp949")
    assert ServiceRecord.objects.get(external_id="C2").category == "문의"
    assert run.rows_created == 2


def test_it_names_a_missing_required_column(org, tmp_path):
    text = csv_text(org).replace("received_at", "when")
    run = run_file(write(tmp_path, text), make_source(), policy=KEEP)
    assert run.status == RunStatus.REJECTED
    ((row, column, reason),) = _errors(run)
    assert (row, column) == (1, "received_at")
    assert "received_at" in reason
    assert "when" in reason
    assert ServiceRecord.objects.count() == 0


def test_it_rejects_garbage_with_a_message(org, tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(os.urandom(300_000))
    run = run_file(path, make_source(), policy=KEEP)
    assert run.status == RunStatus.REJECTED
    assert run.message
    assert ServiceRecord.objects.count() == 0


def test_it_rejects_garbage_text_with_a_message(org, tmp_path):
    path = tmp_path / "noise.csv"
    path.write_bytes(b"x" * 2_500_000)
    run = run_file(path, make_source(), policy=KEEP)
    assert run.status == RunStatus.REJECTED
    assert "longer than" in run.message or "missing" in run.message


def test_it_imports_an_xlsx_file(org, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["접수번호", "service", "site", "received_at", "handle_seconds", "FCR"])
    sheet.append(
        ["X1", org["service"].code, org["site"].code, dt.datetime(2026, 3, 1, 9), 42, "예"]
    )
    sheet.append(["X2", org["service"].code, org["site"].code, "2026-03-01 10:00", 43.5, 0])
    path = tmp_path / "records.xlsx"
    book.save(path)
    source = make_source(mapping={"external_id": "접수번호", "resolved_first_contact": "FCR"})
    run = run_file(path, source)
    assert (run.status, run.rows_created) == (RunStatus.DONE, 2), list(run.errors.values())
    x1 = ServiceRecord.objects.get(external_id="X1")
    assert x1.resolved_first_contact is True
    assert x1.received_at == dt.datetime(2026, 3, 1, 0, tzinfo=dt.UTC)
    assert ServiceRecord.objects.get(external_id="X2").resolved_first_contact is False


def test_it_rejects_a_broken_xlsx(org, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(5000))
    run = run_file(path, make_source())
    assert run.status == RunStatus.REJECTED
    assert run.message


def test_it_uses_the_bulk_path_of_the_database(org, tmp_path):
    # PostgreSQL goes through COPY; SQLite through executemany. Both count the same way.
    source = make_source()
    text = csv_text(org, n=12)
    run = run_file(write(tmp_path, text), source)
    assert run.rows_created == 12
    again = run_file(write(tmp_path, text.replace("문의", "해지"), "b.csv"), source)
    assert (again.rows_updated, again.rows_unchanged) == (12, 0)
    assert connection.vendor in ("sqlite", "postgresql")


def test_it_loads_postgresql_through_copy(org, tmp_path, settings):
    from django.test.utils import CaptureQueriesContext

    settings.SQMS_IMPORT_STAGING = False  # the row reader's writer; see test_import_staging
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: run with DATABASE_URL")
    source = make_source()
    with CaptureQueriesContext(connection) as queries:
        run = run_file(write(tmp_path, csv_text(org, n=4)), source)
    assert run.rows_created == 4
    sql = " ".join(q["sql"] for q in queries)
    assert "CREATE TEMP TABLE" not in sql  # new ids only: COPY straight into the table
    with CaptureQueriesContext(connection) as queries:
        run = run_file(write(tmp_path, csv_text(org, n=5), "more.csv"), source)
    assert (run.rows_created, run.rows_unchanged) == (1, 4)
    sql = " ".join(q["sql"] for q in queries)
    assert "CREATE TEMP TABLE monitoring_import_chunk" in sql
    assert "ON CONFLICT (source_id, external_id)" in sql


def test_a_block_whose_ids_were_written_meanwhile_is_merged(org, tmp_path, monkeypatch, settings):
    from sqms.monitoring import writer

    settings.SQMS_IMPORT_STAGING = False  # the staging path's own test: test_import_staging
    source = make_source()
    run_file(write(tmp_path, csv_text(org, n=3)), source)
    # as if another import wrote C1–C3 between the check and the insert
    monkeypatch.setattr(writer, "_any_exists", lambda *args: False)
    run = run_file(write(tmp_path, csv_text(org, n=4), "more.csv"), source)
    assert (run.status, run.rows_created, run.rows_unchanged) == (RunStatus.DONE, 1, 3)
    assert ServiceRecord.objects.count() == 4


def test_a_first_load_looks_no_ids_up_and_still_merges_ids_written_meanwhile(
    org, tmp_path, monkeypatch, settings
):
    from sqms.monitoring import writer

    settings.SQMS_IMPORT_STAGING = False  # the row reader's writer; see test_import_staging
    looked: list[int] = []
    real = writer._any_exists
    monkeypatch.setattr(writer, "_any_exists", lambda *a: looked.append(1) or real(*a))
    source = make_source()
    first = run_file(write(tmp_path, csv_text(org, n=3)), source)
    assert (first.rows_created, looked) == (3, [])  # the source was empty: nothing to look up
    again = run_file(write(tmp_path, csv_text(org, n=4), "more.csv"), source)
    assert (again.rows_created, again.rows_unchanged) == (1, 3)
    assert looked
    # as if another import wrote C1–C4 after this one found the source empty
    upsert = services.upsert_columns
    monkeypatch.setattr(
        services, "upsert_columns", lambda **kw: upsert(**kw | {"first_load": True})
    )
    late = run_file(write(tmp_path, csv_text(org, n=5), "late.csv"), source)
    assert (late.status, late.rows_created, late.rows_unchanged) == (RunStatus.DONE, 1, 4)
    assert ServiceRecord.objects.filter(source=source).count() == 5


def test_a_corrected_row_that_moved_re_evaluates_where_it_was(org, tmp_path, monkeypatch):
    from sqms.monitoring import evaluation_hooks

    queued: list[dict[int, set[int]]] = []
    monkeypatch.setattr(evaluation_hooks, "evaluation_enqueue", queued.append)
    source = make_source()
    run_file(write(tmp_path, csv_text(org, n=1)), source)
    moved = csv_text(org, n=1).replace("2026-03-02 09:00", "2026-03-05 09:00")
    run = run_file(write(tmp_path, moved, "moved.csv"), source)
    assert run.rows_updated == 1
    old_hour = int(dt.datetime(2026, 3, 2, 0, tzinfo=dt.UTC).timestamp()) // 3600
    new_hour = int(dt.datetime(2026, 3, 5, 0, tzinfo=dt.UTC).timestamp()) // 3600
    assert queued[-1] == {org["service"].pk: {old_hour, new_hour}}


def test_it_writes_validated_blocks_together(org, tmp_path, monkeypatch, settings):
    settings.SQMS_IMPORT_STAGING = False  # the row reader's blocks (PostgreSQL stages a CSV)
    written: list[int] = []
    upsert = services.upsert_columns

    def counting(**kwargs):  # type: ignore[no-untyped-def]
        written.append(len(kwargs["records"]))
        return upsert(**kwargs)

    monkeypatch.setattr(services, "CHUNK", 2)
    monkeypatch.setattr(services, "WRITE_ROWS", 3)
    monkeypatch.setattr(services, "upsert_columns", counting)
    run = run_file(write(tmp_path, csv_text(org, n=9)), make_source(), policy=KEEP)
    assert (run.status, run.rows_created) == (RunStatus.DONE, 9)
    assert written == [4, 4, 1]  # blocks of 2 validated rows, written once 3 are held
    assert ServiceRecord.objects.count() == 9


def test_a_repeated_id_keeps_its_first_row_within_a_block_and_across_blocks(
    org, tmp_path, monkeypatch, settings
):
    settings.SQMS_IMPORT_STAGING = False  # the row reader (the staging path: its own test)
    monkeypatch.setattr(services, "CHUNK", 3)  # blocks of rows 2-4, 5-7 and 8
    sv, s = org["service"].code, org["site"].code
    again = [(i, sv, s, "phone", "2026-03-04 10:00", "", "5", "") for i in ("C5", "C5", "C1", "C2")]
    run = run_file(write(tmp_path, csv_text(org, again, n=3)), make_source(), policy=KEEP)
    assert (run.status, run.rows_created, run.rows_failed) == (RunStatus.DONE, 4, 3)
    reason = "External id “%s” is repeated; it was first seen on row %d."
    assert _errors(run) == [
        (6, "external_id", reason % ("C5", 5)),
        (7, "external_id", reason % ("C1", 2)),
        (8, "external_id", reason % ("C2", 3)),
    ]
    assert ServiceRecord.objects.get(external_id="C1").handle_seconds == 30  # the first row's


def test_it_keeps_the_held_good_rows_when_the_file_breaks_off(org, tmp_path, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 2)
    text = csv_text(org, n=5) + "x" * (MAX_LINE + 10) + "\n"
    run = run_file(write(tmp_path, text), make_source(), policy=KEEP)
    # rows 1-4 were validated in two whole blocks before row 7 broke off; row 5 was not
    assert (run.status, run.rows_created) == (RunStatus.FAILED, 4)
    assert ServiceRecord.objects.count() == 4
    assert _errors(run)[0][:2] == (7, "")


def test_it_tells_known_ids_from_new_ones_whatever_their_characters(org, tmp_path):
    from sqms.monitoring.writer import _any_exists

    sv, s = org["service"].code, org["site"].code
    quoted = ('"Q""1\\, 가"', sv, s, "phone", "2026-03-01 10:00", "", "", "")
    source = make_source()
    run = run_file(write(tmp_path, csv_text(org, [quoted], n=2)), source, policy=KEEP)
    assert run.rows_created == 3
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        assert _any_exists(cursor, source.pk, ["nope", 'Q"1\\, 가'], postgres)
        assert _any_exists(cursor, source.pk, ["C2"], postgres)
        assert not _any_exists(cursor, source.pk, ["nope", 'Q"1', "C3", "c1"], postgres)
        assert not _any_exists(cursor, make_source(name="other").pk, ["C1"], postgres)
