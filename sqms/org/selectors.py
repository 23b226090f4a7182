"""Reads of the organisation, always through what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, Q, QuerySet

from sqms.org.access import (
    employees_visible_to,
    job_roles_visible_to,
    services_visible_to,
    sites_visible_to,
    teams_visible_to,
)
from sqms.org.models import Employee, JobRole, Service, Site, Team


@dataclass(frozen=True)
class OrgFilter:
    q: str = ""
    site: int | None = None
    team: int | None = None
    job_role: int | None = None
    channel: str = ""
    archived: bool = False


def _archived[M: models.Model](qs: QuerySet[M], f: OrgFilter) -> QuerySet[M]:
    return qs.filter(archived_at__isnull=not f.archived)


def site_list(*, user: Any, filters: OrgFilter) -> QuerySet[Site]:
    qs: QuerySet[Site] = _archived(sites_visible_to(user), filters)
    if filters.q:
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(code__icontains=filters.q)
            | Q(address__icontains=filters.q)
        )
    return qs.annotate(
        employee_count=Count(
            "employees", filter=Q(employees__archived_at__isnull=True), distinct=True
        ),
        team_count=Count("teams", filter=Q(teams__archived_at__isnull=True), distinct=True),
    ).order_by("code")


def team_list(*, user: Any, filters: OrgFilter) -> QuerySet[Team]:
    qs: QuerySet[Team] = _archived(teams_visible_to(user), filters).select_related("site")
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    if filters.site:
        qs = qs.filter(site_id=filters.site)
    return qs.annotate(
        member_count=Count("members", filter=Q(members__archived_at__isnull=True))
    ).order_by("site__code", "code")


def employee_list(*, user: Any, filters: OrgFilter) -> QuerySet[Employee]:
    qs = _archived(employees_visible_to(user), filters).select_related("site", "team", "job_role")
    if filters.q:
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(employee_no__icontains=filters.q)
            | Q(email__icontains=filters.q)
        )
    if filters.site:
        qs = qs.filter(site_id=filters.site)
    if filters.team:
        qs = qs.filter(team_id=filters.team)
    if filters.job_role:
        qs = qs.filter(job_role_id=filters.job_role)
    return qs.order_by("name", "employee_no")


def service_list(*, user: Any, filters: OrgFilter) -> QuerySet[Service]:
    qs = (
        _archived(services_visible_to(user), filters)
        .select_related("owner")
        .prefetch_related("sites")
    )
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    if filters.site:
        qs = qs.filter(sites=filters.site)
    if filters.channel:
        # JSON text contains the quoted code: portable across SQLite and PostgreSQL.
        qs = qs.filter(channels__icontains=f'"{filters.channel}"')
    return qs.order_by("code")


def job_role_list(*, user: Any, filters: OrgFilter) -> QuerySet[JobRole]:
    qs: QuerySet[JobRole] = _archived(job_roles_visible_to(user), filters)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    return qs.annotate(
        employee_count=Count("employees", filter=Q(employees__archived_at__isnull=True))
    ).order_by("name")


def org_counts(*, user: Any) -> dict[str, int]:
    return {
        "sites": sites_visible_to(user).filter(archived_at__isnull=True).count(),
        "teams": teams_visible_to(user).filter(archived_at__isnull=True).count(),
        "employees": employees_visible_to(user).filter(archived_at__isnull=True).count(),
        "services": services_visible_to(user).filter(archived_at__isnull=True).count(),
    }
