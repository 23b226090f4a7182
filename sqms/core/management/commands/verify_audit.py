from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sqms.core.audit import audit_verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain and report the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = audit_verify()
        if broken is None:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Audit trail intact: %(n)d entries verified.") % {"n": checked}
                )
            )
            return
        problems = {
            "missing": _("entry is missing"),
            "prev_hash": _("entry does not link to the one before it"),
            "hash": _("entry was altered after it was written"),
        }
        raise CommandError(
            _(
                "Audit trail broken at entry #%(seq)d: %(problem)s "
                "(%(n)d entries before it are intact)."
            )
            % {"seq": broken.seq, "problem": problems[broken.problem], "n": checked}
        )
