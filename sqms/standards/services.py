"""Writes of the standards app: each one validated, atomic and audit-logged."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.audit import PendingEntry, audit_record, audit_record_many, diff, snapshot
from sqms.core.exceptions import ReasonRequired, SqmsError
from sqms.core.models import AuditAction, User
from sqms.core.records import record_archive, record_create, record_unarchive, record_update
from sqms.org.models import Service, Site
from sqms.standards.hooks import standard_unarchived, version_created
from sqms.standards.models import (
    BusinessCalendar,
    Closure,
    Comparison,
    Metric,
    OpeningHours,
    Segment,
    ServiceStandard,
    StandardVersion,
)

# A revision stated "now" reaches the server a little later; allow that much.
REVISE_GRACE = dt.timedelta(minutes=10)
VERSION_FIELDS = (
    "threshold",
    "comparison",
    "compliance_objective",
    "period",
    "segments",
    "basis",
    "basis_reference",
)
METRIC_FIELDS = {
    "code",
    "name",
    "description",
    "source",
    "start_field",
    "end_field",
    "business_time",
    "value_field",
    "category_values",
    "aggregation",
    "rate_base",
    "direction",
    "unit",
}


def _clean_values(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def _clean_segments(segments: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(segments))
    unknown = [s for s in chosen if s not in Segment.values]
    if unknown:
        raise ValidationError(
            {"segments": _("Unknown segment: %(segments)s") % {"segments": ", ".join(unknown)}}
        )
    return [s for s in Segment.values if s in chosen]


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ReasonRequired(_("Please give a reason."))
    return reason


# --- metrics --------------------------------------------------------------------------------


def metric_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    source: str,
    aggregation: str,
    direction: str,
    unit: str,
    description: str = "",
    start_field: str = "",
    end_field: str = "",
    business_time: bool = False,
    value_field: str = "",
    category_values: Iterable[str] = (),
    rate_base: int | None = None,
) -> Metric:
    metric = Metric(
        code=code,
        name=name,
        description=description,
        source=source,
        start_field=start_field,
        end_field=end_field,
        business_time=business_time,
        value_field=value_field,
        category_values=_clean_values(category_values),
        aggregation=aggregation,
        rate_base=rate_base,
        direction=direction,
        unit=unit,
    )
    return record_create(actor=actor, obj=metric)


@transaction.atomic
def metric_update(
    *, actor: User | None, metric: Metric, fields: Mapping[str, Any], reason: str = ""
) -> Metric:
    unknown = set(fields) - METRIC_FIELDS
    if unknown:
        raise SqmsError(_("Unknown field: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    fields = dict(fields)
    if "category_values" in fields:
        fields["category_values"] = _clean_values(fields["category_values"])
    changes_meaning = {"source", "aggregation", "direction", "start_field", "end_field"}
    if metric.standards.exists() and any(
        getattr(metric, k) != v for k, v in fields.items() if k in changes_meaning
    ):
        raise SqmsError(
            _(
                "Standards measure with this metric: its source, fields, aggregation and "
                "direction can no longer change. Create a new metric instead."
            )
        )
    return record_update(actor=actor, obj=metric, fields=fields, reason=reason)


def metric_archive(*, actor: User | None, metric: Metric, reason: str) -> Metric:
    return record_archive(actor=actor, obj=metric, reason=reason)


def metric_unarchive(*, actor: User | None, metric: Metric, reason: str) -> Metric:
    return record_unarchive(actor=actor, obj=metric, reason=reason)


# --- service standards ----------------------------------------------------------------------


def _save_version(*, actor: User | None, version: StandardVersion) -> StandardVersion:
    version.full_clean()
    version.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=version, reason=version.reason)
    version_created(version)
    return version


def _service_lock(service: Service) -> None:
    """Imports look up a service's standards under a shared lock on the service and count
    their new records into those they find (`sqms.monitoring.merges`). Taking the lock here
    makes a block that looked before this standard existed commit first, so the standard's
    first evaluation, which follows this commit, sees its records. (SQLite's write lock
    serialises both already.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {Service._meta.db_table} WHERE id = %s FOR NO KEY UPDATE",  # noqa: S608
                [service.pk],
            )


@transaction.atomic
def standard_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    service: Service,
    metric: Metric,
    threshold: Decimal,
    compliance_objective: Decimal,
    period: str,
    basis: str,
    owner: User | None = None,
    description: str = "",
    comparison: str = "",
    segments: Iterable[str] = (),
    basis_reference: str = "",
    effective_from: dt.datetime | None = None,
    reason: str = "",
) -> ServiceStandard:
    """A new standard with its version 1; version 1 may start in the past."""
    if metric.is_archived:
        raise ValidationError({"metric": _("This metric is archived.")})
    if service.is_archived:
        raise ValidationError({"service": _("This service is archived.")})
    _service_lock(service)
    standard = ServiceStandard(
        code=code,
        name=name,
        description=description,
        service=service,
        metric=metric,
        owner=owner,
    )
    record_create(actor=actor, obj=standard)
    _save_version(
        actor=actor,
        version=StandardVersion(
            standard=standard,
            version=1,
            effective_from=effective_from or timezone.now(),
            threshold=threshold,
            comparison=comparison or Comparison.for_direction(metric.direction),
            compliance_objective=compliance_objective,
            period=period,
            segments=_clean_segments(segments),
            basis=basis,
            basis_reference=basis_reference,
            reason=reason.strip() or _("First version"),
            created_by=actor,
        ),
    )
    return standard


@transaction.atomic
def standard_revise(
    *,
    actor: User | None,
    standard: ServiceStandard,
    reason: str,
    effective_from: dt.datetime | None = None,
    **changes: Any,
) -> StandardVersion:
    """Create version N+1 from the latest version and `changes`; older versions stay as they
    were. The new version may not start before the latest one, nor in the past."""
    reason = _reason(reason)
    unknown = set(changes) - set(VERSION_FIELDS)
    if unknown:
        raise SqmsError(_("Unknown field: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if standard.is_archived:
        raise SqmsError(_("An archived standard cannot be revised."))
    # Lock the standard so two revisions cannot both become version N+1.
    ServiceStandard.objects.select_for_update().filter(pk=standard.pk).first()
    latest = StandardVersion.objects.filter(standard=standard).order_by("-version").first()
    if latest is None:
        raise SqmsError(_("This standard has no version to revise."))
    now = timezone.now()
    effective_from = effective_from or now
    if effective_from <= latest.effective_from:
        raise ValidationError(
            {
                "effective_from": _(
                    "The new version must start after version %(version)s (%(date)s)."
                )
                % {"version": latest.version, "date": latest.effective_from.isoformat()}
            }
        )
    if effective_from < now - REVISE_GRACE:
        raise ValidationError(
            {"effective_from": _("A new version cannot start in the past: history is kept.")}
        )
    if "segments" in changes:
        changes["segments"] = _clean_segments(changes["segments"])
    values = {name: getattr(latest, name) for name in VERSION_FIELDS}
    values.update({k: v for k, v in changes.items() if v is not None})
    if values["comparison"] == "":
        values["comparison"] = Comparison.for_direction(standard.metric.direction)
    if all(_same(values[k], getattr(latest, k)) for k in VERSION_FIELDS):
        raise SqmsError(_("Nothing changed: a new version needs a different level."))
    return _save_version(
        actor=actor,
        version=StandardVersion(
            standard=standard,
            version=latest.version + 1,
            effective_from=effective_from,
            reason=reason,
            created_by=actor,
            **values,
        ),
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal | int | float | str) and isinstance(b, Decimal):
        try:
            return Decimal(str(a)) == b
        except ArithmeticError:
            return False
    return bool(a == b)


@transaction.atomic
def standard_update(
    *, actor: User | None, standard: ServiceStandard, fields: Mapping[str, Any], reason: str = ""
) -> ServiceStandard:
    """Change what does not alter the measured level: name, description, owner."""
    unknown = set(fields) - {"name", "description", "owner", "code"}
    if unknown:
        raise SqmsError(
            _("Revise the standard to change %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    return record_update(actor=actor, obj=standard, fields=fields, reason=reason)


def standard_archive(
    *, actor: User | None, standard: ServiceStandard, reason: str
) -> ServiceStandard:
    return record_archive(actor=actor, obj=standard, reason=reason)


def standard_unarchive(
    *, actor: User | None, standard: ServiceStandard, reason: str
) -> ServiceStandard:
    was_archived = standard.archived_at is not None
    standard = record_unarchive(actor=actor, obj=standard, reason=reason)
    if was_archived:
        standard_unarchived(standard)
    return standard


# --- business-hours calendars ---------------------------------------------------------------

Hours = Iterable[tuple[int, dt.time, dt.time]]


def _opening_rows(calendar: BusinessCalendar, hours: Hours) -> list[OpeningHours]:
    rows = [OpeningHours(calendar=calendar, weekday=w, opens=o, closes=c) for w, o, c in hours]
    errors: list[str] = []
    for row in rows:
        try:
            row.full_clean(exclude=["calendar"])
        except ValidationError as exc:
            errors += [f"{row.get_weekday_display()}: {m}" for m in exc.messages]
    by_day: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        by_day.setdefault(row.weekday, []).append(row.minutes)
    for weekday, spans in by_day.items():
        spans.sort()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(spans):
            if s2 < e1:
                label = dict(OpeningHours._meta.get_field("weekday").choices or [])[weekday]
                errors.append(_("%(day)s: opening hours overlap.") % {"day": label})
    if errors:
        raise ValidationError({"opening_hours": errors})
    return rows


@transaction.atomic
def calendar_create(
    *,
    actor: User | None,
    name: str,
    site: Site | None = None,
    time_zone: str = "Asia/Seoul",
    use_public_holidays: bool = True,
    holiday_country: str = "KR",
    hours: Hours = (),
) -> BusinessCalendar:
    calendar = BusinessCalendar(
        site=site,
        name=name,
        time_zone=site.time_zone if site else time_zone,
        use_public_holidays=use_public_holidays,
        holiday_country=holiday_country,
    )
    record_create(actor=actor, obj=calendar)
    calendar_set_hours(actor=actor, calendar=calendar, hours=hours)
    return calendar


@transaction.atomic
def calendar_update(
    *, actor: User | None, calendar: BusinessCalendar, fields: Mapping[str, Any], reason: str = ""
) -> BusinessCalendar:
    unknown = set(fields) - {"name", "time_zone", "use_public_holidays", "holiday_country"}
    if unknown:
        raise SqmsError(_("Unknown field: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    return record_update(actor=actor, obj=calendar, fields=fields, reason=reason)


@transaction.atomic
def calendar_set_hours(
    *, actor: User | None, calendar: BusinessCalendar, hours: Hours
) -> list[OpeningHours]:
    """Replace the weekly opening hours (several intervals per day allowed, none overlapping)."""
    new_rows = _opening_rows(calendar, hours)
    old_rows = list(calendar.opening_hours.all())
    old = sorted((r.weekday, r.opens, r.closes) for r in old_rows)
    if old == sorted((r.weekday, r.opens, r.closes) for r in new_rows):
        return old_rows
    entries = [
        PendingEntry(action=AuditAction.DELETE, obj=r, changes=diff(snapshot(r), {}))
        for r in old_rows
    ]
    calendar.opening_hours.all().delete()
    for row in new_rows:
        row.save()
    entries += [
        PendingEntry(action=AuditAction.CREATE, obj=r, changes=diff({}, snapshot(r)))
        for r in new_rows
    ]
    audit_record_many(actor=actor, entries=entries)
    return new_rows


def closure_add(
    *, actor: User | None, calendar: BusinessCalendar, date: dt.date, reason: str
) -> Closure:
    reason = reason.strip()
    if calendar.closures.filter(date=date).exists():
        raise ValidationError({"date": _("This date is closed already.")})
    return record_create(actor=actor, obj=Closure(calendar=calendar, date=date, reason=reason))


@transaction.atomic
def closure_remove(*, actor: User | None, closure: Closure) -> None:
    audit_record(actor=actor, action=AuditAction.DELETE, obj=closure, before=snapshot(closure))
    closure.delete()
