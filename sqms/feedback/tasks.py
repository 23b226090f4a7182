"""Nightly anonymisation of contact details whose retention period has ended; the deferred
follow-ups and audit entries of public survey responses."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sqms.feedback.services import EFFECTS_BATCH, responses_anonymise, responses_effects_write

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="3", minute="15"))  # type: ignore[untyped-decorator]
def feedback_anonymise_responses() -> int:
    """Idempotent: responses already anonymised are left alone."""
    count = responses_anonymise()
    log.info("Survey responses anonymised: %d.", count)
    return count


def _effects_all() -> int:
    total = 0
    while (n := responses_effects_write()) == EFFECTS_BATCH:
        total += n
    return total + n


@db_task()  # type: ignore[untyped-decorator]
def feedback_response_effects() -> int:
    """Follow-ups and audit entries of the responses the public page stored just before."""
    return _effects_all()


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def feedback_response_effects_sweep() -> int:
    """The safety net: effects whose scheduled batch was lost are written within a minute."""
    count = _effects_all()
    if count:
        log.info("Deferred survey response effects written by the sweep: %d.", count)
    return count


from sqms.feedback.complaints_tasks import (  # noqa: E402, F401  (registers the periodic tasks)
    feedback_anonymise_complaints,
    feedback_complaint_clocks,
)
from sqms.feedback.text_tasks import (  # noqa: E402, F401  (registers the text analytics tasks)
    text_analyse_periodic,
    text_reanalyse_task,
)
