"""One access helper per organisation record: a stranger gets 404, a read-only role 403.

A user listed on one or more sites (`Site.scoped_users`) is limited to those sites: records of
other sites do not exist for them, and organisation-wide records (services, job roles, new
sites) are read-only to them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from sqms.core.access import can, ensure
from sqms.core.roles import Area
from sqms.org.models import Employee, JobRole, Service, Site, Team


def scoped_site_ids(user: Any) -> set[int] | None:
    """The sites a user is limited to, or None for every site."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cache = "_sqms_scoped_site_ids"
    if not hasattr(user, cache):
        ids = set(user.scoped_sites.values_list("pk", flat=True))
        setattr(user, cache, ids or None)
    result: set[int] | None = getattr(user, cache)
    return result


def is_unrestricted(user: Any) -> bool:
    return scoped_site_ids(user) is None


def sites_visible_to(user: Any) -> QuerySet[Site]:
    ids = scoped_site_ids(user)
    qs = Site.objects.all()
    return qs if ids is None else qs.filter(pk__in=ids)


def teams_visible_to(user: Any) -> QuerySet[Team]:
    ids = scoped_site_ids(user)
    qs = Team.objects.all()
    return qs if ids is None else qs.filter(site_id__in=ids)


def employees_visible_to(user: Any) -> QuerySet[Employee]:
    ids = scoped_site_ids(user)
    qs = Employee.objects.all()
    return qs if ids is None else qs.filter(site_id__in=ids)


def services_visible_to(user: Any) -> QuerySet[Service]:
    ids = scoped_site_ids(user)
    qs = Service.objects.all()
    return qs if ids is None else qs.filter(sites__in=ids).distinct()


def job_roles_visible_to(user: Any) -> QuerySet[JobRole]:
    return JobRole.objects.all()


def can_create(user: Any, *, org_wide: bool) -> bool:
    return can(user, Area.ORG, write=True) and (is_unrestricted(user) or not org_wide)


def _get(qs: QuerySet[Any], pk: int, user: Any, *, write: bool, org_wide: bool) -> Any:
    ensure(user, Area.ORG)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    if write and not (can(user, Area.ORG, write=True) and (not org_wide or is_unrestricted(user))):
        raise PermissionDenied
    return obj


def site_get_for_user(*, user: Any, pk: int, write: bool = False) -> Site:
    site: Site = _get(sites_visible_to(user), pk, user, write=write, org_wide=False)
    return site


def team_get_for_user(*, user: Any, pk: int, write: bool = False) -> Team:
    team: Team = _get(
        teams_visible_to(user).select_related("site"), pk, user, write=write, org_wide=False
    )
    return team


def employee_get_for_user(*, user: Any, pk: int, write: bool = False) -> Employee:
    qs = employees_visible_to(user).select_related("site", "team", "job_role", "user")
    employee: Employee = _get(qs, pk, user, write=write, org_wide=False)
    return employee


def service_get_for_user(*, user: Any, pk: int, write: bool = False) -> Service:
    service: Service = _get(
        services_visible_to(user).select_related("owner"), pk, user, write=write, org_wide=True
    )
    return service


def job_role_get_for_user(*, user: Any, pk: int, write: bool = False) -> JobRole:
    role: JobRole = _get(job_roles_visible_to(user), pk, user, write=write, org_wide=True)
    return role
