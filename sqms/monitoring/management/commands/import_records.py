"""`sqms import-records FILE --source NAME`: import service records with a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sqms.core.exceptions import SqmsError
from sqms.monitoring import services
from sqms.monitoring.models import ErrorPolicy, ImportRun, RecordSource, RunStatus

POLICIES = {"reject": ErrorPolicy.REJECT_ALL, "keep": ErrorPolicy.KEEP_GOOD}
WIDTH = 30


class _Bar:
    """`[#########.....]  45%  123,456 rows` on stderr: redrawn in place on a terminal; in a log
    (not a terminal), one line each tenth of the way, so the log is not one endless line."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.live = out.isatty()
        self.logged = -1

    @staticmethod
    def line(share: int, rows: int) -> str:
        share = max(0, min(100, share))
        filled = share * WIDTH // 100
        count = ngettext("%(n)s row", "%(n)s rows", rows) % {"n": f"{rows:,}"}
        return f"[{'#' * filled}{'.' * (WIDTH - filled)}] {share:3d}%  {count}"

    def show(self, share: int, rows: int) -> None:
        if self.live:
            self.out.write("\r" + self.line(share, rows))
        elif share // 10 > self.logged and share < 100:
            self.logged = share // 10
            self.out.write(self.line(share, rows) + "\n")
        else:
            return
        self.out.flush()

    def done(self, rows: int) -> None:
        self.out.write(("\r" if self.live else "") + self.line(100, rows) + "\n")
        self.out.flush()


class Command(BaseCommand):
    help = "Import service records from a CSV or XLSX file into a record source."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True)
        parser.add_argument("--policy", choices=sorted(POLICIES), default="")
        parser.add_argument("--encoding", choices=["auto", "utf-8", "cp949"], default="auto")
        parser.add_argument("--create-source", action="store_true")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        source = RecordSource.objects.filter(name=options["source"]).first()
        if source is None:
            if not options["create_source"]:
                raise CommandError(
                    _("No source named “%(name)s”; add --create-source to create it.")
                    % {"name": options["source"]}
                )
            source = services.source_create(actor=None, name=options["source"])
        show = not options["no_progress"]
        err: TextIO = getattr(self.stderr, "_out", sys.stderr)
        bar = _Bar(err) if show else None

        def progress(run: ImportRun) -> None:
            if bar is not None:
                bar.show(run.progress, run.rows_processed)

        try:
            with path.open("rb") as f:
                run = services.import_run_create(
                    actor=None,
                    source=source,
                    file_name=path.name,
                    chunks=iter(lambda: f.read(1 << 20), b""),
                    policy=POLICIES.get(options["policy"], ""),
                    encoding=options["encoding"],
                )
        except SqmsError as exc:
            raise CommandError(str(exc), returncode=2) from None
        run = services.import_run_execute(run=run, file_path=path, on_progress=progress)
        if bar is not None:
            bar.done(run.rows_processed)
        for error in run.errors.all()[:20]:
            self.stderr.write(
                _("row %(row)s, %(column)s: %(reason)s")
                % {"row": error.row, "column": error.column or "-", "reason": error.reason}
            )
        summary = _(
            "%(file)s: %(total)d rows, %(created)d created, %(updated)d updated, "
            "%(unchanged)d unchanged, %(failed)d with errors."
        ) % {
            "file": run.file_name,
            "total": run.rows_total,
            "created": run.rows_created,
            "updated": run.rows_updated,
            "unchanged": run.rows_unchanged,
            "failed": run.rows_failed,
        }
        if run.status in (RunStatus.REJECTED, RunStatus.FAILED):
            raise CommandError(
                _("Import rejected: %(message)s") % {"message": run.message or summary},
                returncode=2,
            )
        self.stdout.write(self.style.SUCCESS(summary))
