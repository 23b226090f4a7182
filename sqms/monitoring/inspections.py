"""Inspections: access, writes (audited), reads, and their scores as metric measurements.

A site-limited user sees and records the inspections of their sites only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from sqms.core.access import can, ensure
from sqms.core.models import User
from sqms.core.records import record_create, record_update
from sqms.core.roles import Area
from sqms.monitoring.models import Inspection, ServiceRecord
from sqms.org.access import scoped_site_ids
from sqms.org.models import Employee, Service, Site, Team
from sqms.standards.measurements import Measurements
from sqms.standards.models import Metric

EDITABLE = (
    "service",
    "site",
    "team",
    "channel",
    "agent",
    "inspected_at",
    "score",
    "checklist",
    "notes",
    "record",
)


# --- access ------------------------------------------------------------------------------------


def can_write(user: Any) -> bool:
    return can(user, Area.MONITORING, write=True)


def inspections_visible_to(user: Any) -> QuerySet[Inspection]:
    ids = scoped_site_ids(user)
    qs = Inspection.objects.all()
    return qs if ids is None else qs.filter(site_id__in=ids)


def inspection_get_for_user(*, user: Any, pk: int, write: bool = False) -> Inspection:
    """A stranger (or another site's inspection) gets 404, a read-only role 403."""
    ensure(user, Area.MONITORING)
    qs = inspections_visible_to(user).select_related(
        "service", "site", "team", "agent", "inspector", "record"
    )
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    if write and not can_write(user):
        raise PermissionDenied
    return obj


# --- writes -----------------------------------------------------------------------------------


def _check_site(actor: User | None, site: Site) -> None:
    ids = scoped_site_ids(actor) if actor is not None else None
    if ids is not None and site.pk not in ids:
        raise PermissionDenied


@transaction.atomic
def inspection_create(
    *,
    actor: User,
    service: Service,
    site: Site,
    inspected_at: dt.datetime,
    score: Decimal,
    checklist: list[dict[str, Any]] | None = None,
    team: Team | None = None,
    channel: str = "",
    agent: Employee | None = None,
    notes: str = "",
    record: ServiceRecord | None = None,
    inspector: User | None = None,
) -> Inspection:
    _check_site(actor, site)
    obj = Inspection(
        service=service,
        site=site,
        team=team,
        channel=channel,
        agent=agent,
        inspector=inspector or actor,
        inspected_at=inspected_at,
        score=score,
        checklist=checklist or [],
        notes=notes,
        record=record,
    )
    return record_create(actor=actor, obj=obj)


@transaction.atomic
def inspection_update(
    *, actor: User, inspection: Inspection, reason: str = "", **fields: Any
) -> Inspection:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    _check_site(actor, fields.get("site", inspection.site))
    return record_update(actor=actor, obj=inspection, fields=fields, reason=reason)


# --- reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionFilter:
    service: int | None = None
    site: int | None = None
    agent: int | None = None
    inspected_from: dt.datetime | None = None
    inspected_to: dt.datetime | None = None
    score_below: Decimal | None = None


def inspection_list(*, user: Any, filters: InspectionFilter) -> QuerySet[Inspection]:
    qs = inspections_visible_to(user).select_related("service", "site", "agent", "inspector")
    if filters.service:
        qs = qs.filter(service_id=filters.service)
    if filters.site:
        qs = qs.filter(site_id=filters.site)
    if filters.agent:
        qs = qs.filter(agent_id=filters.agent)
    if filters.inspected_from:
        qs = qs.filter(inspected_at__gte=filters.inspected_from)
    if filters.inspected_to:
        qs = qs.filter(inspected_at__lt=filters.inspected_to)
    if filters.score_below is not None:
        qs = qs.filter(score__lt=filters.score_below)
    return qs.order_by("-inspected_at", "-pk")


def checklist_summary(inspection: Inspection) -> tuple[int, int]:
    """(items passed, items) of the inspection's checklist."""
    items = inspection.checklist if isinstance(inspection.checklist, list) else []
    return sum(1 for i in items if isinstance(i, dict) and i.get("passed") is True), len(items)


# --- measurements -----------------------------------------------------------------------------


def inspection_measurements(
    *, metric: Metric, service_id: int, start: dt.datetime, end: dt.datetime
) -> Measurements:
    """The scores of the service's inspections in [start, end), for a metric with the
    "inspection score" source: one value (0–100) per inspection, attributed to its time."""
    del metric  # every inspection-score metric measures the score itself
    rows = list(
        Inspection.objects.filter(
            service_id=service_id, inspected_at__gte=start, inspected_at__lt=end
        )
        .order_by("inspected_at", "pk")
        .values_list("inspected_at", "site_id", "team_id", "channel", "agent_id", "score")
    )
    if not rows:
        return Measurements.empty()
    at = np.array(
        [r[0].astimezone(dt.UTC).replace(tzinfo=None) for r in rows], dtype="datetime64[us]"
    )
    return Measurements(
        at=at,
        site=np.array([r[1] or 0 for r in rows], dtype=np.int64),
        team=np.array([r[2] or 0 for r in rows], dtype=np.int64),
        channel=np.array([r[3] or "" for r in rows], dtype=np.str_),
        agent=np.array([r[4] or 0 for r in rows], dtype=np.int64),
        value=np.array([float(r[5]) for r in rows], dtype=np.float64),
    )
