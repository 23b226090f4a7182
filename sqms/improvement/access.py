"""Access helpers: a stranger (or a user limited to other sites) gets 404, a read-only role 403.

Anyone who may read the improvement area may report a nonconformance (a staff report); every
other change needs write access, except that an action's owner may record its progress.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from sqms.core.access import can, ensure, role_of
from sqms.core.roles import Area
from sqms.improvement import rules
from sqms.improvement.models import (
    Action,
    ActionEvidence,
    Initiative,
    Lesson,
    Nonconformance,
    Suggestion,
)
from sqms.org.access import scoped_site_ids


def can_write(user: Any) -> bool:
    return can(user, Area.IMPROVEMENT, write=True)


def can_report(user: Any) -> bool:
    return can(user, Area.IMPROVEMENT)


def can_move(user: Any, to: str) -> bool:
    return can_write(user) and rules.may(role_of(user), to)


def nonconformances_visible_to(user: Any) -> QuerySet[Nonconformance]:
    ids = scoped_site_ids(user)
    qs = Nonconformance.objects.all()
    return qs if ids is None else qs.filter(site_id__in=ids)


def actions_visible_to(user: Any) -> QuerySet[Action]:
    ids = scoped_site_ids(user)
    qs = Action.objects.all()
    if ids is None:
        return qs
    return qs.filter(Q(nonconformance__site_id__in=ids) | Q(owner=user))


def nonconformance_get_for_user(*, user: Any, pk: int, write: bool = False) -> Nonconformance:
    ensure(user, Area.IMPROVEMENT)
    qs = nonconformances_visible_to(user).select_related(
        "service", "site", "standard_version__standard", "reported_by", "root_cause__category"
    )
    nc = qs.filter(pk=pk).first()
    if nc is None:
        raise Http404
    if write and not can_write(user):
        raise PermissionDenied
    return nc


def action_get_for_user(*, user: Any, pk: int, write: bool = False) -> Action:
    """Write access to an action: the area's writers, or the action's owner."""
    ensure(user, Area.IMPROVEMENT)
    qs = actions_visible_to(user).select_related("nonconformance", "owner")
    action = qs.filter(pk=pk).first()
    if action is None:
        raise Http404
    if write and not (can_write(user) or action.owner_id == user.pk):
        raise PermissionDenied
    return action


def evidence_get_for_user(*, user: Any, pk: int) -> ActionEvidence:
    ensure(user, Area.IMPROVEMENT)
    evidence = (
        ActionEvidence.objects.select_related("action")
        .filter(pk=pk, action__in=actions_visible_to(user))
        .first()
    )
    if evidence is None:
        raise Http404
    return evidence


# --- register, suggestions, lessons -----------------------------------------------------------


def _site_scoped(qs: Any, user: Any) -> Any:
    """Records of the user's sites, and those that name no site."""
    ids = scoped_site_ids(user)
    return qs if ids is None else qs.filter(Q(site_id__in=ids) | Q(site__isnull=True))


def initiatives_visible_to(user: Any) -> QuerySet[Initiative]:
    return _site_scoped(Initiative.objects.all(), user)  # type: ignore[no-any-return]


def suggestions_visible_to(user: Any) -> QuerySet[Suggestion]:
    return _site_scoped(Suggestion.objects.all(), user)  # type: ignore[no-any-return]


def lessons_visible_to(user: Any) -> QuerySet[Lesson]:
    return _site_scoped(Lesson.objects.all(), user)  # type: ignore[no-any-return]


def _get(qs: Any, user: Any, pk: int, write: bool) -> Any:
    ensure(user, Area.IMPROVEMENT)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    if write and not can_write(user):
        raise PermissionDenied
    return obj


def initiative_get_for_user(*, user: Any, pk: int, write: bool = False) -> Initiative:
    qs = initiatives_visible_to(user).select_related(
        "owner", "service", "site", "standard", "metric", "nonconformance"
    )
    result: Initiative = _get(qs, user, pk, write)
    return result


def suggestion_get_for_user(*, user: Any, pk: int, write: bool = False) -> Suggestion:
    qs = suggestions_visible_to(user).select_related(
        "service", "site", "team", "merged_into", "initiative"
    )
    result: Suggestion = _get(qs, user, pk, write)
    return result


def lesson_get_for_user(*, user: Any, pk: int) -> Lesson:
    qs = lessons_visible_to(user).select_related(
        "nonconformance", "initiative", "standard", "service", "cause_category"
    )
    result: Lesson = _get(qs, user, pk, False)
    return result
