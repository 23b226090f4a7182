"""Reads of the monitoring app: service records, sources and import runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from sqms.monitoring.access import records_visible_to, runs_visible_to
from sqms.monitoring.models import ImportRowError, ImportRun, RecordSource, ServiceRecord


@dataclass(frozen=True)
class RecordFilter:
    service: int | None = None
    site: int | None = None
    source: int | None = None
    channel: str = ""
    received_from: dt.datetime | None = None
    received_to: dt.datetime | None = None


def record_list(*, user: Any, filters: RecordFilter) -> QuerySet[ServiceRecord]:
    qs = records_visible_to(user).select_related("service", "site", "source")
    if filters.service:
        qs = qs.filter(service_id=filters.service)
    if filters.site:
        qs = qs.filter(site_id=filters.site)
    if filters.source:
        qs = qs.filter(source_id=filters.source)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.received_from:
        qs = qs.filter(received_at__gte=filters.received_from)
    if filters.received_to:
        qs = qs.filter(received_at__lt=filters.received_to)
    return qs.order_by("-received_at", "-pk")


def run_list(*, user: Any) -> QuerySet[ImportRun]:
    return runs_visible_to(user).select_related("source", "created_by")


def run_errors(*, run: ImportRun) -> QuerySet[ImportRowError]:
    return run.errors.order_by("row", "pk")


def source_list() -> QuerySet[RecordSource]:
    return RecordSource.objects.order_by("name")
