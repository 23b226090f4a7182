"""The PostgreSQL staging import (`staging`) against the row reader: on the same file both give
the same records, counts and row errors; files the server would read differently go to the
row reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sqms.monitoring import staging
from sqms.monitoring.models import ErrorPolicy, ImportRun, RunStatus, ServiceRecord
from sqms.org import services as org_services
from tests.monitoring.helpers import make_org, make_source, run_file, write

pytestmark = [
    pytest.mark.django_db(transaction=False),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]
KEEP, REJECT = ErrorPolicy.KEEP_GOOD, ErrorPolicy.REJECT_ALL
HEADER = (
    "external_id,service,site,team,channel,agent,received_at,first_response_at,resolved_at,"
    "handle_seconds,resolved_first_contact,category,queued_at,note"
)
FIELDS = (
    "external_id", "service_id", "site_id", "team_id", "channel", "agent_id", "received_at",
    "first_response_at", "resolved_at", "handle_seconds", "resolved_first_contact", "category",
    "extra",
)  # fmt: skip


@pytest.fixture
def org(db):  # type: ignore[no-untyped-def]
    org = make_org()
    org_services.employee_create(
        actor=None, employee_no="E-1", name="상담원", site=org["site"], team=org["team"]
    )
    other_team = org_services.team_create(
        actor=None, site=org["other"], code=f"T-{org['other'].code}", name="2팀"
    )
    return {**org, "other_team": other_team}


def _row(org: dict[str, Any], external_id: str, **cells: str) -> str:
    values = {
        "external_id": external_id,
        "service": org["service"].code,
        "site": org["site"].code,
        "team": org["team"].code,
        "channel": "phone",
        "agent": "E-1",
        "received_at": "2026-03-02 09:00:00",
        "first_response_at": "2026-03-02 09:10:00",
        "resolved_at": "2026-03-02 10:00:00",
        "handle_seconds": "120",
        "resolved_first_contact": "Y",
        "category": "문의",
        "queued_at": "2026-03-02 08:59:00",
        "note": "메모",
    } | cells
    return ",".join(values[c] for c in HEADER.split(","))


def _tricky(org: dict[str, Any]) -> list[str]:
    """Rows of every kind the two paths must judge alike."""
    r = _row
    return [
        r(org, "G1"),
        r(org, "T1", received_at="2026-03-02T09:00:00", resolved_at="2026-03-03"),
        r(org, "T2", received_at="2026-03-02 09:15", first_response_at="2026-03-02 09:15:00.5"),
        r(org, "T3", first_response_at="2026-03-02 09:15:00.500"),
        r(org, "T4", received_at="2026/03/02 09:00:00"),
        r(org, "T5", received_at="2026-03-02T09:00:00+09:00"),
        r(org, "T6", received_at="2026-02-30 10:00:00"),
        r(org, "T7", received_at="abc"),
        r(org, "T8", received_at=" 2026-03-02 09:00:00"),
        r(org, "T9", received_at="0999-01-01 00:00:00", first_response_at="", resolved_at=""),
        r(org, "T10", received_at="infinity", first_response_at="", resolved_at=""),
        r(org, "T11", received_at="10000-01-01 00:00:00", first_response_at="", resolved_at=""),
        r(org, "T12", received_at="2026-03-02 24:00:00"),
        r(org, "T13", received_at="2024-02-29 09:00:00", first_response_at="", resolved_at=""),
        r(org, "T14", received_at="2026-02-29 09:00:00"),
        r(org, "N1", first_response_at="2026-03-02 08:00:00"),
        # Berlin: 02:30 on 29 March does not exist, 02:30 on 25 October happens twice
        r(
            org,
            "D1",
            received_at="2026-03-29 03:10:00",
            first_response_at="2026-03-29 02:30:00",
            resolved_at="2026-03-29 04:00:00",
        ),
        r(
            org,
            "D2",
            received_at="2026-10-25 02:30:00",
            first_response_at="2026-10-25 02:45:00",
            resolved_at="2026-10-25 03:00:00",
        ),
        *(
            r(org, f"H{i}", handle_seconds=value)
            for i, value in enumerate(("12.5", ".5", "5.", "-3", "1.200", "00:05:00", "abc", ""))
        ),
        *(
            r(org, f"F{i}", resolved_first_contact=value)
            for i, value in enumerate(("yes", "TRUE", "예", "아니오", "maybe", "", "X"))
        ),
        r(org, "C1", channel="PHONE"),
        r(org, "C2", channel="fax"),
        r(org, "C3", channel=""),
        r(org, "K1", service="NOPE"),
        r(org, "K2", site="NOPE"),
        r(org, "K3", team="NOPE"),
        r(org, "K4", team=org["other_team"].code),
        r(org, "K5", agent="NOPE"),
        r(org, "K6", team="", agent=""),
        r(org, " X1 "),
        r(org, ""),
        r(org, "X" * 101),
        r(org, "R1"),
        r(org, "R1", category="again"),
        r(org, "R2", site="NOPE"),
        r(org, "R2"),
        r(org, "R2", category="third"),
        r(org, "A1", category="가" * 101),
        r(org, "A2", category="\u3000문의"),
        r(org, "A3", queued_at="q "),
        r(org, "A4", queued_at=""),
        r(org, "A5", note=""),
        r(org, "A6", queued_at="", note=""),
        r(org, "A7", note="a\\b\tc"),
        ",".join([""] * 14),
        ",".join([" "] * 14),
    ]


def _outcome(run: ImportRun) -> tuple[Any, ...]:
    run.refresh_from_db()
    errors = [(e.row, e.column, e.reason) for e in run.errors.order_by("row", "pk")]
    records = sorted(ServiceRecord.objects.filter(source=run.source).values_list(*FIELDS), key=str)
    counts = (run.rows_total, run.rows_created, run.rows_updated, run.rows_unchanged)
    return run.status, counts, run.rows_failed, run.errors_total, errors, records


def _both(
    tmp_path: Path,
    settings: Any,
    text: str,
    *,
    policy: str = KEEP,
    encoding: str = "utf-8",
    time_zone: str = "Europe/Berlin",
) -> tuple[tuple[Any, ...], tuple[Any, ...], list[str]]:
    """The row reader's outcome, the staging path's, and the staging path's SQL."""
    outcomes = []
    sql: list[str] = []
    for i, staged in enumerate((False, True)):
        settings.SQMS_IMPORT_STAGING = staged
        source = make_source(
            name=f"S{i}",
            time_zone=time_zone,
            mapping={"extra.queued_at": "queued_at", "extra.note": "note"},
        )
        path = write(tmp_path, text, f"f{i}.csv", encoding)
        with CaptureQueriesContext(connection) as queries:
            outcomes.append(_outcome(run_file(path, source, policy=policy)))
        sql = [q["sql"] for q in queries]
    return outcomes[0], outcomes[1], sql


def _staged(sql: list[str]) -> bool:
    return any(f"INSERT INTO {staging.TABLE}" in q and staging.CONV in q for q in sql)


def test_a_plain_file_goes_through_the_staging_table_and_re_imports_idempotently(
    org, tmp_path, settings
):
    settings.SQMS_IMPORT_STAGING = True
    source = make_source()
    text = "\n".join([HEADER, *(_row(org, f"P{i}") for i in range(5))]) + "\n"
    with CaptureQueriesContext(connection) as queries:
        run = run_file(write(tmp_path, text), source)
    sql = [q["sql"] for q in queries]
    assert (run.status, run.rows_created) == (RunStatus.DONE, 5)
    assert _staged(sql)
    assert not any(
        "CREATE TEMP TABLE monitoring_import_chunk" in q for q in sql
    )  # new: straight in
    again = run_file(write(tmp_path, text, "again.csv"), source)
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, 5)
    fixed = run_file(write(tmp_path, text.replace("문의", "해지", 1), "fixed.csv"), source)
    assert (fixed.rows_created, fixed.rows_updated, fixed.rows_unchanged) == (0, 1, 4)
    assert ServiceRecord.objects.filter(source=source, category="해지").count() == 1


def test_every_kind_of_row_is_judged_as_the_row_reader_judges_it(org, tmp_path, settings):
    text = "\n".join([HEADER, *_tricky(org)]) + "\n"
    reader, staged, sql = _both(tmp_path, settings, text)
    assert _staged(sql)
    assert staged == reader
    status, _counts, failed, _total, _errors, records = staged
    assert status == RunStatus.DONE
    assert failed > 20
    assert len(records) > 20
    category = FIELDS.index("category")
    # a repeated id keeps its first good row; R2's first row has an unknown site
    assert [r[category] for r in records if r[0] in ("R1", "R2")] == ["문의", "문의"]


def test_a_file_with_errors_is_rejected_alike(org, tmp_path, settings):
    text = "\n".join([HEADER, *_tricky(org)]) + "\n"
    reader, staged, _sql = _both(tmp_path, settings, text, policy=REJECT)
    assert staged == reader
    assert staged[0] == RunStatus.REJECTED
    assert staged[-1] == []


def test_a_cp949_export_is_staged_and_read_alike(org, tmp_path, settings):
    rows = [_row(org, f"K{i}", category="불만 접수") for i in range(3)]
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    reader, staged, sql = _both(tmp_path, settings, text, encoding="cp949")
    assert _staged(sql)
    assert staged == reader
    assert len(staged[-1]) == 3


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda t: t.replace("문의", '"문, 의"', 1), id="quotes"),
        pytest.param(lambda t: t.replace("\n", "\n\n", 3), id="blank-line"),
        pytest.param(lambda t: t.replace(",문의", ",문의,extra", 1), id="ragged-row"),
        pytest.param(lambda t: t.replace("\nG2", "\n\\.\nG2", 1), id="end-of-data-marker"),
        pytest.param(lambda t: t.replace("\n", "\r", 2), id="bare-carriage-return"),
    ],
)
def test_a_file_the_server_would_read_otherwise_goes_to_the_row_reader(
    org, tmp_path, settings, damage
):
    rows = [_row(org, f"G{i}") for i in range(1, 6)]
    text = damage("\n".join([HEADER, *rows]) + "\n")
    reader, staged, sql = _both(tmp_path, settings, text)
    assert not _staged(sql)
    assert staged == reader


def test_undecodable_bytes_are_reported_by_the_row_reader(org, tmp_path, settings):
    rows = [_row(org, f"G{i}") for i in range(1, 4)]
    data = ("\n".join([HEADER, *rows]) + "\n").encode() + b"G9,\xff\xfe\n"
    settings.SQMS_IMPORT_STAGING = True
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    run = run_file(path, make_source(), policy=REJECT)
    assert run.status == RunStatus.REJECTED
    assert "UTF-8" in run.message
    assert ServiceRecord.objects.count() == 0


def test_ids_written_meanwhile_by_another_import_are_merged(org, tmp_path, settings, monkeypatch):
    settings.SQMS_IMPORT_STAGING = True
    source = make_source()
    rows = [_row(org, f"M{i}") for i in range(4)]
    run_file(write(tmp_path, "\n".join([HEADER, *rows[:3]]) + "\n"), source)
    # as if another import wrote M0–M2 between the check and the insert
    monkeypatch.setattr(staging, "_any_known", lambda *args: False)
    run = run_file(write(tmp_path, "\n".join([HEADER, *rows]) + "\n", "more.csv"), source)
    assert (run.status, run.rows_created, run.rows_unchanged) == (RunStatus.DONE, 1, 3)
    assert ServiceRecord.objects.filter(source=source).count() == 4


def _indexes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname",
            [staging.TABLE],
        )
        return [definition for (definition,) in cursor.fetchall()]


def _rebuilt(sql: list[str]) -> bool:
    return any(q.startswith("DROP INDEX") for q in sql) and any(
        q.startswith("CREATE INDEX") for q in sql
    )


def test_a_load_that_more_than_doubles_the_table_builds_its_indexes_afresh(org, tmp_path, settings):
    settings.SQMS_IMPORT_STAGING = True
    settings.SQMS_IMPORT_REBUILD_MIN_ROWS = 3
    before = _indexes()
    assert len(before) == 6
    source = make_source()
    rows = [_row(org, f"B{i}") for i in range(6)]
    with CaptureQueriesContext(connection) as first:
        run = run_file(write(tmp_path, "\n".join([HEADER, *rows[:3]]) + "\n"), source)
    assert (run.status, run.rows_created) == (RunStatus.DONE, 3)
    assert _rebuilt([q["sql"] for q in first])
    assert _indexes() == before
    # three more on three stored: the table does not more than double, the indexes stay
    with CaptureQueriesContext(connection) as second:
        more = run_file(write(tmp_path, "\n".join([HEADER, *rows]) + "\n", "more.csv"), source)
    assert (more.rows_created, more.rows_unchanged) == (3, 3)
    assert not _rebuilt([q["sql"] for q in second])
    assert _indexes() == before
    assert ServiceRecord.objects.filter(source=source, service=org["service"]).count() == 6


def test_a_table_another_session_holds_keeps_its_indexes_while_loading(
    org, tmp_path, settings, monkeypatch
):
    settings.SQMS_IMPORT_STAGING = True
    settings.SQMS_IMPORT_REBUILD_MIN_ROWS = 3
    monkeypatch.setattr(staging, "REBUILD_LOCK_TIMEOUT", "50ms")
    params = connection.settings_dict
    other = psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"],
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
    )
    try:
        other.execute(f"LOCK TABLE {staging.TABLE} IN ACCESS SHARE MODE")  # a reader's lock
        rows = [_row(org, f"H{i}") for i in range(4)]
        with CaptureQueriesContext(connection) as queries:
            run = run_file(write(tmp_path, "\n".join([HEADER, *rows]) + "\n"), make_source())
    finally:
        other.rollback()
        other.close()
    sql = [q["sql"] for q in queries]
    assert (run.status, run.rows_created) == (RunStatus.DONE, 4)
    assert any(q.startswith("LOCK TABLE") for q in sql)
    assert _staged(sql)  # written by the staging path all the same
    assert not _rebuilt(sql)
    assert len(_indexes()) == 6


def test_a_load_that_meets_ids_written_meanwhile_keeps_the_indexes_it_set_aside(
    org, tmp_path, settings, monkeypatch
):
    settings.SQMS_IMPORT_STAGING = True
    settings.SQMS_IMPORT_REBUILD_MIN_ROWS = 3
    before = _indexes()
    source = make_source()
    rows = [_row(org, f"N{i}") for i in range(7)]
    run_file(write(tmp_path, "\n".join([HEADER, *rows[:3]]) + "\n"), source)
    # seven rows on three stored: indexes set aside, then the insert meets N0–N2
    monkeypatch.setattr(staging, "_any_known", lambda *args: False)
    with CaptureQueriesContext(connection) as queries:
        run = run_file(write(tmp_path, "\n".join([HEADER, *rows]) + "\n", "more.csv"), source)
    assert any(q["sql"].startswith("DROP INDEX") for q in queries)
    assert (run.status, run.rows_created, run.rows_unchanged) == (RunStatus.DONE, 4, 3)
    assert _indexes() == before
