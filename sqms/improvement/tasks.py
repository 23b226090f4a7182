"""Daily: remind action owners and escalate overdue actions. Every 5 minutes: raise
nonconformances from monitoring signals by the per-standard rules."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sqms.improvement.services import (
    action_escalations_send,
    action_reminders_send,
    raise_from_open_signals,
)

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="7", minute="45"))  # type: ignore[untyped-decorator]
def improvement_send_reminders() -> tuple[int, int]:
    """Safe to run more than once a day: each action is reminded and escalated once a day."""
    today = timezone.localdate()
    reminded = action_reminders_send(today=today)
    escalated = action_escalations_send(today=today)
    log.info("Action reminders sent: %d; escalations: %d.", reminded, escalated)
    return reminded, escalated


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def improvement_raise_from_signals() -> int:
    """Every 5 minutes: raise nonconformances for open signals under an enabled rule."""
    created = raise_from_open_signals()
    if created:
        log.info("Nonconformances raised from signals: %d.", created)
    return created
