"""REST endpoints of the dashboards (read from rollups) and of the inspections.

Mounted on the monitoring router (see the end of `sqms.monitoring.api`).
"""

# No `from __future__ import annotations` here: ninja resolves the annotations at import time.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from sqms.core.access import ensure
from sqms.core.api import api_user
from sqms.core.roles import Area
from sqms.monitoring import dashboards, inspections
from sqms.monitoring.dashboard_views import DashboardFilterForm
from sqms.monitoring.models import Inspection, ServiceRecord
from sqms.org.access import (
    employees_visible_to,
    services_visible_to,
    sites_visible_to,
    teams_visible_to,
)
from sqms.org.api import MAX_ID, Pages
from sqms.org.models import Channel

router = Router(tags=["monitoring"])


class DashboardQuery(Schema):
    service: int | None = Field(None, le=MAX_ID)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    site: int | None = Field(None, le=MAX_ID)
    team: int | None = Field(None, le=MAX_ID)
    channel: Channel | None = None


class PointOut(Schema):
    period_start: dt.datetime
    version_id: int
    n: int
    n_meeting: int
    value: float | None
    complies: bool | None
    violation: bool
    rules: list[str]


class CardOut(Schema):
    standard_id: int
    code: str
    name: str
    version: int | None
    objective: float | None
    share_meeting: float | None
    periods_complying: float | None
    light: str
    chart: str | None
    center: list[float | None]
    ucl: list[float | None]
    lcl: list[float | None]
    budget_remaining: float | None
    points: list[PointOut]


class DashboardOut(Schema):
    service_id: int | None
    segment: str
    date_from: dt.date
    date_to: dt.date
    cards: list[CardOut]


def _card(card: dashboards.StandardCard) -> dict[str, Any]:
    limits = card.limits
    flagged = limits.flagged if limits else [False] * len(card.points)
    rules = limits.rules if limits else [[] for _ in card.points]
    return {
        "standard_id": card.standard.pk,
        "code": card.standard.code,
        "name": card.standard.name,
        "version": card.version.version if card.version else None,
        "objective": card.objective,
        "share_meeting": card.share_meeting,
        "periods_complying": card.periods_complying,
        "light": str(card.light),
        "chart": limits.chart if limits else None,
        "center": limits.center if limits else [],
        "ucl": limits.ucl if limits else [],
        "lcl": limits.lcl if limits else [],
        "budget_remaining": card.burndown.status.budget_remaining if card.burndown else None,
        "points": [
            {
                "period_start": p.period_start,
                "version_id": p.version_id,
                "n": p.n,
                "n_meeting": p.n_meeting,
                "value": v,
                "complies": p.complies,
                "violation": bool(f),
                "rules": list(r),
            }
            for p, v, f, r in zip(card.points, card.display_values, flagged, rules, strict=False)
        ],
    }


@router.get(
    "/dashboard/",
    response=DashboardOut,
    url_name="monitoring_dashboard",
    summary="Service dashboard: compliance, control chart and error budget per standard",
)
def dashboard(request: HttpRequest, query: Query[DashboardQuery]) -> Any:
    ensure(request.user, Area.MONITORING)
    data = {k: "" if v is None else str(v) for k, v in query.dict().items()}
    if not data["service"]:
        first = services_visible_to(request.user).order_by("code").values_list("pk", flat=True)
        data["service"] = str(first[0]) if first else ""
    form = DashboardFilterForm(data, user=request.user)
    if not form.is_valid():
        raise DjangoValidationError(
            {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        )
    filters = form.to_filter()
    board = dashboards.service_dashboard(filters=filters)
    return {
        "service_id": filters.service_id,
        "segment": filters.segment,
        "date_from": filters.start,
        "date_to": filters.end,
        "cards": [_card(c) for c in board.cards],
    }


# --- inspections ------------------------------------------------------------------------------


class ChecklistItem(Schema):
    item: str = Field(..., min_length=1, max_length=200)
    passed: bool


class InspectionIn(Schema):
    service: int = Field(..., ge=1, le=MAX_ID)
    site: int = Field(..., ge=1, le=MAX_ID)
    team: int | None = Field(None, ge=1, le=MAX_ID)
    channel: Channel | None = None
    agent: int | None = Field(None, ge=1, le=MAX_ID)
    record: int | None = Field(None, ge=1, le=MAX_ID)
    inspected_at: dt.datetime
    score: Decimal = Field(..., ge=0, le=100, max_digits=5, decimal_places=2)
    checklist: list[ChecklistItem] = Field(default_factory=list, max_length=50)
    notes: str = Field("", max_length=5000)


class InspectionOut(Schema):
    id: int
    service_id: int
    site_id: int
    team_id: int | None
    channel: str
    agent_id: int | None
    record_id: int | None
    inspector_id: int
    inspected_at: dt.datetime
    score: Decimal
    checklist: list[dict[str, Any]]
    notes: str
    updated_at: dt.datetime


class InspectionFilters(Schema):
    service: int | None = Field(None, le=MAX_ID)
    site: int | None = Field(None, le=MAX_ID)
    agent: int | None = Field(None, le=MAX_ID)
    inspected_from: dt.datetime | None = None
    inspected_to: dt.datetime | None = None


def _resolve(request: HttpRequest, payload: InspectionIn) -> dict[str, Any]:
    """The payload's ids as visible objects; an unknown or hidden id names its field."""
    user = request.user
    errors: dict[str, list[str]] = {}

    def find(name: str, qs: Any, pk: int | None) -> Any:
        if pk is None:
            return None
        obj = qs.filter(pk=pk).first()
        if obj is None:
            errors[name] = [_("Choose an existing, visible record.")]
        return obj

    values = {
        "service": find("service", services_visible_to(user), payload.service),
        "site": find("site", sites_visible_to(user), payload.site),
        "team": find("team", teams_visible_to(user), payload.team),
        "agent": find("agent", employees_visible_to(user), payload.agent),
        "record": find(
            "record",
            ServiceRecord.objects.filter(site__in=sites_visible_to(user)),
            payload.record,
        ),
    }
    if errors:
        raise DjangoValidationError(errors)
    return values | {
        "channel": payload.channel or "",
        "inspected_at": payload.inspected_at,
        "score": payload.score,
        "checklist": [i.dict() for i in payload.checklist],
        "notes": payload.notes,
    }


@router.get(
    "/inspections/",
    response=list[InspectionOut],
    url_name="monitoring_inspection_list",
    summary="Inspection list",
)
@paginate(Pages, page_size=50)
def inspection_list(request: HttpRequest, filters: Query[InspectionFilters]) -> Any:
    ensure(request.user, Area.MONITORING)
    f = inspections.InspectionFilter(
        service=filters.service,
        site=filters.site,
        agent=filters.agent,
        inspected_from=filters.inspected_from,
        inspected_to=filters.inspected_to,
    )
    return inspections.inspection_list(user=request.user, filters=f)


@router.post(
    "/inspections/",
    response={201: InspectionOut},
    url_name="monitoring_inspection_create",
    summary="Record an inspection",
)
def inspection_create(request: HttpRequest, payload: InspectionIn) -> Any:
    ensure(request.user, Area.MONITORING, write=True)
    values = _resolve(request, payload)
    try:
        obj = inspections.inspection_create(actor=api_user(request), **values)
    except PermissionDenied:
        raise DjangoValidationError(
            {"site": [_("You may record inspections of your sites only.")]}
        ) from None
    return Status(201, obj)


@router.get(
    "/inspections/{pk}/",
    response=InspectionOut,
    url_name="monitoring_inspection_detail",
    summary="Inspection detail",
)
def inspection_detail(request: HttpRequest, pk: int) -> Inspection:
    if pk > MAX_ID:
        raise Http404
    return inspections.inspection_get_for_user(user=request.user, pk=pk)
