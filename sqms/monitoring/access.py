"""Access helpers of the monitoring records: a stranger gets 404, a read-only role 403.

A site-limited user sees the records of their sites and the import runs they started.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from sqms.core.access import can, ensure
from sqms.core.roles import Area
from sqms.monitoring.models import ImportRun, RecordSource, ServiceRecord
from sqms.org.access import scoped_site_ids


def can_write(user: Any) -> bool:
    return can(user, Area.MONITORING, write=True)


def records_visible_to(user: Any) -> QuerySet[ServiceRecord]:
    ids = scoped_site_ids(user)
    qs = ServiceRecord.objects.all()
    return qs if ids is None else qs.filter(site_id__in=ids)


def runs_visible_to(user: Any) -> QuerySet[ImportRun]:
    qs = ImportRun.objects.all()
    return qs if scoped_site_ids(user) is None else qs.filter(created_by=user)


def _get(qs: QuerySet[Any], pk: int, user: Any, *, write: bool) -> Any:
    ensure(user, Area.MONITORING)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    if write and not can_write(user):
        raise PermissionDenied
    return obj


def source_get_for_user(*, user: Any, pk: int, write: bool = False) -> RecordSource:
    source: RecordSource = _get(RecordSource.objects.all(), pk, user, write=write)
    return source


def source_get_by_name_for_user(*, user: Any, name: str, write: bool = False) -> RecordSource:
    ensure(user, Area.MONITORING)
    source = RecordSource.objects.filter(name=name).first()
    if source is None:
        raise Http404
    if write and not can_write(user):
        raise PermissionDenied
    return source


def record_get_for_user(*, user: Any, pk: int) -> ServiceRecord:
    qs = records_visible_to(user).select_related("source", "service", "site", "team", "agent")
    record: ServiceRecord = _get(qs, pk, user, write=False)
    return record


def run_get_for_user(*, user: Any, pk: int, write: bool = False) -> ImportRun:
    qs = runs_visible_to(user).select_related("source", "created_by")
    run: ImportRun = _get(qs, pk, user, write=write)
    return run
