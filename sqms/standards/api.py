"""REST endpoints of the standards app: metrics and versioned service standards."""

# No `from __future__ import annotations` here: ninja resolves the annotations at import time.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import AwareDatetime, field_validator

from sqms.core.access import ensure
from sqms.core.api import api_user
from sqms.core.roles import Area
from sqms.org.access import service_get_for_user
from sqms.org.api import MAX_ID, Pages, Payload
from sqms.standards import access, selectors, services
from sqms.standards.models import (
    Aggregation,
    Basis,
    Comparison,
    Direction,
    Metric,
    MetricSource,
    Period,
    Segment,
    ServiceStandard,
    StandardVersion,
    Unit,
)
from sqms.standards.selectors import StandardsFilter

router = Router(tags=["standards"])

Code = Field(..., min_length=1, max_length=20)
FieldName = Field("", max_length=63)
Threshold = Field(..., max_digits=14, decimal_places=4)
Objective = Field(..., gt=0, le=100, max_digits=5, decimal_places=2)


class MetricOut(Schema):
    id: int
    code: str
    name: str
    description: str
    source: str
    start_field: str
    end_field: str
    business_time: bool
    value_field: str
    category_values: list[str]
    aggregation: str
    rate_base: int | None
    direction: str
    unit: str
    archived_at: dt.datetime | None


class MetricIn(Payload):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=5000)
    source: MetricSource
    start_field: str = FieldName
    end_field: str = FieldName
    business_time: bool = False
    value_field: str = FieldName
    category_values: list[str] = Field([], max_length=100)
    aggregation: Aggregation
    rate_base: int | None = Field(None, ge=1, le=1_000_000_000)
    direction: Direction
    unit: Unit

    @field_validator("category_values")
    @classmethod
    def _short_values(cls, values: list[str]) -> list[str]:
        if any(len(v) > 100 for v in values):
            raise ValueError(_("A category may have at most 100 characters."))
        return values


class VersionOut(Schema):
    version: int
    effective_from: dt.datetime
    threshold: Decimal
    comparison: str
    compliance_objective: Decimal
    period: str
    segments: list[str]
    basis: str
    basis_reference: str
    reason: str
    created_by: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_created_by(obj: StandardVersion) -> str | None:
        return obj.created_by.get_username() if obj.created_by else None


class StandardOut(Schema):
    id: int
    code: str
    name: str
    description: str
    service_id: int
    metric_id: int
    owner_id: int | None
    archived_at: dt.datetime | None
    current_version: VersionOut | None
    versions: list[VersionOut]

    @staticmethod
    def resolve_versions(obj: ServiceStandard) -> list[StandardVersion]:
        return _versions(obj)

    @staticmethod
    def resolve_current_version(obj: ServiceStandard) -> StandardVersion | None:
        return selectors.version_in_effect(_versions(obj), timezone.now())


def _versions(obj: ServiceStandard) -> list[StandardVersion]:
    loaded = getattr(obj, "version_list", None)
    if loaded is None:
        loaded = list(selectors.standard_versions(standard=obj))
        obj.version_list = loaded  # type: ignore[attr-defined]
    return list(loaded)


class StandardIn(Payload):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    service_id: int = Field(..., le=MAX_ID)
    metric_id: int = Field(..., le=MAX_ID)
    threshold: Decimal = Threshold
    comparison: Comparison | None = None
    compliance_objective: Decimal = Objective
    period: Period
    segments: list[Segment] = []
    basis: Basis
    basis_reference: str = Field("", max_length=300)
    effective_from: AwareDatetime | None = None
    reason: str = Field("", max_length=1000)


class ReviseIn(Payload):
    reason: str = Field(..., min_length=1, max_length=1000)
    effective_from: AwareDatetime | None = None
    threshold: Decimal | None = Field(None, max_digits=14, decimal_places=4)
    comparison: Comparison | None = None
    compliance_objective: Decimal | None = Field(None, gt=0, le=100, max_digits=5, decimal_places=2)
    period: Period | None = None
    segments: list[Segment] | None = None
    basis: Basis | None = None
    basis_reference: str | None = Field(None, max_length=300)


class MetricFilters(Schema):
    q: str = Field("", max_length=100)
    source: MetricSource | None = None
    archived: bool = False


class StandardFilters(Schema):
    q: str = Field("", max_length=100)
    service: int | None = Field(None, le=MAX_ID)
    metric: int | None = Field(None, le=MAX_ID)
    period: Period | None = None
    basis: Basis | None = None
    archived: bool = False


def _ensure_write(request: HttpRequest) -> None:
    ensure(request.user, Area.STANDARDS, write=True)
    if not access.can_write(request.user):
        raise PermissionDenied


def _unknown(field: str, pk: int) -> ValidationError:
    return ValidationError({field: [_("No record with id %(pk)s.") % {"pk": pk}]})


# --- metrics --------------------------------------------------------------------------------


@router.get("/metrics/", response=list[MetricOut], url_name="metric_list", summary="Metric list")
@paginate(Pages, page_size=50)
def metric_list(request: HttpRequest, filters: Query[MetricFilters]) -> Any:
    ensure(request.user, Area.STANDARDS)
    f = StandardsFilter(
        q=filters.q.replace("\x00", ""), source=filters.source or "", archived=filters.archived
    )
    return selectors.metric_list(user=request.user, filters=f)


@router.get("/metrics/{pk}/", response=MetricOut, url_name="metric_detail", summary="Metric detail")
def metric_detail(request: HttpRequest, pk: int) -> Metric:
    return access.metric_get_for_user(user=request.user, pk=pk)


@router.post(
    "/metrics/", response={201: MetricOut}, url_name="metric_create", summary="Metric create"
)
def metric_create(request: HttpRequest, payload: MetricIn) -> Any:
    _ensure_write(request)
    data = payload.dict()
    for name in ("source", "aggregation", "direction", "unit"):
        data[name] = str(data[name])
    return Status(201, services.metric_create(actor=api_user(request), **data))


# --- service standards ----------------------------------------------------------------------


@router.get("/", response=list[StandardOut], url_name="standard_list", summary="Standard list")
@paginate(Pages, page_size=50)
def standard_list(request: HttpRequest, filters: Query[StandardFilters]) -> Any:
    ensure(request.user, Area.STANDARDS)
    f = StandardsFilter(
        q=filters.q.replace("\x00", ""),
        service=filters.service,
        metric=filters.metric,
        period=filters.period or "",
        basis=filters.basis or "",
        archived=filters.archived,
    )
    return selectors.standard_list(user=request.user, filters=f)


@router.get("/{pk}/", response=StandardOut, url_name="standard_detail", summary="Standard detail")
def standard_detail(request: HttpRequest, pk: int) -> ServiceStandard:
    return access.standard_get_for_user(user=request.user, pk=pk)


@router.post(
    "/", response={201: StandardOut}, url_name="standard_create", summary="Standard create"
)
def standard_create(request: HttpRequest, payload: StandardIn) -> Any:
    _ensure_write(request)
    data = payload.dict()
    service_id, metric_id = data.pop("service_id"), data.pop("metric_id")
    try:
        service = service_get_for_user(user=request.user, pk=service_id)
    except Http404:
        raise _unknown("service_id", service_id) from None
    try:
        metric = access.metric_get_for_user(user=request.user, pk=metric_id)
    except Http404:
        raise _unknown("metric_id", metric_id) from None
    data["comparison"] = str(data["comparison"] or "")
    data["segments"] = [str(s) for s in data["segments"]]
    for name in ("period", "basis"):
        data[name] = str(data[name])
    standard = services.standard_create(
        actor=api_user(request), service=service, metric=metric, **data
    )
    return Status(201, standard)


@router.post(
    "/{pk}/revise/",
    response={201: VersionOut},
    url_name="standard_revise",
    summary="Standard revise: create the next version",
)
def standard_revise(request: HttpRequest, pk: int, payload: ReviseIn) -> Any:
    standard = access.standard_get_for_user(user=request.user, pk=pk, write=True)
    data = payload.dict(exclude_unset=True)
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("reason", "effective_from") or value is None:
            continue
        if key == "segments":
            changes[key] = [str(s) for s in value]
        else:
            changes[key] = value if isinstance(value, Decimal) else str(value)
    version = services.standard_revise(
        actor=api_user(request),
        standard=standard,
        reason=data["reason"],
        effective_from=data.get("effective_from"),
        **changes,
    )
    return Status(201, version)
