"""REST endpoints of the improvement app: nonconformances, initiatives and suggestions."""

# No `from __future__ import annotations` here: ninja resolves the annotations at import time.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from sqms.core.access import ensure
from sqms.core.api import api_user
from sqms.core.exceptions import SqmsError
from sqms.core.models import User
from sqms.core.roles import Area
from sqms.improvement import access, selectors, services
from sqms.improvement.models import (
    NcStatus,
    Priority,
    Severity,
    SourceType,
    Stage,
    SuggestionStatus,
)
from sqms.org.access import services_visible_to, sites_visible_to
from sqms.standards.models import Metric, ServiceStandard, StandardVersion

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


# --- improvement initiatives ------------------------------------------------------------------


class InitiativeFilters(Schema):
    q: str = Field("", max_length=200)
    stage: Stage | None = None
    priority: Priority | None = None
    service: int | None = _ID
    site: int | None = _ID

    def to_filter(self) -> selectors.InitiativeFilter:
        return selectors.InitiativeFilter(
            q=self.q.replace("\x00", ""),
            stage=self.stage or "",
            priority=self.priority or "",
            service=self.service,
            site=self.site,
        )


class InitiativeOut(Schema):
    id: int
    number: str
    title: str
    description: str
    stage: str
    priority: str
    owner_id: int
    service_id: int | None
    site_id: int | None
    standard_id: int | None
    metric_id: int | None
    unit: str
    expected_benefit: Decimal | None
    realised_benefit: Decimal | None
    nonconformance_id: int | None
    completed_at: dt.datetime | None
    created_at: dt.datetime


_BENEFIT = Field(None, ge=-(10**10), le=10**10, max_digits=14, decimal_places=4)


class InitiativeIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=20_000)
    priority: Priority = Priority.MEDIUM
    owner_id: int | None = _ID
    service_id: int | None = _ID
    site_id: int | None = _ID
    standard_id: int | None = _ID
    metric_id: int | None = _ID
    unit: str = Field("", max_length=40)
    expected_benefit: Decimal | None = _BENEFIT
    realised_benefit: Decimal | None = _BENEFIT


class StageIn(Schema):
    to: Stage
    reason: str = Field("", max_length=2000)


@router.get("/initiatives/", response=list[InitiativeOut], **_op("initiative_list"))
@paginate(Pages, page_size=50)
def initiative_list(request: HttpRequest, filters: Query[InitiativeFilters]) -> Any:
    ensure(request.user, Area.IMPROVEMENT)
    return selectors.initiative_list(user=request.user, filters=filters.to_filter())


@router.post("/initiatives/", response={201: InitiativeOut}, **_op("initiative_create"))
def initiative_create(request: HttpRequest, payload: InitiativeIn) -> Any:
    ensure(request.user, Area.IMPROVEMENT, write=True)
    user = api_user(request)
    data = payload.dict()
    refs: dict[str, Any] = {}
    lookups: dict[str, Any] = {
        "owner": User.objects.filter(is_active=True),
        "service": services_visible_to(user),
        "site": sites_visible_to(user),
        "standard": ServiceStandard.objects.all(),
        "metric": Metric.objects.all(),
    }
    for name, qs in lookups.items():
        pk = data.pop(f"{name}_id")
        if pk:
            refs[name] = qs.filter(pk=pk).first()
            if refs[name] is None:
                raise PermissionDenied
    owner = refs.pop("owner", None) or user
    initiative = services.initiative_create(actor=user, owner=owner, **data, **refs)
    return Status(201, initiative)


@router.get("/initiatives/{pk}/", response=InitiativeOut, **_op("initiative_detail"))
def initiative_detail(request: HttpRequest, pk: int) -> Any:
    return access.initiative_get_for_user(user=request.user, pk=pk)


@router.post("/initiatives/{pk}/transition/", response=InitiativeOut, **_op("initiative_move"))
def initiative_move(request: HttpRequest, pk: int, payload: StageIn) -> Any:
    initiative = access.initiative_get_for_user(user=request.user, pk=pk, write=True)
    return services.initiative_move(
        actor=api_user(request), initiative=initiative, to=payload.to, reason=payload.reason
    )


# --- suggestions ------------------------------------------------------------------------------


class SuggestionFilters(Schema):
    q: str = Field("", max_length=200)
    status: SuggestionStatus | None = None
    sort: str = Field("new", pattern="^(new|votes)$")

    def to_filter(self) -> selectors.SuggestionFilter:
        return selectors.SuggestionFilter(
            q=self.q.replace("\x00", ""), status=self.status or "", sort=self.sort
        )


class SuggestionOut(Schema):
    """The submitter is never part of the answer: anonymous ideas stay anonymous, and the
    others are named on the page only."""

    id: int
    number: str
    title: str
    body: str
    anonymous: bool
    status: str
    service_id: int | None
    site_id: int | None
    team_id: int | None = None
    merged_into_id: int | None
    initiative_id: int | None
    decline_reason: str
    votes: int
    created_at: dt.datetime

    @staticmethod
    def resolve_votes(obj: Any) -> int:
        n = getattr(obj, "n_votes", None)
        return int(n) if n is not None else obj.votes.count()

    @staticmethod
    def resolve_team_id(obj: Any) -> int | None:
        return None if obj.anonymous else obj.team_id


class SuggestionIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=20_000)
    anonymous: bool = False
    service_id: int | None = _ID


class TriageIn(Schema):
    decision: str = Field(..., pattern="^(accept|merge|decline|vote)$")
    reason: str = Field("", max_length=4000)
    into_id: int | None = _ID
    owner_id: int | None = _ID
    priority: Priority = Priority.MEDIUM


@router.get("/suggestions/", response=list[SuggestionOut], **_op("suggestion_list"))
@paginate(Pages, page_size=50)
def suggestion_list(request: HttpRequest, filters: Query[SuggestionFilters]) -> Any:
    ensure(request.user, Area.IMPROVEMENT)
    return selectors.suggestion_list(user=request.user, filters=filters.to_filter())


@router.post("/suggestions/", response={201: SuggestionOut}, **_op("suggestion_create"))
def suggestion_create(request: HttpRequest, payload: SuggestionIn) -> Any:
    ensure(request.user, Area.IMPROVEMENT)
    user = api_user(request)
    service = None
    if payload.service_id:
        service = services_visible_to(user).filter(pk=payload.service_id).first()
        if service is None:
            raise PermissionDenied
    suggestion = services.suggestion_submit(
        actor=user,
        title=payload.title,
        body=payload.body,
        anonymous=payload.anonymous,
        service=service,
    )
    return Status(201, suggestion)


@router.get("/suggestions/{pk}/", response=SuggestionOut, **_op("suggestion_detail"))
def suggestion_detail(request: HttpRequest, pk: int) -> Any:
    return access.suggestion_get_for_user(user=request.user, pk=pk)


@router.post(
    "/suggestions/{pk}/transition/", response=SuggestionOut, **_op("suggestion_transition")
)
def suggestion_transition(request: HttpRequest, pk: int, payload: TriageIn) -> Any:
    """Triage by the quality team (accept, merge, decline), or "vote" to toggle one's vote."""
    user = api_user(request)
    write = payload.decision != "vote"
    suggestion = access.suggestion_get_for_user(user=request.user, pk=pk, write=write)
    if payload.decision == "vote":
        services.suggestion_vote_toggle(actor=user, suggestion=suggestion)
    elif payload.decision == "accept":
        owner = None
        if payload.owner_id:
            owner = User.objects.filter(is_active=True, pk=payload.owner_id).first()
            if owner is None:
                raise PermissionDenied
        services.suggestion_accept(
            actor=user, suggestion=suggestion, owner=owner, priority=payload.priority
        )
    elif payload.decision == "merge":
        into = (
            access.suggestions_visible_to(user).filter(pk=payload.into_id).first()
            if payload.into_id
            else None
        )
        if into is None:
            raise SqmsError(_("Choose the suggestion to merge into."))
        services.suggestion_merge(actor=user, suggestion=suggestion, into=into)
    else:
        services.suggestion_decline(actor=user, suggestion=suggestion, reason=payload.reason)
    return access.suggestion_get_for_user(user=request.user, pk=pk)
