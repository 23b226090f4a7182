"""Nightly anonymisation of contact details whose retention period has ended."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sqms.feedback.services import responses_anonymise

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="3", minute="15"))  # type: ignore[untyped-decorator]
def feedback_anonymise_responses() -> int:
    """Idempotent: responses already anonymised are left alone."""
    count = responses_anonymise()
    log.info("Survey responses anonymised: %d.", count)
    return count


from sqms.feedback.complaints_tasks import (  # noqa: E402, F401  (registers the periodic tasks)
    feedback_anonymise_complaints,
    feedback_complaint_clocks,
)
from sqms.feedback.text_tasks import (  # noqa: E402, F401  (registers the text analytics tasks)
    text_analyse_periodic,
    text_reanalyse_task,
)
