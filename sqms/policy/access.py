"""Access helpers: a stranger (or a user limited to other sites) gets 404, a read-only role 403.

Everyone who reads the policy area reads the policy, the organisation's objectives and the
management reviews; a user limited to some sites sees the site and team objectives of those
sites only. Writing needs write access to the policy area (administrators, quality managers).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from sqms.core.access import can, ensure
from sqms.core.roles import Area
from sqms.org.access import scoped_site_ids
from sqms.policy.models import Commitment, Objective, Review


def can_write(user: Any) -> bool:
    return can(user, Area.POLICY, write=True)


def objectives_visible_to(user: Any) -> QuerySet[Objective]:
    ids = scoped_site_ids(user)
    qs = Objective.objects.all()
    return qs if ids is None else qs.filter(Q(site__isnull=True) | Q(site_id__in=ids))


def _check(user: Any, obj: Any, *, write: bool) -> Any:
    if obj is None:
        raise Http404
    if write and not can_write(user):
        raise PermissionDenied
    return obj


def objective_get_for_user(*, user: Any, pk: int, write: bool = False) -> Objective:
    ensure(user, Area.POLICY)
    qs = objectives_visible_to(user).select_related(
        "standard__metric", "site", "team", "owner", "parent"
    )
    objective: Objective = _check(user, qs.filter(pk=pk).first(), write=write)
    return objective


def review_get_for_user(*, user: Any, pk: int, write: bool = False) -> Review:
    ensure(user, Area.POLICY)
    review: Review = _check(user, Review.objects.filter(pk=pk).first(), write=write)
    return review


def commitment_get_for_user(*, user: Any, pk: int, write: bool = False) -> Commitment:
    ensure(user, Area.POLICY)
    qs = Commitment.objects.select_related("document")
    commitment: Commitment = _check(user, qs.filter(pk=pk).first(), write=write)
    return commitment
