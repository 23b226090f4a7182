from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from sqms.demo.org import ACCOUNTS, PASSWORD, build_org, demo_counts, demo_org_exists
from sqms.documents.demo import build_documents_demo
from sqms.feedback.demo import build_complaints_demo, build_feedback_demo
from sqms.feedback.text_demo import build_text_demo
from sqms.improvement.demo import build_improvement_demo
from sqms.monitoring.demo import build_monitoring_demo
from sqms.monitoring.inspections_demo import build_inspections_demo
from sqms.policy.demo import build_policy_demo
from sqms.standards.demo import build_standards_demo
from sqms.standards.hooks import listeners_suspended


class Command(BaseCommand):
    help = "Load the demo organisation (only once: running it again changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_org_exists():
            self.stdout.write(_("The demo organisation is already loaded."))
        else:
            with transaction.atomic():
                build_org()
            counts = demo_counts()
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Demo organisation loaded: %(sites)d sites, %(teams)d teams, "
                        "%(employees)d employees, %(services)d services."
                    )
                    % counts
                )
            )
        # Each later area adds its part; every part skips itself when it is already there.
        # The monitoring demo evaluates every standard itself: new standard versions need not
        # queue a second evaluation in the worker.
        with transaction.atomic(), listeners_suspended():
            documents = build_documents_demo(password=PASSWORD)
            standards = build_standards_demo()
            build_feedback_demo()
            build_complaints_demo()
            build_text_demo()
            build_inspections_demo()
            build_monitoring_demo()
            build_improvement_demo(password=PASSWORD)
            build_policy_demo()
        if documents:
            self.stdout.write(_("Demo documents loaded: %(n)d.") % {"n": len(documents)})
        self.stdout.write(
            _("Service standards: %(metrics)d metrics, %(standards)d standards.") % standards
        )
        self.stdout.write(_("Demo accounts (password: %(password)s):") % {"password": PASSWORD})
        for username, role, _last, _first in ACCOUNTS:
            self.stdout.write(f"  {username:<10} {role.label}")
