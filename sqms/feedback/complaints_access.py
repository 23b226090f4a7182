"""Access to complaints, follow-ups and customer needs: a stranger 404, a read-only role 403.

Complaints and follow-ups carry a site; a user limited to some sites sees only those. The
assignee of a complaint and the owner of a follow-up may work on it without write access to
the feedback area.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from sqms.core.access import can, ensure
from sqms.core.roles import Area
from sqms.feedback.models import Complaint, ComplaintCategory, CustomerNeed, FollowUp
from sqms.org.access import scoped_site_ids


def can_write(user: Any) -> bool:
    return can(user, Area.FEEDBACK, write=True)


def complaints_visible_to(user: Any) -> QuerySet[Complaint]:
    ids = scoped_site_ids(user)
    qs = Complaint.objects.all()
    return qs if ids is None else qs.filter(site_id__in=ids)


def followups_visible_to(user: Any) -> QuerySet[FollowUp]:
    ids = scoped_site_ids(user)
    qs = FollowUp.objects.all()
    return qs if ids is None else qs.filter(site_id__in=ids)


def can_work_on(user: Any, complaint: Complaint) -> bool:
    return can_write(user) or (
        complaint.assignee_id is not None and complaint.assignee_id == getattr(user, "pk", None)
    )


def complaint_get_for_user(*, user: Any, pk: int, write: bool = False) -> Complaint:
    ensure(user, Area.FEEDBACK)
    complaint = (
        complaints_visible_to(user)
        .select_related("category", "service", "site", "team", "agent", "assignee")
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise Http404
    if write and not can_work_on(user, complaint):
        raise PermissionDenied
    return complaint


def category_get_for_user(*, user: Any, pk: int, write: bool = False) -> ComplaintCategory:
    ensure(user, Area.FEEDBACK, write=write)
    category = ComplaintCategory.objects.filter(pk=pk).first()
    if category is None:
        raise Http404
    return category


def can_work_on_followup(user: Any, followup: FollowUp) -> bool:
    return can_write(user) or (
        followup.owner_id is not None and followup.owner_id == getattr(user, "pk", None)
    )


def followup_get_for_user(*, user: Any, pk: int, write: bool = False) -> FollowUp:
    ensure(user, Area.FEEDBACK)
    followup = (
        followups_visible_to(user)
        .select_related("response__survey", "service", "site", "owner", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if followup is None:
        raise Http404
    if write and not can_work_on_followup(user, followup):
        raise PermissionDenied
    return followup


def need_get_for_user(*, user: Any, pk: int, write: bool = False) -> CustomerNeed:
    ensure(user, Area.FEEDBACK)
    need = CustomerNeed.objects.filter(pk=pk).first()
    if need is None:
        raise Http404
    if write and not can_write(user):
        raise PermissionDenied
    return need
