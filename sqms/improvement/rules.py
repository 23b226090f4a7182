"""The nonconformance workflow: which moves exist, who may make them, what each requires."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sqms.core.roles import Role
from sqms.improvement.models import NcStatus, Stage

S = NcStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.CONTAINED, S.CANCELLED}),
    S.CONTAINED: frozenset({S.ANALYSED, S.CANCELLED}),
    S.ANALYSED: frozenset({S.ACTION_PLANNED, S.CONTAINED, S.CANCELLED}),
    S.ACTION_PLANNED: frozenset({S.IMPLEMENTED, S.ANALYSED, S.CANCELLED}),
    S.IMPLEMENTED: frozenset({S.VERIFIED, S.ACTION_PLANNED}),
    # An ineffective result sends the record back to planning.
    S.VERIFIED: frozenset({S.CLOSED, S.ACTION_PLANNED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

_WRITERS = frozenset({Role.ADMIN, Role.QUALITY_MANAGER, Role.PROCESS_OWNER})
_MANAGERS = frozenset({Role.ADMIN, Role.QUALITY_MANAGER})

# Who may move a record *into* a status.
WHO: dict[str, frozenset[str]] = {
    S.CONTAINED: _WRITERS,
    S.ANALYSED: _WRITERS,
    S.ACTION_PLANNED: _WRITERS,
    S.IMPLEMENTED: _WRITERS,
    S.VERIFIED: _MANAGERS,
    S.CLOSED: _MANAGERS,
    S.CANCELLED: _MANAGERS,
}

# What each target status requires, as shown next to its button.
REQUIRES: dict[str, Promise] = {
    S.CONTAINED: _("An immediate containment is recorded."),
    S.ANALYSED: _("A root cause is classified in the taxonomy and stated."),
    S.ACTION_PLANNED: _("At least one action that is not cancelled."),
    S.IMPLEMENTED: _("Every action is done or cancelled, and at least one is done."),
    S.VERIFIED: _("An effectiveness check has a result."),
    S.CLOSED: _(
        "An electronic signature by a quality manager; without a positive verdict, a "
        "written justification."
    ),
    S.CANCELLED: _("A reason."),
}

# Moves made on the close page (with a signature), not with a plain button.
SIGNED = frozenset({S.CLOSED})


def allowed(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, frozenset())


def may(role: str | None, to: str) -> bool:
    return role is not None and role in WHO.get(to, frozenset())


# --- improvement initiatives: Plan–Do–Check–Act ------------------------------------------------

P = Stage

STAGES: dict[str, frozenset[str]] = {
    P.PLAN: frozenset({P.DO, P.CANCELLED}),
    P.DO: frozenset({P.CHECK, P.PLAN, P.CANCELLED}),
    # A check that falls short sends the initiative back to doing.
    P.CHECK: frozenset({P.ACT, P.DO, P.CANCELLED}),
    # Act: standardise and complete, or start another cycle.
    P.ACT: frozenset({P.COMPLETED, P.PLAN, P.CANCELLED}),
    P.COMPLETED: frozenset(),
    P.CANCELLED: frozenset(),
}

# The board's columns, in order.
BOARD = (P.PLAN, P.DO, P.CHECK, P.ACT, P.COMPLETED)

STAGE_REQUIRES: dict[str, Promise] = {
    P.DO: _("An owner and an expected benefit."),
    P.CHECK: _("Nothing more."),
    P.ACT: _("The realised benefit is recorded."),
    P.COMPLETED: _("The realised benefit is recorded."),
    P.PLAN: _("A reason, when going back."),
    P.CANCELLED: _("A reason."),
}


def stage_allowed(current: str, to: str) -> bool:
    return to in STAGES.get(current, frozenset())
