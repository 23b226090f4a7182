"""REST endpoints of complaint handling: list, read, create (write scope), workflow moves."""

# No `from __future__ import annotations` here: ninja resolves the annotations at import time.
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from sqms.core.access import ensure
from sqms.core.api import api_user
from sqms.core.roles import Area
from sqms.feedback import complaints as services
from sqms.feedback import complaints_selectors as selectors
from sqms.feedback.complaints_access import complaint_get_for_user
from sqms.feedback.models import (
    ComplaintCategory,
    ComplaintIntake,
    ComplaintSeverity,
    ComplaintStatus,
)
from sqms.org.access import services_visible_to, sites_visible_to
from sqms.org.models import Channel

router = Router(tags=["complaints"])

_ID = Field(None, ge=1, le=2**63 - 1)


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1)


class Filters(Schema):
    q: str = Field("", max_length=200)
    status: ComplaintStatus | None = None
    severity: ComplaintSeverity | None = None
    overdue: bool = False

    def to_filter(self) -> selectors.ComplaintFilter:
        return selectors.ComplaintFilter(
            q=self.q.replace("\x00", ""),
            status=self.status or "",
            severity=self.severity or "",
            overdue=self.overdue,
        )


class ComplaintOut(Schema):
    id: int
    reference: str
    intake: str
    status: str
    severity: str
    category_id: int | None
    subject: str
    description: str
    service_id: int | None
    site_id: int | None
    channel: str
    assignee_id: int | None
    received_at: dt.datetime
    ack_due_at: dt.datetime
    resolve_due_at: dt.datetime
    acknowledged_at: dt.datetime | None
    responded_at: dt.datetime | None
    closed_at: dt.datetime | None
    escalated: bool
    reply: str
    satisfaction: int | None
    reopen_count: int


class ComplaintIn(Schema):
    subject: str = Field(..., min_length=1, max_length=200)
    description: str = Field(..., min_length=1, max_length=10_000)
    severity: ComplaintSeverity = ComplaintSeverity.MEDIUM
    category_id: int | None = _ID
    service_id: int | None = _ID
    site_id: int | None = _ID
    channel: Channel | None = None
    language: str = Field("ko", pattern="^(ko|en)$")
    complainant_name: str = Field("", max_length=100)
    complainant_phone: str = Field("", max_length=40)
    complainant_email: str = Field("", max_length=100)
    consent: bool = False
    received_at: dt.datetime | None = None


class TransitionIn(Schema):
    to: ComplaintStatus
    reason: str = Field("", max_length=2000)


def _op(name: str) -> dict[str, Any]:
    return {"operation_id": f"sqms_feedback_api_{name}", "url_name": f"feedback_{name}"}


@router.get("/complaints/", response=list[ComplaintOut], **_op("complaint_list"))
@paginate(Pages, page_size=50)
def complaint_list(request: HttpRequest, filters: Query[Filters]) -> Any:
    ensure(request.user, Area.FEEDBACK)
    return selectors.complaint_list(user=request.user, filters=filters.to_filter())


@router.post("/complaints/", response={201: ComplaintOut}, **_op("complaint_create"))
def complaint_create(request: HttpRequest, payload: ComplaintIn) -> Any:
    ensure(request.user, Area.FEEDBACK, write=True)
    user = api_user(request)
    service = (
        services_visible_to(user).filter(pk=payload.service_id).first()
        if payload.service_id
        else None
    )
    site = sites_visible_to(user).filter(pk=payload.site_id).first() if payload.site_id else None
    category = (
        ComplaintCategory.objects.filter(pk=payload.category_id).first()
        if payload.category_id
        else None
    )
    if (payload.service_id and service is None) or (payload.site_id and site is None):
        raise PermissionDenied
    if payload.category_id and category is None:
        raise DjangoValidationError({"category_id": "No such category."})
    if payload.received_at is not None and payload.received_at.tzinfo is None:
        raise DjangoValidationError({"received_at": "Give the time zone, e.g. +09:00."})
    try:
        complaint = services.complaint_receive(
            actor=user,
            intake=ComplaintIntake.API,
            subject=payload.subject,
            description=payload.description,
            severity=payload.severity,
            category=category,
            service=service,
            site=site,
            channel=payload.channel or "",
            language=payload.language,
            complainant_name=payload.complainant_name,
            complainant_phone=payload.complainant_phone,
            complainant_email=payload.complainant_email,
            consent=payload.consent,
            received_at=payload.received_at,
        )
    except services.ComplaintInvalid as exc:
        raise DjangoValidationError(exc.errors) from exc
    return Status(201, complaint)


@router.get("/complaints/{pk}/", response=ComplaintOut, **_op("complaint_detail"))
def complaint_detail(request: HttpRequest, pk: int) -> Any:
    return complaint_get_for_user(user=request.user, pk=pk)


@router.post("/complaints/{pk}/transition/", response=ComplaintOut, **_op("complaint_transition"))
def complaint_transition(request: HttpRequest, pk: int, payload: TransitionIn) -> Any:
    complaint = complaint_get_for_user(user=request.user, pk=pk, write=True)
    services.complaint_transition(
        actor=api_user(request), complaint=complaint, to=payload.to, reason=payload.reason
    )
    return complaint_get_for_user(user=request.user, pk=pk)
