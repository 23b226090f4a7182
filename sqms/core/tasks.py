"""Background jobs of the core app, run by the Huey worker that `make run` starts."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sqms.core.audit import ChainBreak, audit_verify

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="2", minute="15"))  # type: ignore[untyped-decorator]
def audit_verify_nightly() -> ChainBreak | None:
    """Walk the audit chain every night so that tampering is noticed without anyone asking."""
    checked, broken = audit_verify()
    if broken is None:
        log.info("Audit trail intact: %d entries verified.", checked)
    else:
        log.error("Audit trail broken at entry #%d (%s).", broken.seq, broken.problem)
    return broken
