"""Access helpers of the standards app: a stranger gets 404, a read-only role 403.

Metrics and the default calendar are organisation-wide; a user limited to some sites
(`Site.scoped_users`) reads them but cannot change them. Standards are visible for the
services offered at the user's sites; they too are organisation-wide for writing. A site's
calendar may be changed by a writer limited to that site.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from sqms.core.access import can, ensure
from sqms.core.roles import Area
from sqms.org.access import is_unrestricted, scoped_site_ids, services_visible_to
from sqms.standards.models import BusinessCalendar, Closure, Metric, ServiceStandard


def can_write(user: Any, *, org_wide: bool = True) -> bool:
    return can(user, Area.STANDARDS, write=True) and (not org_wide or is_unrestricted(user))


def metrics_visible_to(user: Any) -> QuerySet[Metric]:
    return Metric.objects.all()


def standards_visible_to(user: Any) -> QuerySet[ServiceStandard]:
    qs = ServiceStandard.objects.all()
    if is_unrestricted(user):
        return qs
    return qs.filter(service__in=services_visible_to(user))


def calendars_visible_to(user: Any) -> QuerySet[BusinessCalendar]:
    ids = scoped_site_ids(user)
    qs = BusinessCalendar.objects.all()
    return qs if ids is None else qs.filter(Q(site__isnull=True) | Q(site_id__in=ids))


def _get(qs: QuerySet[Any], pk: int, user: Any, *, write: bool, org_wide: bool) -> Any:
    ensure(user, Area.STANDARDS)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    if write and not can_write(user, org_wide=org_wide):
        raise PermissionDenied
    return obj


def metric_get_for_user(*, user: Any, pk: int, write: bool = False) -> Metric:
    metric: Metric = _get(metrics_visible_to(user), pk, user, write=write, org_wide=True)
    return metric


def standard_get_for_user(*, user: Any, pk: int, write: bool = False) -> ServiceStandard:
    qs = standards_visible_to(user).select_related("service", "metric", "owner")
    standard: ServiceStandard = _get(qs, pk, user, write=write, org_wide=True)
    return standard


def calendar_get_for_user(*, user: Any, pk: int, write: bool = False) -> BusinessCalendar:
    qs = calendars_visible_to(user).select_related("site")
    calendar: BusinessCalendar = _get(qs, pk, user, write=write, org_wide=False)
    if write and calendar.site_id is None and not is_unrestricted(user):
        raise PermissionDenied
    return calendar


def closure_get_for_user(*, user: Any, calendar: BusinessCalendar, pk: int) -> Closure:
    closure = calendar.closures.filter(pk=pk).first()
    if closure is None:
        raise Http404
    return closure
