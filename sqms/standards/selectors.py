"""Reads of the standards app, always through what the user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from sqms.org.models import Site
from sqms.standards.access import calendars_visible_to, metrics_visible_to, standards_visible_to
from sqms.standards.business_time import CalendarSpec, weekly_from_rows
from sqms.standards.models import BusinessCalendar, Metric, ServiceStandard, StandardVersion


@dataclass(frozen=True)
class StandardsFilter:
    q: str = ""
    service: int | None = None
    metric: int | None = None
    period: str = ""
    basis: str = ""
    source: str = ""
    archived: bool = False


def metric_list(*, user: Any, filters: StandardsFilter) -> QuerySet[Metric]:
    qs = metrics_visible_to(user).filter(archived_at__isnull=not filters.archived)
    if filters.q:
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(code__icontains=filters.q)
            | Q(description__icontains=filters.q)
        )
    if filters.source:
        qs = qs.filter(source=filters.source)
    return qs.order_by("code")


def _versions_newest_first() -> Any:
    return Prefetch(
        "versions",
        queryset=StandardVersion.objects.select_related("created_by").order_by("-version"),
        to_attr="version_list",
    )


def standard_list(*, user: Any, filters: StandardsFilter) -> QuerySet[ServiceStandard]:
    """Standards with `version_list` (newest first) prefetched: three queries for any page."""
    qs = standards_visible_to(user).filter(archived_at__isnull=not filters.archived)
    if filters.q:
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(code__icontains=filters.q)
            | Q(service__name__icontains=filters.q)
            | Q(metric__name__icontains=filters.q)
        )
    if filters.service:
        qs = qs.filter(service_id=filters.service)
    if filters.metric:
        qs = qs.filter(metric_id=filters.metric)
    if filters.period or filters.basis:
        # Filter on the version in effect now.
        current = [v.pk for v in _current_versions(qs)]
        vq = StandardVersion.objects.filter(pk__in=current)
        if filters.period:
            vq = vq.filter(period=filters.period)
        if filters.basis:
            vq = vq.filter(basis=filters.basis)
        qs = qs.filter(versions__in=vq)
    return (
        qs.select_related("service", "metric", "owner")
        .prefetch_related(_versions_newest_first())
        .order_by("code")
    )


def _current_versions(qs: QuerySet[ServiceStandard]) -> Iterable[StandardVersion]:
    now = timezone.now()
    seen: set[int] = set()
    versions = StandardVersion.objects.filter(standard__in=qs, effective_from__lte=now).order_by(
        "standard_id", "-effective_from"
    )
    for v in versions.only("pk", "standard_id", "effective_from"):
        if v.standard_id not in seen:
            seen.add(v.standard_id)
            yield v


def version_in_effect(
    versions: Iterable[StandardVersion], at: dt.datetime
) -> StandardVersion | None:
    """From already loaded versions: the one in effect at `at`."""
    candidates = [v for v in versions if v.effective_from <= at]
    return max(candidates, key=lambda v: v.effective_from, default=None)


def standard_version_at(*, standard: ServiceStandard, at: dt.datetime) -> StandardVersion | None:
    """The version in effect at `at`: the latest one whose `effective_from` is not after it.
    None before version 1 starts. This is the version evaluation measures against."""
    return (
        StandardVersion.objects.filter(standard=standard, effective_from__lte=at)
        .order_by("-effective_from")
        .first()
    )


def standard_current_version(*, standard: ServiceStandard) -> StandardVersion | None:
    return standard_version_at(standard=standard, at=timezone.now())


def standard_versions(*, standard: ServiceStandard) -> QuerySet[StandardVersion]:
    """Every version, newest first, for the history table."""
    return (
        StandardVersion.objects.filter(standard=standard)
        .select_related("created_by")
        .order_by("-version")
    )


def standards_for_service(*, service_id: int) -> QuerySet[ServiceStandard]:
    return (
        ServiceStandard.objects.filter(service_id=service_id, archived_at__isnull=True)
        .select_related("metric")
        .prefetch_related(_versions_newest_first())
    )


# --- calendars ------------------------------------------------------------------------------


def calendar_list(*, user: Any) -> QuerySet[BusinessCalendar]:
    return (
        calendars_visible_to(user)
        .select_related("site")
        .prefetch_related("opening_hours")
        .order_by("site__code", "name")
    )


def calendar_time_zone(calendar: BusinessCalendar) -> str:
    return calendar.site.time_zone if calendar.site else calendar.time_zone


def calendar_spec(*, calendar: BusinessCalendar) -> CalendarSpec:
    """The ORM-free description of a calendar that the business-time math works on."""
    rows = [
        (h.weekday, *h.minutes) for h in calendar.opening_hours.all().order_by("weekday", "opens")
    ]
    return CalendarSpec(
        time_zone=calendar_time_zone(calendar),
        weekly=weekly_from_rows(rows),
        closed_dates=frozenset(calendar.closures.values_list("date", flat=True)),
        holiday_country=calendar.holiday_country if calendar.use_public_holidays else "",
    )


def calendar_for_site(*, site: Site) -> BusinessCalendar | None:
    """The site's calendar, else the organisation default, else None."""
    own = BusinessCalendar.objects.filter(site=site).select_related("site").first()
    return own or BusinessCalendar.objects.filter(site__isnull=True).first()


@dataclass(frozen=True)
class PreviewDay:
    date: dt.date
    hours: tuple[tuple[str, str], ...]
    holiday: str | None
    closure: str | None

    @property
    def is_open(self) -> bool:
        return bool(self.hours)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def calendar_preview(
    *, calendar: BusinessCalendar, start: dt.date | None = None, days: int = 14
) -> list[PreviewDay]:
    spec = calendar_spec(calendar=calendar)
    closures = dict(calendar.closures.values_list("date", "reason"))
    first = start or timezone.now().astimezone(spec.tz).date()
    out = []
    for n in range(days):
        day = first + dt.timedelta(days=n)
        out.append(
            PreviewDay(
                date=day,
                hours=tuple((_hhmm(s), _hhmm(e)) for s, e in spec.intervals_on(day)),
                holiday=spec.holiday_name(day),
                closure=closures.get(day),
            )
        )
    return out
