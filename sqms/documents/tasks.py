"""Daily reminders: acknowledgements due soon or overdue, and periodic document reviews."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sqms.documents.services import acknowledgement_reminders_send, review_reminders_send

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="7", minute="30"))  # type: ignore[untyped-decorator]
def documents_send_reminders() -> tuple[int, int]:
    """Safe to run more than once a day: each person and document is reminded once a day."""
    today = timezone.localdate()
    acks = acknowledgement_reminders_send(today=today)
    reviews = review_reminders_send(today=today)
    log.info("Document reminders sent: %d acknowledgements, %d reviews.", acks, reviews)
    return acks, reviews
