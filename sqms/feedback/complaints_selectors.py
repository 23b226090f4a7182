"""Reads of complaint handling: filtered lists, clocks, and what a detail page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.feedback import complaint_rules as rules
from sqms.feedback.complaints import overdue_q
from sqms.feedback.complaints_access import complaints_visible_to
from sqms.feedback.complaints_time import Clock, SpecCache, clock
from sqms.feedback.models import Complaint, ComplaintStatus


@dataclass(frozen=True)
class ComplaintFilter:
    q: str = ""
    status: str = ""
    severity: str = ""
    overdue: bool = False
    escalated: bool = False
    mine: bool = False
    service: int | None = None
    site: int | None = None
    category: int | None = None


def complaint_list(
    *, user: Any, filters: ComplaintFilter, now: dt.datetime | None = None
) -> QuerySet[Complaint]:
    now = now or timezone.now()
    qs = complaints_visible_to(user).select_related("category", "service", "site", "assignee")
    f = filters
    if f.q:
        qs = qs.filter(
            Q(reference__icontains=f.q) | Q(subject__icontains=f.q) | Q(description__icontains=f.q)
        )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.severity:
        qs = qs.filter(severity=f.severity)
    if f.overdue:
        qs = qs.filter(overdue_q(now))
    if f.escalated:
        qs = qs.filter(Q(ack_escalated_at__isnull=False) | Q(resolve_escalated_at__isnull=False))
    if f.mine:
        qs = qs.filter(assignee_id=getattr(user, "pk", None))
    if f.service:
        qs = qs.filter(service_id=f.service)
    if f.site:
        qs = qs.filter(site_id=f.site)
    if f.category:
        qs = qs.filter(category_id=f.category)
    return qs.order_by("-received_at", "-pk")


def complaint_clocks(
    complaint: Complaint, *, now: dt.datetime | None = None, specs: SpecCache | None = None
) -> list[Clock]:
    """The acknowledgement and resolution clocks, in business time of the complaint's site."""
    now = now or timezone.now()
    spec = (specs or SpecCache()).for_site(complaint.site_id)
    stopped = complaint.status == ComplaintStatus.WITHDRAWN
    ack_done = complaint.acknowledged_at or (complaint.closed_at if stopped else None)
    resolve_done = complaint.responded_at or (complaint.closed_at if stopped else None)
    return [
        clock(
            key="ack",
            label=_("Acknowledgement"),
            due_at=complaint.ack_due_at,
            done_at=ack_done,
            now=now,
            spec=spec,
        ),
        clock(
            key="resolve",
            label=_("Resolution"),
            due_at=complaint.resolve_due_at,
            done_at=resolve_done,
            now=now,
            spec=spec,
        ),
    ]


def attach_clocks(complaints: list[Complaint], *, now: dt.datetime | None = None) -> None:
    """Set `clocks` and `overdue` on each complaint of a list page."""
    specs = SpecCache()
    for c in complaints:
        c.clocks = complaint_clocks(c, now=now, specs=specs)  # type: ignore[attr-defined]
        c.overdue = any(k.running and k.overdue for k in c.clocks)  # type: ignore[attr-defined]


def complaint_moves(complaint: Complaint) -> list[dict[str, Any]]:
    order = list(ComplaintStatus.values)
    moves = [
        {
            "to": to,
            "label": ComplaintStatus(to).label,
            "requires": rules.REQUIRES.get(to, ""),
            "needs_reason": to in rules.NEEDS_REASON,
            "problem": (
                _("Write the reply to the complainant first.")
                if to == ComplaintStatus.RESPONDED and not complaint.reply.strip()
                else ""
            ),
        }
        for to in rules.TRANSITIONS.get(complaint.status, frozenset())
    ]
    return sorted(moves, key=lambda m: order.index(m["to"]))
