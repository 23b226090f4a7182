"""The complaint workflow (ISO 10002) and the clock targets per severity, in business time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sqms.feedback.models import ComplaintSeverity, ComplaintStatus, ComplaintTarget

S = ComplaintStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.ACKNOWLEDGED, S.WITHDRAWN}),
    S.ACKNOWLEDGED: frozenset({S.INVESTIGATING, S.RESPONDED, S.WITHDRAWN}),
    S.INVESTIGATING: frozenset({S.RESPONDED, S.WITHDRAWN}),
    S.RESPONDED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.INVESTIGATING, S.RESPONDED, S.WITHDRAWN}),
    S.WITHDRAWN: frozenset(),
}

# Moves that need a stated reason.
NEEDS_REASON = frozenset({S.REOPENED, S.WITHDRAWN})

REQUIRES: dict[str, Promise] = {
    S.ACKNOWLEDGED: _("The complainant is told the complaint was received."),
    S.INVESTIGATING: _("Someone is looking into it."),
    S.RESPONDED: _("A reply to the complainant is written."),
    S.CLOSED: _("The complainant has the reply."),
    S.REOPENED: _("A reason."),
    S.WITHDRAWN: _("A reason."),
}

# Business hours allowed to acknowledge and to resolve (respond), per severity: the defaults
# used while a quality manager has not set a `ComplaintTarget` for the severity.
TARGETS: dict[str, tuple[dt.timedelta, dt.timedelta]] = {
    ComplaintSeverity.CRITICAL: (dt.timedelta(hours=1), dt.timedelta(hours=8)),
    ComplaintSeverity.HIGH: (dt.timedelta(hours=4), dt.timedelta(hours=16)),
    ComplaintSeverity.MEDIUM: (dt.timedelta(hours=8), dt.timedelta(hours=40)),
    ComplaintSeverity.LOW: (dt.timedelta(hours=16), dt.timedelta(hours=80)),
}


def allowed(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, frozenset())


def hours(value: Decimal) -> dt.timedelta:
    # Two decimal places of an hour are whole seconds: no float rounding.
    return dt.timedelta(seconds=int(value * 3600))


def targets(severity: str) -> tuple[dt.timedelta, dt.timedelta]:
    """The (acknowledge, resolve) business time for a severity: the stored target or the default.

    Read when clocks are (re)computed, so a changed target applies from then on only.
    """
    key = severity if severity in TARGETS else ComplaintSeverity.MEDIUM
    stored = ComplaintTarget.objects.filter(severity=key).first()
    if stored is None:
        return TARGETS[key]
    return hours(stored.acknowledge_hours), hours(stored.resolve_hours)
