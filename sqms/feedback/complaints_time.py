"""Business-time clocks of complaints and follow-ups, on the calendar of their site.

A site without a calendar uses the organisation's default calendar; without any calendar (or
one without opening hours) the clocks run around the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqms.standards.business_time import CalendarSpec, add_business_time, business_duration
from sqms.standards.models import BusinessCalendar
from sqms.standards.selectors import calendar_spec

ALWAYS_OPEN = CalendarSpec(time_zone="Asia/Seoul", weekly=(((0, 24 * 60),),) * 7)


class SpecCache:
    """Calendars by site id, read once per request or task run."""

    def __init__(self) -> None:
        self._specs: dict[int | None, CalendarSpec] = {}

    def for_site(self, site_id: int | None) -> CalendarSpec:
        if site_id not in self._specs:
            self._specs[site_id] = spec_for_site(site_id)
        return self._specs[site_id]


def spec_for_site(site_id: int | None) -> CalendarSpec:
    calendar = None
    if site_id is not None:
        calendar = BusinessCalendar.objects.filter(site_id=site_id).select_related("site").first()
    if calendar is None:
        calendar = BusinessCalendar.objects.filter(site__isnull=True).first()
    if calendar is None:
        return ALWAYS_OPEN
    spec = calendar_spec(calendar=calendar)
    return spec if spec.has_opening_hours else ALWAYS_OPEN


def due_after(start: dt.datetime, delta: dt.timedelta, spec: CalendarSpec) -> dt.datetime:
    try:
        return add_business_time(start, delta, spec)
    except ValueError:  # no opening hours for years: count wall-clock time
        return start + delta


def add_business_days(start: dt.datetime, days: int, spec: CalendarSpec) -> dt.datetime:
    """The close of the `days`-th open day after the day of `start` (local to the calendar)."""
    if not spec.has_opening_hours or spec is ALWAYS_OPEN:
        return start + dt.timedelta(days=days)
    day = start.astimezone(spec.tz).date()
    counted = 0
    for _n in range(366 * 2):
        day += dt.timedelta(days=1)
        spans = list(spec.utc_intervals_on(day))
        if spans:
            counted += 1
            if counted >= days:
                return spans[-1][1]
    return start + dt.timedelta(days=days)


@dataclass(frozen=True)
class Clock:
    """One clock of a record: its due time and how much business time is left (or over)."""

    key: str
    label: str
    due_at: dt.datetime
    done_at: dt.datetime | None
    remaining: dt.timedelta  # negative when overdue; frozen at the time the clock stopped

    @property
    def running(self) -> bool:
        return self.done_at is None

    @property
    def overdue(self) -> bool:
        return self.remaining < dt.timedelta(0)

    @property
    def remaining_hours(self) -> float:
        return round(self.remaining.total_seconds() / 3600, 1)

    @property
    def remaining_abs_hours(self) -> float:
        return abs(self.remaining_hours)


def clock(
    *,
    key: str,
    label: str,
    due_at: dt.datetime,
    done_at: dt.datetime | None,
    now: dt.datetime,
    spec: CalendarSpec,
) -> Clock:
    at = done_at or now
    if at <= due_at:
        remaining = business_duration(at, due_at, spec)
    else:
        remaining = -business_duration(due_at, at, spec)
        if remaining == dt.timedelta(0):  # overdue, but outside opening hours so far
            remaining = -dt.timedelta(seconds=1)
    return Clock(key=key, label=label, due_at=due_at, done_at=done_at, remaining=remaining)
