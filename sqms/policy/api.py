"""REST endpoints of the policy app: objectives (with computed progress) and management reviews."""

# No `from __future__ import annotations` here: ninja resolves the annotations at import time.
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from sqms.core.access import ensure
from sqms.core.api import api_user
from sqms.core.models import User
from sqms.core.roles import Area
from sqms.org.access import sites_visible_to, teams_visible_to
from sqms.policy import access, selectors, services
from sqms.policy.models import Objective, Review
from sqms.standards.models import ServiceStandard

router = Router(tags=["policy"])

_ID = Field(None, ge=1, le=2**63 - 1)
_VALUE = Field(..., ge=-1e9, le=1e9)


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1)


class ProgressOut(Schema):
    current: float | None
    progress: float | None
    elapsed: float
    health: str
    as_of: dt.date


class ObjectiveOut(Schema):
    id: int
    statement_ko: str
    statement_en: str
    standard_id: int
    site_id: int | None
    team_id: int | None
    level: str
    segment: str
    baseline: float
    target: float
    start_on: dt.date
    deadline: dt.date
    owner_id: int
    parent_id: int | None
    status: str
    plan_what: str
    plan_resources: str
    plan_who: str
    plan_when: str
    plan_evaluation: str
    progress: ProgressOut


class ObjectiveIn(Schema):
    statement_ko: str = Field(..., min_length=1, max_length=300)
    statement_en: str = Field("", max_length=300)
    standard_id: int = Field(..., ge=1, le=2**63 - 1)
    site_id: int | None = _ID
    team_id: int | None = _ID
    parent_id: int | None = _ID
    owner_id: int | None = _ID
    baseline: float = _VALUE
    target: float = _VALUE
    start_on: dt.date | None = None
    deadline: dt.date
    plan_what: str = Field("", max_length=20_000)
    plan_resources: str = Field("", max_length=20_000)
    plan_who: str = Field("", max_length=300)
    plan_when: str = Field("", max_length=300)
    plan_evaluation: str = Field("", max_length=20_000)


class ReviewOut(Schema):
    id: int
    title: str
    meeting_date: dt.date
    period_start: dt.date
    period_end: dt.date
    status: str
    held_at: dt.datetime | None
    other_attendees: str
    minutes: str
    decisions: str


class ReviewDetailOut(ReviewOut):
    attendee_ids: list[int]
    pack: dict[str, Any]
    pack_frozen: bool


def _op(name: str) -> dict[str, Any]:
    return {"operation_id": f"sqms_policy_api_{name}", "url_name": name}


def _objective_out(o: Objective) -> dict[str, Any]:
    p = selectors.objective_progress(objective=o)
    return {
        **{f: getattr(o, f) for f in ObjectiveOut.model_fields if hasattr(o, f)},
        "baseline": float(o.baseline),
        "target": float(o.target),
        "segment": selectors.objective_segment(o),
        "progress": {
            "current": p.current,
            "progress": p.progress,
            "elapsed": p.elapsed,
            "health": p.health,
            "as_of": p.as_of,
        },
    }


@router.get("/objectives/", response=list[ObjectiveOut], **_op("objective_list"))
@paginate(Pages, page_size=50)
def objective_list(request: HttpRequest) -> Any:
    ensure(request.user, Area.POLICY)
    return [_objective_out(o) for o in selectors.objective_list(user=request.user)]


@router.post("/objectives/", response={201: ObjectiveOut}, **_op("objective_create"))
def objective_create(request: HttpRequest, payload: ObjectiveIn) -> Any:
    ensure(request.user, Area.POLICY, write=True)
    user = api_user(request)
    data = payload.dict()
    standard = ServiceStandard.objects.filter(pk=data.pop("standard_id")).first()
    site_id, team_id, parent_id, owner_id = (
        data.pop("site_id"),
        data.pop("team_id"),
        data.pop("parent_id"),
        data.pop("owner_id"),
    )
    site = sites_visible_to(user).filter(pk=site_id).first() if site_id else None
    team = teams_visible_to(user).filter(pk=team_id).first() if team_id else None
    parent = access.objectives_visible_to(user).filter(pk=parent_id).first() if parent_id else None
    owner = User.objects.filter(pk=owner_id, is_active=True).first() if owner_id else user
    if (
        standard is None
        or (site_id and site is None)
        or (team_id and team is None)
        or (parent_id and parent is None)
        or owner is None
    ):
        raise PermissionDenied
    objective = services.objective_create(
        actor=user,
        standard=standard,
        site=site,
        team=team,
        parent=parent,
        owner=owner,
        **data,
    )
    return Status(201, _objective_out(objective))


@router.get("/objectives/{pk}/", response=ObjectiveOut, **_op("objective_detail"))
def objective_detail(request: HttpRequest, pk: int) -> Any:
    return _objective_out(access.objective_get_for_user(user=request.user, pk=pk))


@router.get("/reviews/", response=list[ReviewOut], **_op("review_list"))
@paginate(Pages, page_size=50)
def review_list(request: HttpRequest) -> Any:
    ensure(request.user, Area.POLICY)
    return selectors.review_list()


@router.get("/reviews/{pk}/", response=ReviewDetailOut, **_op("review_detail"))
def review_detail(request: HttpRequest, pk: int) -> Any:
    review: Review = access.review_get_for_user(user=request.user, pk=pk)
    return {
        **{f: getattr(review, f) for f in ReviewOut.model_fields},
        "attendee_ids": sorted(review.attendees.values_list("pk", flat=True)),
        "pack": selectors.review_pack(review=review),
        "pack_frozen": review.is_frozen,
    }
