"""The revision workflow and who may review and approve each document type."""

from __future__ import annotations

from dataclasses import dataclass

from sqms.core.roles import Role
from sqms.documents.models import DocType, Meaning, RevisionStatus

S = RevisionStatus

# Publishing supersedes the previous published revision; that edge is taken by the system only.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.IN_REVIEW, S.OBSOLETE}),
    S.IN_REVIEW: frozenset({S.DRAFT, S.APPROVED}),
    S.APPROVED: frozenset({S.DRAFT, S.PUBLISHED}),
    S.PUBLISHED: frozenset({S.SUPERSEDED, S.OBSOLETE}),
    S.SUPERSEDED: frozenset(),
    S.OBSOLETE: frozenset(),
}

# Edges a user asks for on the revision page; the others follow from signing and publishing.
MANUAL: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.IN_REVIEW, S.OBSOLETE}),
    S.IN_REVIEW: frozenset({S.DRAFT}),
    S.APPROVED: frozenset({S.DRAFT}),
    S.PUBLISHED: frozenset({S.OBSOLETE}),
}


def allowed(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True)
class TypeRule:
    reviewers: frozenset[str]
    approvers: frozenset[str]
    allow_self_approval: bool

    def may_sign(self, role: str, meaning: str) -> bool:
        return role in (self.approvers if meaning == Meaning.APPROVED else self.reviewers)


_WRITERS = frozenset({Role.ADMIN, Role.QUALITY_MANAGER, Role.PROCESS_OWNER})
_MANAGERS = frozenset({Role.ADMIN, Role.QUALITY_MANAGER})

RULES: dict[str, TypeRule] = {
    DocType.POLICY: TypeRule(_WRITERS, _MANAGERS, allow_self_approval=False),
    DocType.MANUAL: TypeRule(_WRITERS, _MANAGERS, allow_self_approval=False),
    DocType.PROCEDURE: TypeRule(_WRITERS, _WRITERS, allow_self_approval=False),
    DocType.WORK_INSTRUCTION: TypeRule(_WRITERS, _WRITERS, allow_self_approval=True),
    DocType.FORM: TypeRule(_WRITERS, _WRITERS, allow_self_approval=True),
    DocType.RECORD_TEMPLATE: TypeRule(_WRITERS, _WRITERS, allow_self_approval=True),
}


def rule_for(doc_type: str) -> TypeRule:
    return RULES[doc_type]
