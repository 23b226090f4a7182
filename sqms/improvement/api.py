"""REST endpoints of the improvement app: nonconformances, their creation and workflow."""

# No `from __future__ import annotations` here: ninja resolves the annotations at import time.
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from sqms.core.access import ensure
from sqms.core.api import api_user
from sqms.core.roles import Area
from sqms.improvement import access, selectors, services
from sqms.improvement.models import NcStatus, Severity, SourceType
from sqms.org.access import services_visible_to, sites_visible_to
from sqms.standards.models import StandardVersion

router = Router(tags=["improvement"])

_ID = Field(None, ge=1, le=2**63 - 1)


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1)


class Filters(Schema):
    q: str = Field("", max_length=200)
    status: NcStatus | None = None
    severity: Severity | None = None
    source_type: SourceType | None = None
    service: int | None = _ID
    site: int | None = _ID

    def to_filter(self) -> selectors.NcFilter:
        return selectors.NcFilter(
            q=self.q.replace("\x00", ""),
            status=self.status or "",
            severity=self.severity or "",
            source_type=self.source_type or "",
            service=self.service,
            site=self.site,
        )


class NcOut(Schema):
    id: int
    number: str
    title: str
    description: str
    status: str
    severity: str
    source_type: str
    source_reference: str
    service_id: int | None
    site_id: int | None
    process: str
    standard_version_id: int | None
    detected_at: dt.datetime
    containment: str
    correction: str
    root_cause_id: int | None
    root_cause_statement: str
    recurrence_of_id: int | None
    closed_at: dt.datetime | None


class NcIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=20_000)
    source_type: SourceType = SourceType.MANUAL
    severity: Severity = Severity.MINOR
    source_reference: str = Field("", max_length=200)
    evidence: dict[str, Any] = Field(default_factory=dict)
    evidence_text: str = Field("", max_length=20_000)
    service_id: int | None = _ID
    site_id: int | None = _ID
    process: str = Field("", max_length=200)
    standard_version_id: int | None = _ID
    containment: str = Field("", max_length=20_000)
    correction: str = Field("", max_length=20_000)
    detected_at: dt.datetime | None = None


class TransitionIn(Schema):
    to: NcStatus
    reason: str = Field("", max_length=2000)
    # Closing only: the electronic signature.
    password: str = Field("", max_length=4096)
    printed_name: str = Field("", max_length=150)
    meaning: str = Field("", max_length=300)
    justification: str = Field("", max_length=4000)


def _op(name: str) -> dict[str, Any]:
    return {"operation_id": f"sqms_improvement_api_{name}", "url_name": name}


@router.get("/nonconformances/", response=list[NcOut], **_op("nonconformance_list"))
@paginate(Pages, page_size=50)
def nonconformance_list(request: HttpRequest, filters: Query[Filters]) -> Any:
    ensure(request.user, Area.IMPROVEMENT)
    return selectors.nonconformance_list(user=request.user, filters=filters.to_filter())


@router.post("/nonconformances/", response={201: NcOut}, **_op("nonconformance_create"))
def nonconformance_create(request: HttpRequest, payload: NcIn) -> Any:
    ensure(request.user, Area.IMPROVEMENT)
    user = api_user(request)
    data = payload.dict()
    service_id, site_id, version_id = (
        data.pop("service_id"),
        data.pop("site_id"),
        data.pop("standard_version_id"),
    )
    service = services_visible_to(user).filter(pk=service_id).first() if service_id else None
    site = sites_visible_to(user).filter(pk=site_id).first() if site_id else None
    version = StandardVersion.objects.filter(pk=version_id).first() if version_id else None
    if (service_id and service is None) or (site_id and site is None):
        raise PermissionDenied
    if version_id and version is None:
        raise PermissionDenied
    nc = services.nonconformance_report(
        actor=user, service=service, site=site, standard_version=version, **data
    )
    return Status(201, nc)


@router.get("/nonconformances/{pk}/", response=NcOut, **_op("nonconformance_detail"))
def nonconformance_detail(request: HttpRequest, pk: int) -> Any:
    return access.nonconformance_get_for_user(user=request.user, pk=pk)


@router.post(
    "/nonconformances/{pk}/transition/", response=NcOut, **_op("nonconformance_transition")
)
def nonconformance_transition(request: HttpRequest, pk: int, payload: TransitionIn) -> Any:
    nc = access.nonconformance_get_for_user(user=request.user, pk=pk, write=True)
    user = api_user(request)
    if payload.to == NcStatus.CLOSED:
        services.nonconformance_close(
            actor=user,
            nc=nc,
            password=payload.password,
            printed_name=payload.printed_name,
            meaning=payload.meaning,
            justification=payload.justification,
        )
    else:
        services.nonconformance_transition(actor=user, nc=nc, to=payload.to, reason=payload.reason)
    return access.nonconformance_get_for_user(user=request.user, pk=pk)
