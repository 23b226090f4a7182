"""Business-time arithmetic: durations and deadlines counted in opening hours only.

Pure Python (no ORM): a `CalendarSpec` describes a calendar; `business_duration` and
`add_business_time` work in the calendar's local time zone across days, weekends, public
holidays and closures. Opening intervals are given in local wall-clock minutes; every
elapsed-time computation is done in UTC, so a day with a daylight-saving change counts the
time that really passed.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays

Interval = tuple[int, int]  # minutes after local midnight: [start, end), end ≤ 1440
DAY_MINUTES = 24 * 60
MAX_SEARCH_DAYS = 366 * 5
ZERO = dt.timedelta(0)


@functools.lru_cache(maxsize=64)
def public_holidays(country: str, year: int) -> dict[dt.date, str]:
    """Public holidays of one country and year, with their names (Korean for KR)."""
    language = "ko" if country == "KR" else None
    table = holidays.country_holidays(country, years=year, language=language)
    return {day: str(name) for day, name in table.items()}


@dataclass(frozen=True)
class CalendarSpec:
    """Weekly opening intervals (index 0 = Monday) plus closed dates, in one time zone."""

    time_zone: str
    weekly: tuple[tuple[Interval, ...], ...]
    closed_dates: frozenset[dt.date] = field(default_factory=frozenset)
    holiday_country: str = ""

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly needs seven days, Monday first")
        for day in self.weekly:
            previous_end = -1
            for start, end in day:
                if not 0 <= start < end <= DAY_MINUTES or start < previous_end:
                    raise ValueError(f"bad or overlapping opening interval {start}-{end}")
                previous_end = end
        ZoneInfo(self.time_zone)  # fails early on an unknown zone

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def has_opening_hours(self) -> bool:
        return any(self.weekly)

    def holiday_name(self, day: dt.date) -> str | None:
        if not self.holiday_country:
            return None
        return public_holidays(self.holiday_country, day.year).get(day)

    def is_closed(self, day: dt.date) -> bool:
        return day in self.closed_dates or self.holiday_name(day) is not None

    def intervals_on(self, day: dt.date) -> tuple[Interval, ...]:
        """The local opening intervals of a date (none on closed dates)."""
        return () if self.is_closed(day) else self.weekly[day.weekday()]

    def utc_intervals_on(self, day: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        tz = self.tz
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        for start, end in self.intervals_on(day):
            yield _utc(midnight, start, tz), _utc(midnight, end, tz)


def _utc(midnight: dt.datetime, minutes: int, tz: ZoneInfo) -> dt.datetime:
    """Local wall-clock `minutes` after `midnight`, as an aware UTC datetime."""
    if minutes >= DAY_MINUTES:
        nxt = midnight.date() + dt.timedelta(days=1)
        return dt.datetime.combine(nxt, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    local = midnight.replace(hour=minutes // 60, minute=minutes % 60)
    return local.astimezone(dt.UTC)


def _require_aware(*values: dt.datetime) -> None:
    for value in values:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("business time needs timezone-aware datetimes")


def business_duration(start: dt.datetime, end: dt.datetime, spec: CalendarSpec) -> dt.timedelta:
    """Opening time between `start` and `end` (zero when `end` is not after `start`)."""
    _require_aware(start, end)
    if end <= start:
        return ZERO
    tz = spec.tz
    day = start.astimezone(tz).date() - dt.timedelta(days=1)  # a local day may begin before
    last = end.astimezone(tz).date()
    total = ZERO
    while day <= last:
        for opens, closes in spec.utc_intervals_on(day):
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total


def add_business_time(start: dt.datetime, delta: dt.timedelta, spec: CalendarSpec) -> dt.datetime:
    """The earliest moment at which `delta` of opening time has passed since `start` (UTC).

    A zero `delta` returns `start` unchanged. Raises ValueError when the calendar has no
    opening hours in the next five years.
    """
    _require_aware(start)
    if delta < ZERO:
        raise ValueError("delta must not be negative")
    start = start.astimezone(dt.UTC)
    if delta == ZERO:
        return start
    remaining = delta
    tz = spec.tz
    day = start.astimezone(tz).date() - dt.timedelta(days=1)
    idle_days = 0
    while idle_days <= MAX_SEARCH_DAYS:
        progressed = False
        for opens, closes in spec.utc_intervals_on(day):
            lo = max(opens, start)
            if closes <= lo:
                continue
            available = closes - lo
            if available >= remaining:
                return lo + remaining
            remaining -= available
            progressed = True
        idle_days = 0 if progressed else idle_days + 1
        day += dt.timedelta(days=1)
    raise ValueError("the calendar has no opening hours to add the time to")


def weekly_from_rows(rows: list[tuple[int, int, int]]) -> tuple[tuple[Interval, ...], ...]:
    """Build `CalendarSpec.weekly` from (weekday, start minute, end minute) rows."""
    days: list[list[Interval]] = [[] for _ in range(7)]
    for weekday, start, end in rows:
        days[weekday].append((start, end))
    return tuple(tuple(sorted(d)) for d in days)
