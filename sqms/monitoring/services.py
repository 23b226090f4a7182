"""Writes of the monitoring app: record sources and imports of service records."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.audit import PendingEntry, audit_record_many
from sqms.core.models import AuditAction, User
from sqms.core.records import record_create, record_update
from sqms.monitoring import staging
from sqms.monitoring.bulk_load import BulkLoad, bulk_applies
from sqms.monitoring.ingest import (
    FileProblem,
    Lookups,
    RawRow,
    RowValidator,
    open_rows,
    repeated_id,
    sniff_format,
)
from sqms.monitoring.ingest_columns import ColumnValidator, RecordColumns
from sqms.monitoring.models import (
    ErrorPolicy,
    ImportRowError,
    ImportRun,
    RecordSource,
    RunStatus,
    ServiceRecord,
)
from sqms.monitoring.writer import Upserted, upsert_columns
from sqms.org.access import (
    employees_visible_to,
    services_visible_to,
    sites_visible_to,
    teams_visible_to,
)
from sqms.org.models import Employee, Service, Site, Team

CHUNK = 20_000  # rows per validated block: the per-block SQL is paid rarely
# Rows per write. On SQLite a commit writes every index page its block touched, and new
# records land all over the (…, received_at) indexes, so fewer, larger blocks write far less:
# a million-row import took 40 s in blocks of 20,000 and 36 s in blocks of 100,000 (no change
# on PostgreSQL). Validated columns of 100,000 rows take a few tens of megabytes.
WRITE_ROWS = 100_000
ERRORS_KEPT = 10_000
Progress = Callable[[ImportRun], None]


def max_import_bytes() -> int:
    return int(getattr(settings, "SQMS_IMPORT_MAX_BYTES", 200 * 1024 * 1024))


def import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- sources --------------------------------------------------------------------------------


def source_create(
    *,
    actor: User | None,
    name: str,
    description: str = "",
    mapping: dict[str, str] | None = None,
    policy: str = ErrorPolicy.REJECT_ALL,
    time_zone: str = "Asia/Seoul",
) -> RecordSource:
    source = RecordSource(
        name=name,
        description=description,
        mapping=mapping or {},
        policy=policy,
        time_zone=time_zone,
    )
    return record_create(actor=actor, obj=source)


def source_update(
    *, actor: User | None, source: RecordSource, fields: dict[str, Any]
) -> RecordSource:
    if "mapping" in fields:
        fields = {**fields, "mapping": {k: v for k, v in fields["mapping"].items() if v}}
    return record_update(actor=actor, obj=source, fields=fields)


# --- import runs ----------------------------------------------------------------------------


def _store(chunks: Iterable[bytes], suffix: str) -> tuple[Path, int, str]:
    """Write an upload to the imports folder, chunk by chunk, refusing what is too large."""
    path = import_dir() / f"{uuid.uuid4().hex}{suffix}"
    digest, size, limit = hashlib.sha256(), 0, max_import_bytes()
    with path.open("wb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                out.close()
                path.unlink(missing_ok=True)
                raise FileProblem(
                    _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
                )
            digest.update(chunk)
            out.write(chunk)
    return path, size, digest.hexdigest()


def import_run_create(
    *,
    actor: User | None,
    source: RecordSource,
    file_name: str,
    chunks: Iterable[bytes],
    policy: str = "",
    encoding: str = "auto",
) -> ImportRun:
    """Save an uploaded file and a pending run for it; nothing is imported yet."""
    suffix = Path(file_name).suffix.lower()[:10]
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".ndjson", ".jsonl"):
        suffix = ".dat"
    path, size, sha = _store(chunks, suffix)
    run = ImportRun(
        source=source,
        file_name=Path(file_name).name[:255] or "upload",
        stored_path=str(path),
        file_format=sniff_format(path, file_name),
        encoding=encoding or "auto",
        size=size,
        sha256=sha,
        policy=policy or source.policy,
        status=RunStatus.PENDING,
        created_by=actor,
    )
    run.full_clean()
    run.save()
    return run


def lookups_for(user: Any | None) -> Lookups:
    if user is None:
        services, sites = Service.objects.all(), Site.objects.all()
        teams, agents = Team.objects.all(), Employee.objects.all()
    else:
        services, sites = services_visible_to(user), sites_visible_to(user)
        teams, agents = teams_visible_to(user), employees_visible_to(user)
    return Lookups(
        services=dict(services.values_list("code", "pk")),
        sites=dict(sites.values_list("code", "pk")),
        teams={code: (pk, site) for code, pk, site in teams.values_list("code", "pk", "site_id")},
        agents=dict(agents.values_list("employee_no", "pk")),
    )


def _columns_seen(source: RecordSource, columns: list[str]) -> None:
    if columns and columns != source.last_columns:
        RecordSource.objects.filter(pk=source.pk).update(last_columns=columns[:200])
        source.last_columns = columns[:200]


class _Errors:
    """Row errors of one run: the first ERRORS_KEPT are kept, the rest only counted."""

    def __init__(self, run: ImportRun) -> None:
        self.run, self.total, self.pending = run, 0, list[ImportRowError]()
        self.kept = 0

    def add(self, row: int, column: str, reason: str) -> None:
        self.total += 1
        if self.kept < ERRORS_KEPT:
            self.kept += 1
            self.pending.append(
                ImportRowError(run=self.run, row=row, column=column[:255], reason=reason)
            )
        if len(self.pending) >= 1000:
            self.flush()

    def flush(self) -> None:
        ImportRowError.objects.bulk_create(self.pending)
        self.pending = []


def _mark(run: ImportRun, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    ImportRun.objects.filter(pk=run.pk).update(**fields)


def _validated(
    run: ImportRun,
    rows: Iterable[RawRow],
    validator: ColumnValidator,
    errors: _Errors,
    on_chunk: Callable[[RecordColumns, int], None],
) -> int:
    """Validate every row, reporting errors; hand good rows on in blocks. Returns bad rows."""
    seen: dict[str, int] = {}
    processed = bad = 0
    id_column = validator.rows.column_of("external_id")

    def block_done(block: list[RawRow]) -> None:
        nonlocal processed, bad
        records, problems = validator.clean_block(block)
        processed += len(block)
        keep = np.ones(len(records), dtype=np.bool_)
        firsts = dict(zip(records.external_id, records.row.tolist(), strict=True))
        if len(firsts) == len(records) and seen.keys().isdisjoint(firsts):
            seen.update(firsts)  # no id seen twice, the usual case: no loop in Python
        else:
            for k, (external_id, row) in enumerate(
                zip(records.external_id, records.row.tolist(), strict=True)
            ):
                first = seen.setdefault(external_id, row)
                if first != row:
                    keep[k] = False
                    problems.append((row, id_column, repeated_id(external_id, first)))
        problems.sort(key=lambda p: p[0])
        for row, column, reason in problems:
            errors.add(row, column, reason)
        bad += len({p[0] for p in problems})
        on_chunk(records if keep.all() else records.take(keep), processed)

    stream = iter(rows)
    while True:
        block = list(islice(stream, CHUNK))  # a block at a time, not a Python step per row
        block_done(block)
        if len(block) < CHUNK:
            return bad


def import_run_execute(
    *,
    run: ImportRun,
    file_path: Path | None = None,
    user: Any | None = None,
    on_progress: Progress | None = None,
) -> ImportRun:
    """Import a run's file under its error policy; one audit entry records the outcome.

    `user`, when given, limits the sites, services, teams and agents rows may name to those
    the user sees.
    """
    path = Path(file_path or run.stored_path)
    source = run.source
    _mark(run, status=RunStatus.RUNNING, started_at=timezone.now(), progress=0)
    errors = _Errors(run)
    lookups = lookups_for(user)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    total_bad = total_good = 0

    touched: dict[int, set[int]] = {}
    held: list[RecordColumns] = []  # validated, not yet written
    keep = run.policy == ErrorPolicy.KEEP_GOOD
    # the validator passes each external id once, so a first load need not look ids up
    first_load = not ServiceRecord.objects.filter(source=source).exists()
    bulk: list[BulkLoad] = []  # a large first load on SQLite, gathered apart (`bulk_load`)
    passed = [0]  # good rows handed on so far
    asked = [False]  # whether `bulk_applies` was asked
    read_share: list[Callable[[], float]] = []  # the share of the file read so far

    def hold(records: RecordColumns) -> None:
        held.append(records)
        passed[0] += len(records)
        if sum(map(len, held)) >= WRITE_ROWS:
            flush(final=False)

    def flush(*, final: bool = True) -> None:
        if held:
            records = RecordColumns.concat(held)
            held.clear()
            if not final and not asked[0]:  # decided once, at the first of several writes
                asked[0] = True
                if bulk_applies(first_load=first_load, expected_rows=expected_rows()):
                    bulk.append(BulkLoad(source.pk))
            if bulk:
                bulk[0].add(records)
                for service_id in np.unique(records.service_id).tolist():
                    touched.setdefault(service_id, set())
            else:
                write(records)
        if final and bulk:
            tally(bulk.pop().finish())

    def expected_rows() -> float:
        share = read_share[0]() if read_share else 1.0
        return passed[0] / share if share > 0 else float(passed[0])

    def write(records: RecordColumns) -> None:
        from sqms.monitoring.evaluation_hooks import hours_of

        result = upsert_columns(source_id=source.pk, records=records, first_load=first_load)
        if result.merged:  # new records only: evaluation merges the pending blocks
            for service_id in np.unique(records.service_id).tolist():
                touched.setdefault(service_id, set())
        elif result.created or result.updated:
            for service_id, hours in hours_of(records):
                touched.setdefault(service_id, set()).update(hours)
        tally(result)

    def tally(result: Upserted) -> None:
        counts["created"] += result.created
        counts["updated"] += result.updated
        counts["unchanged"] += result.unchanged
        if not result.merged and (result.created or result.updated):
            for service_id, hour in [*(result.hours or []), *result.moved_from]:
                # the rows' hours when `records` is not at hand; where corrected records were
                touched.setdefault(service_id, set()).add(hour)

    if staging.applies(run.file_format):
        done = _staged(run, path, lookups, errors, keep=keep, on_progress=on_progress)
        if done is not None:
            return done
    try:
        with open_rows(path, fmt=run.file_format, encoding=run.encoding) as stream:
            _columns_seen(source, stream.columns)
            validator = _validator(run, stream.columns, lookups)
            read_share[:] = [stream.progress]
            good = [0]

            def on_chunk(records: RecordColumns, processed: int) -> None:
                good[0] += len(records)
                if keep:
                    hold(records)
                share = 1.0 if keep else 0.9
                _mark(
                    run,
                    rows_processed=processed,
                    progress=int(stream.progress() * 100 * share),
                    rows_created=counts["created"],
                    rows_updated=counts["updated"],
                    rows_unchanged=counts["unchanged"],
                )
                if on_progress:
                    on_progress(run)

            total_bad = _validated(run, stream.rows, validator, errors, on_chunk)
            total_good = good[0]
            flush()
        if total_bad and not keep:
            errors.flush()
            return _finish(
                run,
                RunStatus.REJECTED,
                errors,
                counts,
                total_good + total_bad,
                total_bad,
                _("Nothing was imported: %(n)d rows have errors.") % {"n": total_bad},
            )
        if not keep:
            with (
                transaction.atomic(),
                open_rows(path, fmt=run.file_format, encoding=run.encoding) as stream,
            ):
                validator = _validator(run, stream.columns, lookups)
                read_share[:] = [stream.progress]
                passed[0], asked[0] = 0, False
                _validated(
                    run, stream.rows, validator, _Errors(run), lambda records, _n: hold(records)
                )
                flush()
    except FileProblem as problem:
        if keep:  # the good blocks before the problem are kept, as the policy says
            flush()
        errors.pending = errors.pending[:0]
        errors.total = errors.kept = 0
        errors.add(problem.row, problem.column, problem.reason)
        errors.flush()
        written = counts["created"] + counts["updated"]
        status = RunStatus.FAILED if written else RunStatus.REJECTED
        if written:
            _evaluate_later(touched)
        return _finish(run, status, errors, counts, total_good + total_bad, 0, problem.reason)
    except OSError as exc:
        errors.add(0, "", str(exc))
        errors.flush()
        return _finish(run, RunStatus.FAILED, errors, counts, 0, 0, str(exc))
    finally:
        for gathered in bulk:  # never moved in: the counts say none of it was written
            gathered.discard()
    errors.flush()
    message = _("%(n)d rows with errors were left out.") % {"n": total_bad} if total_bad else ""
    _evaluate_later(touched)
    return _finish(run, RunStatus.DONE, errors, counts, total_good + total_bad, total_bad, message)


def _staged(
    run: ImportRun,
    path: Path,
    lookups: Lookups,
    errors: _Errors,
    *,
    keep: bool,
    on_progress: Progress | None,
) -> ImportRun | None:
    """A plain CSV on PostgreSQL through the staging table (`staging`); None (nothing done)
    when the file needs the row reader."""
    try:
        header = staging.read_header(path, run.encoding)
        _columns_seen(run.source, header.columns)
        validator = _validator(run, header.columns, lookups)
    except (staging.NotStaged, FileProblem):  # the row reader reports a problem
        return None
    shown = [-1]

    def report(share: float, rows: int) -> None:
        progress = min(int(share * 100), 99)
        if progress != shown[0]:
            shown[0] = progress
            _mark(run, progress=progress, rows_processed=rows)
            if on_progress:
                on_progress(run)

    def record(problems: list[tuple[int, str, str]]) -> None:
        for row, column, reason in problems:
            errors.add(row, column, reason)
        errors.flush()

    try:
        staged = staging.import_csv(
            path=path,
            header=header,
            validator=validator,
            source_id=run.source_id,
            keep=keep,
            report=report,
            record_errors=record,
        )
    except staging.NotStaged:
        _mark(run, progress=0, rows_processed=0)
        return None
    if staged.bad and not keep:
        message = _("Nothing was imported: %(n)d rows have errors.") % {"n": staged.bad}
        return _finish(
            run,
            RunStatus.REJECTED,
            errors,
            {"created": 0, "updated": 0, "unchanged": 0},
            staged.total,
            staged.bad,
            message,
        )
    _evaluate_later(staged.touched)
    message = _("%(n)d rows with errors were left out.") % {"n": staged.bad} if staged.bad else ""
    return _finish(run, RunStatus.DONE, errors, staged.counts, staged.total, staged.bad, message)


def _validator(run: ImportRun, columns: list[str], lookups: Lookups) -> ColumnValidator:
    source = run.source
    rows = RowValidator(
        columns=columns,
        mapping=source.mapping if run.file_format != "ndjson" else {},
        lookups=lookups,
        time_zone=source.time_zone,
    )
    return ColumnValidator(rows, text_cells=run.file_format == "csv")


def _evaluate_later(touched: dict[int, set[int]]) -> None:
    """Re-evaluate the periods an import wrote to, in the worker, once the rows are committed."""
    if touched:
        from sqms.monitoring.evaluation_hooks import evaluation_enqueue

        evaluation_enqueue(touched)


def _finish(
    run: ImportRun,
    status: str,
    errors: _Errors,
    counts: dict[str, int],
    total: int,
    failed: int,
    message: str,
) -> ImportRun:
    with transaction.atomic():
        _mark(
            run,
            status=status,
            message=message[:2000],
            progress=100,
            rows_total=total,
            rows_processed=total,
            rows_created=counts["created"],
            rows_updated=counts["updated"],
            rows_unchanged=counts["unchanged"],
            rows_failed=failed,
            errors_total=errors.total,
            finished_at=timezone.now(),
        )
        changes = {
            name: [None, getattr(run, name)]
            for name in (
                "file_name",
                "sha256",
                "policy",
                "status",
                "rows_total",
                "rows_created",
                "rows_updated",
                "rows_unchanged",
                "rows_failed",
            )
        }
        audit_record_many(
            actor=run.created_by,
            entries=[PendingEntry(action=AuditAction.CREATE, obj=run, changes=changes)],
        )
    return run


def import_run_queue(*, run: ImportRun) -> ImportRun:
    """Confirm a pending run: the worker imports it (immediately in tests)."""
    from sqms.monitoring.tasks import import_run_task

    if run.status != RunStatus.PENDING:
        return run
    _mark(run, status=RunStatus.QUEUED)
    transaction.on_commit(lambda: import_run_task(run.pk))
    return run


def _json_lines(items: Iterable[Any]) -> Iterable[bytes]:
    for item in items:
        yield json.dumps(item, ensure_ascii=False, default=str).encode() + b"\n"


def records_import_items(
    *, actor: User | None, source: RecordSource, items: Iterable[Any], policy: str = "", user: Any
) -> ImportRun:
    """Import a JSON batch (a list of record objects) synchronously."""
    run = import_run_create(
        actor=actor,
        source=source,
        file_name="api-batch.ndjson",
        chunks=_json_lines(items),
        policy=policy,
    )
    return import_run_execute(run=run, user=user)


def records_import_stream(
    *, actor: User | None, source: RecordSource, stream: BinaryIO, policy: str = "", user: Any
) -> ImportRun:
    """Import an NDJSON body, spooled to disk as it arrives."""

    def chunks() -> Iterable[bytes]:
        while block := stream.read(65_536):
            yield block

    run = import_run_create(
        actor=actor,
        source=source,
        file_name="api-stream.ndjson",
        chunks=chunks(),
        policy=policy,
    )
    return import_run_execute(run=run, user=user)
