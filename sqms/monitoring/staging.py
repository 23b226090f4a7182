"""PostgreSQL: importing a plain CSV export through a staging table.

The row reader (`ingest`, `ingest_columns`) spends about 12 s of Python on a million rows and
then sends the server COPY text it built itself. Here the file's bytes go to the server as they
are: COPY into a temporary table of text columns, one statement converts and checks every row,
and one `INSERT … SELECT` writes the good ones.

The SQL accepts only what it can judge plainly: plain ISO timestamps that read back to the same
text, plain numbers, known codes, text with no whitespace at its edges. Every other row is read
back and checked by the row reader's own `ColumnValidator`, so a row gets the same values and
the same messages on either path. A file the server would not split exactly as Python's csv
module does (quote characters, blank or ragged lines, `\\.` alone on a line, an undecodable
byte) raises `NotStaged` before anything is kept, and the row reader imports it instead.

A load that more than doubles the record table builds its secondary indexes afresh after the
insert (`_indexes_set_aside`).

The temporary tables live for the session, not for one transaction, so the run's progress
commits while the file is checked; only the write and its report share one transaction.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    OperationalError,
    connection,
    transaction,
)
from django.utils import timezone

from sqms.monitoring.ingest import (
    _FALSE,
    _TRUE,
    HEAD_BYTES,
    MAX_LINE,
    FileProblem,
    RawRow,
    detect_encoding,
    repeated_id,
)
from sqms.monitoring.ingest_columns import ColumnValidator, Problem
from sqms.monitoring.merges import pending_add
from sqms.monitoring.timeparse import offset_stretches
from sqms.monitoring.writer import (
    CHUNK_TABLE,
    COLUMNS,
    CONTENT,
    TABLE,
    Upserted,
    chunk_merge,
    copy_records,
    outgrows_table,
)

STAGE, CONV, CONV_PY, CODES = "sqms_stage", "sqms_stage_conv", "sqms_stage_rows", "sqms_stage_codes"
READ_BYTES = 1 << 19  # below MAX_LINE: a block with no over-long line needs no line scan
FETCH_ROWS = 20_000
MAX_STRETCHES = 64  # UTC offsets over the file's span; more, and the span is narrowed
# Code points above the space that Python's str.strip() removes (str.isspace)
_EDGE_SPACES = (
    0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
)  # fmt: skip
_PLAIN_TIME = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)?$"
)
_PLAIN_NUMBER = r"^([0-9]+\.?[0-9]*|\.[0-9]+)$"
REBUILD_LOCK_TIMEOUT = "2s"
_QUARTER = dt.timedelta(minutes=15)
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)


class NotStaged(Exception):
    """This file takes the row reader."""


@dataclass
class Staged:
    total: int  # rows read, blank rows left out
    bad: int  # rows with errors
    counts: dict[str, int] = field(default_factory=dict)
    touched: dict[int, set[int]] = field(default_factory=dict)
    written: bool = False


def applies(file_format: str) -> bool:
    """A CSV on PostgreSQL, unless the setting SQMS_IMPORT_STAGING is False."""
    enabled = getattr(settings, "SQMS_IMPORT_STAGING", True)
    return bool(enabled) and connection.vendor == "postgresql" and file_format == "csv"


# --- the file -------------------------------------------------------------------------------


@dataclass
class _Header:
    columns: list[str]
    delimiter: str
    encoding: str


def read_header(path: Path, choice: str) -> _Header:
    """The header as `ingest._csv_rows` reads it, or NotStaged where this path would differ."""
    with path.open("rb") as binary:
        head = binary.read(HEAD_BYTES)
    try:
        encoding = detect_encoding(head, choice)
    except FileProblem:
        raise NotStaged from None
    end = head.find(b"\n")
    if end < 0:
        raise NotStaged
    try:
        first = head[: end + 1].decode(encoding)
    except UnicodeDecodeError:
        raise NotStaged from None
    line = first.removesuffix("\n").removesuffix("\r")
    if not line.strip() or '"' in line or "\r" in line:
        raise NotStaged
    delimiter = max((",", ";", "\t"), key=first.count)
    columns = [c.strip() for c in next(csv.reader([line], delimiter=delimiter))]
    return _Header(columns, delimiter, encoding)


def _body(path: Path, encoding: str) -> Iterator[bytes]:
    """The file after its header as UTF-8 blocks of whole lines; NotStaged where the server's
    CSV reading could differ from Python's."""
    decoder = None if encoding.startswith("utf") else codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as binary:
        binary.readline()
        carry = b""
        while True:
            raw = binary.read(READ_BYTES)
            if decoder is not None:
                try:
                    raw = decoder.decode(raw, final=not raw).encode()
                except UnicodeDecodeError:
                    raise NotStaged from None
            block = carry + raw
            if not raw:
                if block:
                    _check(block, last=True)
                    yield block
                return
            cut = block.rfind(b"\n") + 1
            block, carry = block[:cut], block[cut:]
            if len(carry) > MAX_LINE:
                raise NotStaged
            if block:
                _check(block, last=False)
                yield block


def _check(block: bytes, *, last: bool) -> None:
    """Lines the server and Python's csv module read alike: no quotes (which the server also
    honours inside a field), CR only before LF, no blank line, no end-of-data marker `\\.`."""
    if b'"' in block or block.count(b"\r") != block.count(b"\r\n"):
        raise NotStaged
    lined = b"\n" + block
    if b"\n\n" in lined or b"\n\r\n" in lined or b"\n\\.\n" in lined or b"\n\\.\r\n" in lined:
        raise NotStaged
    if last and (lined.endswith((b"\n\\.", b"\n\\.\r")) or block.endswith(b"\r")):
        raise NotStaged
    if len(block) > MAX_LINE and max(map(len, block.split(b"\n"))) > MAX_LINE:
        raise NotStaged


# --- SQL expressions ------------------------------------------------------------------------


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _edge_ok(cell: str) -> str:
    """No whitespace at either end that Python's strip() would remove."""
    spaces = ", ".join(map(str, _EDGE_SPACES))
    return (
        f"({cell} = '' OR (ascii({cell}) > 32 AND ascii(right({cell}, 1)) > 32 "
        f"AND ascii({cell}) NOT IN ({spaces}) AND ascii(right({cell}, 1)) NOT IN ({spaces})))"
    )


def _ascii(cell: str) -> str:
    return f"octet_length({cell}) = length({cell})"


def _folded(cell: str) -> str:
    """The cell case-folded as Python's casefold() would for ASCII text; other text as it is
    (the Korean yes/no words have no case)."""
    return f"CASE WHEN {_ascii(cell)} THEN lower({cell}) ELSE {cell} END"


def _words(folded: str, words: set[str]) -> str:
    return f"{folded} IN ({', '.join(map(_literal, sorted(words)))})"


def _time(cell: str, *, safe: bool) -> str:
    """The cell as a naive timestamp, NULL when empty. Unsafe: any cell starting with a digit
    is cast, and a cell the server cannot read aborts the statement (then run it safe)."""
    if cell == "''":  # not in the file: a constant the planner would try to cast
        return "NULL::timestamp"
    if safe:
        guard = f"{cell} ~ {_literal(_PLAIN_TIME)} AND {cell} NOT LIKE '0000%' AND {_day_ok(cell)}"
    else:
        guard = f"ascii({cell}) BETWEEN 48 AND 57"
    return f"CASE WHEN {guard} THEN {cell}::timestamp END"


def _number(cell: str) -> str:
    if cell == "''":
        return "NULL::float8"
    plain = f"{cell} ~ {_literal(_PLAIN_NUMBER)} AND length({cell}) <= 30"
    return f"CASE WHEN {plain} THEN {cell}::float8 END"


def _day_ok(cell: str) -> str:
    year, month, day = (f"substr({cell}, {a}, {n})::int" for a, n in ((1, 4), (6, 2), (9, 2)))
    leap = f"(({year} % 4 = 0 AND {year} % 100 <> 0) OR {year} % 400 = 0)"
    days = (
        f"CASE {month} WHEN 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
        f"WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END"
    )
    return f"(substr({cell}, 9, 2) <= '28' OR {day} <= {days})"


def _time_plain(cell: str, value: str) -> str:
    """The timestamp reads back as the cell's text: the plain ISO shape of `timeparse`."""
    text = f"replace({cell}, 'T', ' ')"
    return (
        f"({value} IS NOT NULL AND substr({cell}, 5, 1) = '-' AND CASE "
        f"WHEN length({cell}) IN (10, 16) THEN left({value}::text, length({cell})) = {text} "
        f"WHEN length({cell}) BETWEEN 19 AND 26 THEN {value}::text = {text} ELSE false END)"
    )


class _Sql:
    """The conversion statement of one file's mapping."""

    def __init__(self, validator: ColumnValidator, width: int, source_id: int) -> None:
        rows = validator.rows
        self.width, self.source_id = width, source_id
        self.index = rows.index
        self.extra = rows.extra
        self.channels = sorted(validator.channels - {""})

    def cell(self, target: str) -> str:
        i = self.index.get(target)
        return "''" if i is None else f"s.c{i}"

    def convert(self, *, safe: bool) -> str:
        cell = self.cell
        times = {
            t: f"v_{t}" for t in ("received_at", "first_response_at", "resolved_at")
        }  # fmt: skip
        number = cell("handle_seconds")
        flag = cell("resolved_first_contact")
        names = sorted(k for k in self.extra if k != "*")
        extra = "'{}'::jsonb"
        if names:
            cells = [f"s.c{self.extra[n]}" for n in names]
            pairs = ", ".join(f"{_literal(n)}, nullif(s.c{self.extra[n]}, '')" for n in names)
            filled = " AND ".join(f"{c} <> ''" for c in cells)
            # blank cells are left out; a row with none (the usual one) takes jsonb_object,
            # twice as fast as building the object pair by pair and stripping it
            extra = (
                f"CASE WHEN {filled} THEN jsonb_object(ARRAY[{', '.join(map(_literal, names))}], "
                f"ARRAY[{', '.join(cells)}]) "
                f"ELSE jsonb_strip_nulls(jsonb_build_object({pairs})) END"
            )
        ok = [
            f"{cell('external_id')} <> ''",
            f"length({cell('external_id')}) <= 100",
            _edge_ok(cell("external_id")),
            "sv.id IS NOT NULL",
            "si.id IS NOT NULL",
            f"({cell('team')} = '' OR tm.site = si.id)",
            f"({cell('agent')} = '' OR ag.id IS NOT NULL)",
            f"({cell('channel')} = '' OR ({_ascii(cell('channel'))} AND "
            f"lower({cell('channel')}) IN ({', '.join(map(_literal, self.channels))})))",
            _time_plain(cell("received_at"), times["received_at"]),
            *(
                f"({cell(t)} = '' OR {_time_plain(cell(t), times[t])})"
                for t in ("first_response_at", "resolved_at")
            ),
            f"({number} = '' OR v_handle IS NOT NULL)",
            f"(v_flag = '' OR {_words('v_flag', _TRUE)} OR {_words('v_flag', _FALSE)})",
            f"(length({cell('category')}) <= 100 AND {_edge_ok(cell('category'))})",
            *(_edge_ok(f"s.c{i}") for n, i in self.extra.items() if n != "*"),
            *(f"s.c{i} = ''" for n, i in self.extra.items() if n == "*"),
        ]
        blank = " AND ".join(f"s.c{i} = ''" for i in range(self.width))
        inner = (
            "SELECT s.*, "
            + ", ".join(f"{_time(cell(t), safe=safe)} AS {v}" for t, v in times.items())
            + f", {_number(number)} AS v_handle, {_folded(flag)} AS v_flag "
            # OFFSET 0 keeps each cast computed once rather than once per use above
            f"FROM {STAGE} s WHERE NOT ({blank}) OFFSET 0"
        )
        return (
            f"CREATE TEMP TABLE {CONV} AS SELECT s.rn AS id, "  # noqa: S608
            f"{cell('external_id')} AS external_id, sv.id AS service_id, si.id AS site_id, "
            f"tm.id AS team_id, lower({cell('channel')}) AS channel, ag.id AS agent_id, "
            + ", ".join(f"{v} AS {t}" for t, v in times.items())
            + ", v_handle AS handle_seconds, "
            f"CASE WHEN {_words('v_flag', _TRUE)} THEN true "
            f"WHEN {_words('v_flag', _FALSE)} THEN false "
            f"END AS resolved_first_contact, {cell('category')} AS category, {extra} AS extra, "
            f"coalesce({' AND '.join(ok)}, false) AS ok FROM ({inner}) s "
            f"LEFT JOIN {CODES} sv ON sv.kind = 's' AND sv.code = {cell('service')} "
            f"LEFT JOIN {CODES} si ON si.kind = 'i' AND si.code = {cell('site')} "
            f"LEFT JOIN {CODES} tm ON tm.kind = 't' AND tm.code = {cell('team')} "
            f"LEFT JOIN {CODES} ag ON ag.kind = 'a' AND ag.code = {cell('agent')}"
        )


def _utc(column: str, starts: list[int], offsets: list[int]) -> str:
    """A naive local timestamp column in UTC, each value taking its stretch's offset, as
    `timeparse.local_to_utc_us` does."""

    def shift(offset: int) -> str:
        return f"interval '{offset} microseconds'"

    if len(offsets) == 1:
        return f"(({column}) AT TIME ZONE 'UTC') - {shift(offsets[0])}"
    whens = " ".join(
        f"WHEN {column} < '{(_EPOCH_NAIVE + start * _QUARTER).isoformat(sep=' ')}' "
        f"THEN {shift(before)}"
        for start, before in zip(starts[1:], offsets[:-1], strict=True)
    )
    return f"(({column}) AT TIME ZONE 'UTC') - CASE {whens} ELSE {shift(offsets[-1])} END"


# --- the import -----------------------------------------------------------------------------


Report = Callable[[float, int], None]  # share done, rows read


def import_csv(
    *,
    path: Path,
    header: _Header,
    validator: ColumnValidator,
    source_id: int,
    keep: bool,
    report: Report,
    record_errors: Callable[[list[Problem]], None],
) -> Staged:
    """Import the file; NotStaged (nothing written) where the row reader must take it."""
    try:
        with connection.cursor() as cursor:
            try:
                return _run(cursor, path, header, validator, source_id, keep, report, record_errors)
            finally:
                _drop_tables(cursor)
    # the server read the file otherwise (or failed): the row reader imports it from scratch
    except (DatabaseError, psycopg.Error) as exc:
        raise NotStaged from exc


def _drop_tables(cursor: Any) -> None:
    with transaction.atomic():
        for table in (STAGE, CONV, CONV_PY, CODES, CHUNK_TABLE):
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")


def _run(
    cursor: Any,
    path: Path,
    header: _Header,
    validator: ColumnValidator,
    source_id: int,
    keep: bool,
    report: Report,
    record_errors: Callable[[list[Problem]], None],
) -> Staged:
    width = len(header.columns)
    names = [f"c{i}" for i in range(width)]
    _drop_tables(cursor)  # a session's leftovers from an import that died midway
    with transaction.atomic():
        cursor.execute(
            f"CREATE TEMP TABLE {STAGE} (rn bigint GENERATED ALWAYS AS IDENTITY (START WITH 2), "
            + ", ".join(f"{n} text NOT NULL" for n in names)
            + ")"
        )
        _codes(cursor, validator)
        delimiter = "E'\\t'" if header.delimiter == "\t" else _literal(header.delimiter)
        copy_sql = (
            f"COPY {STAGE} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv, "
            f"DELIMITER {delimiter}, FORCE_NOT_NULL ({', '.join(names)}), ENCODING 'UTF8')"
        )
        with cursor.cursor.copy(copy_sql) as copy:  # the connection is busy: no report here
            for block in _body(path, header.encoding):
                copy.write(block)
    report(0.4, 0)
    with transaction.atomic():
        cursor.execute(f"ANALYZE {STAGE}")
    sql = _Sql(validator, width, source_id)
    iso = "SET LOCAL DateStyle = 'ISO, YMD'"  # the round trip of timestamps reads ISO text
    try:
        with transaction.atomic():
            cursor.execute(iso)
            cursor.execute(sql.convert(safe=False))
    except DataError:  # a cell starting with a digit the server cannot read as a time
        with transaction.atomic():
            cursor.execute(iso)
            cursor.execute(sql.convert(safe=True))
    with transaction.atomic():
        cursor.execute(
            f"SELECT count(*), min(least(received_at, first_response_at, resolved_at)), "  # noqa: S608
            f"max(greatest(received_at, first_response_at, resolved_at)) FROM {CONV} WHERE ok"
        )
        read, first, last = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FROM {CONV} WHERE NOT ok")  # noqa: S608
        read += cursor.fetchone()[0]
    report(0.6, read)
    starts, offsets = _stretches(cursor, validator, first, last)
    utc = {t: _utc(t, starts, offsets) for t in ("received_at", "first_response_at", "resolved_at")}
    with transaction.atomic():
        # a negative duration in UTC: the row reader words the error
        cursor.execute(
            f"UPDATE {CONV} SET ok = false WHERE ok AND ("  # noqa: S608
            f"{utc['first_response_at']} < {utc['received_at']} OR "
            f"{utc['resolved_at']} < {utc['received_at']})"
        )
    problems = _rows_in_python(cursor, validator, source_id, width)
    problems += _repeated(cursor, validator)
    problems.sort(key=lambda p: p[0])
    bad = len({p[0] for p in problems})
    cursor.execute(f"SELECT count(*) FROM {CONV} WHERE ok")  # noqa: S608
    good = int(cursor.fetchone()[0])
    cursor.execute(f"SELECT count(*) FROM {CONV_PY}")  # noqa: S608
    good += int(cursor.fetchone()[0])
    report(0.7, good + bad)
    staged = Staged(total=good + bad, bad=bad)
    with transaction.atomic():
        record_errors(problems)
        if bad and not keep:
            return staged
        if good:
            _write(cursor, staged, source_id, utc, good)
    report(1.0, good + bad)
    return staged


def _codes(cursor: Any, validator: ColumnValidator) -> None:
    lookups = validator.rows.lookups
    cursor.execute(f"CREATE TEMP TABLE {CODES} (kind char(1), code text, id bigint, site bigint)")
    rows = [
        *(("s", code, pk, None) for code, pk in lookups.services.items()),
        *(("i", code, pk, None) for code, pk in lookups.sites.items()),
        *(("t", code, pk, site) for code, (pk, site) in lookups.teams.items()),
        *(("a", code, pk, None) for code, pk in lookups.agents.items()),
    ]
    with cursor.cursor.copy(f"COPY {CODES} (kind, code, id, site) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(f"ANALYZE {CODES}")


def _stretches(
    cursor: Any, validator: ColumnValidator, first: dt.datetime | None, last: dt.datetime | None
) -> tuple[list[int], list[int]]:
    """The zone's offsets over the rows' span. A span crossing more than MAX_STRETCHES offsets
    (a stray year 999 in a zone with summer time) is narrowed to six years around the median
    time received; rows outside it are left to the row reader."""
    if first is None or last is None:
        return [0], [0]
    tz = validator.rows.tz

    def over(lo: dt.datetime, hi: dt.datetime) -> tuple[list[int], list[int]]:
        return offset_stretches(
            (lo - _EPOCH_NAIVE) // _QUARTER, (hi - _EPOCH_NAIVE) // _QUARTER, tz
        )

    starts, offsets = over(first, last)
    if len(starts) <= MAX_STRETCHES:
        return starts, offsets
    cursor.execute(
        f"SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY received_at) FROM {CONV} WHERE ok"  # noqa: S608
    )
    middle = cursor.fetchone()[0]
    lo = max(middle - dt.timedelta(days=3 * 366), dt.datetime(1, 1, 2))
    hi = min(middle + dt.timedelta(days=3 * 366), dt.datetime(9999, 12, 30))
    with transaction.atomic():
        cursor.execute(
            f"UPDATE {CONV} SET ok = false WHERE ok AND ("  # noqa: S608
            "least(received_at, first_response_at, resolved_at) < %s OR "
            "greatest(received_at, first_response_at, resolved_at) > %s)",
            [lo, hi],
        )
    return over(lo, hi)


def _rows_in_python(
    cursor: Any, validator: ColumnValidator, source_id: int, width: int
) -> list[Problem]:
    """Rows the SQL did not plainly accept, checked by the row reader; the good ones go to
    CONV_PY in UTC."""
    with transaction.atomic():
        cursor.execute(
            f"CREATE TEMP TABLE {CONV_PY} AS SELECT id, {', '.join(COLUMNS)} "  # noqa: S608
            f"FROM {TABLE} WITH NO DATA"
        )
    cells = ", ".join(f"s.c{i}" for i in range(width))
    problems: list[Problem] = []
    with transaction.atomic():
        reader = connection.chunked_cursor()
        reader.execute(
            f"SELECT s.rn, {cells} FROM {STAGE} s JOIN {CONV} c ON c.id = s.rn "  # noqa: S608
            "WHERE NOT c.ok ORDER BY s.rn"
        )
        while rows := reader.fetchmany(FETCH_ROWS):
            raws = [
                RawRow(row[0], list(row[1:]))
                for row in rows
                if row[1].strip() or any(c.strip() for c in row[1:])
            ]
            records, found = validator.clean_block(raws)
            problems += found
            if len(records):
                copy_records(cursor, CONV_PY, source_id, records, ids=records.row)
        reader.close()
    return problems


def _repeated(cursor: Any, validator: ColumnValidator) -> list[Problem]:
    """External ids found again on a later good row: the first row keeps it."""
    column = validator.rows.column_of("external_id")
    with transaction.atomic():
        # byte order: ids equal under the database's (deterministic) collation are equal bytes,
        # and the sort is 2.5 times faster
        cursor.execute(
            f'SELECT external_id COLLATE "C", array_agg(id ORDER BY id) FROM ('  # noqa: S608
            f"SELECT id, external_id FROM {CONV} WHERE ok "
            f"UNION ALL SELECT id, external_id FROM {CONV_PY}) t "
            "GROUP BY 1 HAVING count(*) > 1"
        )
        problems: list[Problem] = []
        later: list[int] = []
        for external_id, ids in cursor.fetchall():
            later += ids[1:]
            problems += [(i, column, repeated_id(external_id, ids[0])) for i in ids[1:]]
        if later:
            cursor.execute(f"UPDATE {CONV} SET ok = false WHERE id = ANY(%s)", [later])  # noqa: S608
            cursor.execute(f"DELETE FROM {CONV_PY} WHERE id = ANY(%s)", [later])  # noqa: S608
    return problems


def _good(source_id: int, utc: dict[str, str]) -> str:
    """The good rows in COLUMNS order, in UTC."""
    now = _literal(timezone.now().isoformat())
    columns = ", ".join(f"{utc.get(c, c)} AS {c}" for c in CONTENT)
    return (
        f"SELECT {int(source_id)}::bigint AS source_id, external_id, {columns}, "  # noqa: S608
        f"{now}::timestamptz AS created_at, {now}::timestamptz AS updated_at FROM {CONV} WHERE ok "
        f"UNION ALL SELECT {', '.join(COLUMNS)} FROM {CONV_PY}"
    )


def _any_known(cursor: Any, source_id: int) -> bool:
    """Whether the source already holds one of the good rows' external ids."""
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {TABLE} r JOIN ("  # noqa: S608
        f"SELECT external_id FROM {CONV} WHERE ok UNION ALL SELECT external_id FROM {CONV_PY}"
        ") g ON r.external_id = g.external_id WHERE r.source_id = %s)",
        [source_id],
    )
    return bool(cursor.fetchone()[0])


def _indexes_set_aside(cursor: Any, good: int) -> list[str]:
    """For a load that more than doubles the record table: drop its secondary indexes and
    return their definitions, to be built again after the insert in the same transaction.

    Maintained row by row, the four indexes cost more than the insert: a million rows took
    9.8 s with them and 3.5 s without, and building the four from sorted rows 2.2 s (the
    PostgreSQL manual gives the same advice for bulk loads). The primary key and the (source,
    external id) key stay, so ids stay unique. The drop holds an exclusive lock on the table
    until the transaction ends (readers of records wait for it); if another session holds a
    lock on the table for longer than REBUILD_LOCK_TIMEOUT, the rows go in with the indexes
    kept.
    """
    if not outgrows_table(cursor, good):
        return []
    try:
        with transaction.atomic():
            cursor.execute(f"SET LOCAL lock_timeout = {_literal(REBUILD_LOCK_TIMEOUT)}")
            cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    except OperationalError:  # the lock was not granted in time
        return []
    cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x "
        "JOIN pg_class c ON c.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique "
        "ORDER BY c.relname",
        [TABLE],
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [definition for _name, definition in found]


def _write(cursor: Any, staged: Staged, source_id: int, utc: dict[str, str], good: int) -> None:
    """New records straight into the table with their pending merges; otherwise an upsert by
    (source, external id) through the writer's chunk table."""
    cursor.execute("SET LOCAL synchronous_commit TO OFF")  # as the writer does, see there
    rows = _good(source_id, utc)
    if not _any_known(cursor, source_id):
        try:
            with transaction.atomic():
                rebuild = _indexes_set_aside(cursor, good)
                cursor.execute(
                    f"WITH ins AS (INSERT INTO {TABLE} ({', '.join(COLUMNS)}) {rows} "  # noqa: S608
                    "RETURNING id), runs AS (SELECT id, id - row_number() OVER (ORDER BY id) "
                    "AS run FROM ins) SELECT min(id), max(id) FROM runs GROUP BY run ORDER BY 1"
                )
                ranges = [(int(lo), int(hi)) for lo, hi in cursor.fetchall()]
                for definition in rebuild:
                    cursor.execute(definition)
                cursor.execute(
                    f"SELECT DISTINCT service_id FROM {CONV} WHERE ok "  # noqa: S608
                    f"UNION SELECT service_id FROM {CONV_PY}"
                )
                services = [int(s) for (s,) in cursor.fetchall()]
                pending_add(service_ids=services, ranges=ranges)
        except IntegrityError:  # another import wrote one of these ids meanwhile
            pass
        else:
            staged.counts = {"created": good, "updated": 0, "unchanged": 0}
            staged.touched = {s: set() for s in services}
            staged.written = True
            return
    cursor.execute(f"CREATE TEMP TABLE {CHUNK_TABLE} AS {rows}")
    cursor.execute(f"ANALYZE {CHUNK_TABLE}")
    result: Upserted = chunk_merge(cursor, True, good)
    staged.counts = {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }
    touched: dict[int, set[int]] = {}
    if result.created or result.updated:
        cursor.execute(
            f"SELECT DISTINCT service_id, floor(extract(epoch FROM received_at) / 3600)::bigint "  # noqa: S608
            f"FROM {CHUNK_TABLE}"
        )
        for service_id, hour in cursor.fetchall():
            touched.setdefault(int(service_id), set()).add(int(hour))
        for service_id, hour in result.moved_from:
            touched.setdefault(service_id, set()).add(hour)
    cursor.execute(f"DROP TABLE {CHUNK_TABLE}")
    staged.touched = touched
    staged.written = bool(result.created or result.updated)
