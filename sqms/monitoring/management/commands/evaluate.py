"""`sqms evaluate [--standard CODE] [--since DATE]`: rebuild rollups, set-based."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sqms.monitoring import series
from sqms.monitoring.evaluation import evaluate_all
from sqms.standards.models import ServiceStandard


class Command(BaseCommand):
    help = "Recompute the rollups of every standard, or of one, from a date on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--standard", default="", help="The code of one standard.")
        parser.add_argument("--since", default="", help="A date (YYYY-MM-DD), local time.")
        parser.add_argument("--no-signals", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        qs = ServiceStandard.objects.filter(archived_at__isnull=True).select_related("metric")
        if options["standard"]:
            qs = qs.filter(code=options["standard"])
            if not qs.exists():
                raise CommandError(
                    _("No standard with the code “%(code)s”.") % {"code": options["standard"]}
                )
        since = None
        if options["since"]:
            try:
                day = dt.date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(_("--since needs a date such as 2026-01-31.")) from exc
            since = dt.datetime.combine(day, dt.time(), tzinfo=series.org_tz())
        outcomes = evaluate_all(standards=qs, since=since, detect=not options["no_signals"])
        for outcome in outcomes:
            self.stdout.write(
                _("Standard %(id)d: %(written)d cells written, %(removed)d replaced.")
                % {
                    "id": outcome.standard_id,
                    "written": outcome.written,
                    "removed": outcome.removed,
                }
            )
