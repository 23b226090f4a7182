"""Text analytics in the background: every ten minutes new comments are analysed and the
sentiment model retrained; staff can ask for a full re-analysis."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sqms.core.models import User
from sqms.feedback.text_services import text_refresh

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]
def text_analyse_periodic() -> int:
    """Analyse comments that have no annotation yet; retrain only when there were some."""
    from sqms.feedback.text_services import text_analyse, text_model_train

    count = text_analyse()
    if count:
        text_model_train()
    log.info("Comments analysed: %d.", count)
    return count


@db_task()  # type: ignore[untyped-decorator]
def text_reanalyse_task(actor_id: int | None = None) -> int:
    """Re-tokenise every comment, retrain the model and relabel (corrections stay)."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    count = text_refresh(actor=actor, everything=True)
    log.info("Comments re-analysed: %d.", count)
    return count


@db_task()  # type: ignore[untyped-decorator]
def text_relabel_task() -> int:
    """After a theme change: re-assign the themes (and labels) of every comment."""
    from sqms.feedback.text_services import text_relabel

    return text_relabel()
