"""Periodic work of complaint handling and follow-ups (imported by tasks.py for Huey)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sqms.feedback.complaints import complaints_anonymise, complaints_escalate
from sqms.feedback.followups import followup_escalations_send, followup_reminders_send

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]
def feedback_complaint_clocks() -> tuple[int, int, int]:
    """Escalate complaints whose clock ran out; remind and escalate follow-ups. Idempotent:
    each clock and each follow-up is escalated (and reminded) once."""
    escalated = complaints_escalate()
    reminded = followup_reminders_send()
    overdue = followup_escalations_send()
    log.info(
        "Complaints escalated: %d; follow-ups reminded: %d, escalated: %d.",
        escalated,
        reminded,
        overdue,
    )
    return escalated, reminded, overdue


@db_periodic_task(crontab(hour="3", minute="25"))  # type: ignore[untyped-decorator]
def feedback_anonymise_complaints() -> int:
    count = complaints_anonymise()
    log.info("Complaint contact details anonymised: %d.", count)
    return count
