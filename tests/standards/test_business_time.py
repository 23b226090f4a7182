"""Business-time math: Korean holidays, closures, multi-interval days and a DST zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqms.standards.business_time import (
    CalendarSpec,
    add_business_time,
    business_duration,
    public_holidays,
)

SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = ZoneInfo("Europe/Berlin")
H = dt.timedelta(hours=1)
NINE_TO_SIX = (540, 1080)
WEEKDAYS = tuple([(NINE_TO_SIX,)] * 5 + [(), ()])


def spec(
    weekly: tuple[tuple[tuple[int, int], ...], ...] = WEEKDAYS,
    *,
    tz: str = "Asia/Seoul",
    country: str = "KR",
    closed: frozenset[dt.date] = frozenset(),
) -> CalendarSpec:
    return CalendarSpec(time_zone=tz, weekly=weekly, closed_dates=closed, holiday_country=country)


def seoul(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SEOUL)  # type: ignore[misc]


def test_it_counts_one_hour_from_friday_evening_to_monday_morning():
    # 2026-11-20 is a Friday; 17:30–18:00 plus Monday 09:00–09:30.
    assert business_duration(seoul(2026, 11, 20, 17, 30), seoul(2026, 11, 23, 9, 30), spec()) == H


def test_it_counts_plain_time_inside_one_opening_interval():
    assert business_duration(
        seoul(2026, 11, 24, 10), seoul(2026, 11, 24, 12, 15), spec()
    ) == dt.timedelta(hours=2, minutes=15)


def test_it_gives_zero_when_the_end_is_not_after_the_start():
    start = seoul(2026, 11, 24, 10)
    assert business_duration(start, start, spec()) == dt.timedelta(0)
    assert business_duration(start, start - H, spec()) == dt.timedelta(0)


def test_it_knows_seollal_and_chuseok_2026_from_the_holidays_package():
    kr = public_holidays("KR", 2026)
    assert {dt.date(2026, 2, d) for d in (16, 17, 18)} <= kr.keys()
    assert {dt.date(2026, 9, d) for d in (24, 25, 26)} <= kr.keys()
    assert kr[dt.date(2026, 2, 17)] == "설날"
    assert kr[dt.date(2026, 9, 25)] == "추석"


def test_it_skips_seollal_monday_to_wednesday():
    # Friday 2026-02-13 17:00 → Thursday 02-19 10:00: 1 h + 1 h, the holidays count nothing.
    start, end = seoul(2026, 2, 13, 17), seoul(2026, 2, 19, 10)
    assert business_duration(start, end, spec()) == 2 * H
    assert business_duration(start, end, spec(country="")) == 2 * H + 3 * 9 * H
    assert add_business_time(start, 2 * H, spec()) == end


def test_it_skips_chuseok_and_its_weekend():
    # Wed 2026-09-23 17:00; Thu–Sat Chuseok, Sun closed; Mon 09-28 09:00 resumes.
    assert add_business_time(seoul(2026, 9, 23, 17), 2 * H, spec()) == seoul(2026, 9, 28, 10)


def test_it_skips_extra_closures():
    closed = frozenset({dt.date(2026, 11, 24)})
    start = seoul(2026, 11, 23, 17)
    assert add_business_time(start, 2 * H, spec(closed=closed)) == seoul(2026, 11, 25, 10)
    assert business_duration(start, seoul(2026, 11, 25, 10), spec(closed=closed)) == 2 * H


def test_it_handles_several_intervals_a_day_and_a_saturday_morning():
    split = ((540, 720), (780, 1080))  # 09–12 and 13–18, lunch closed
    weekly = tuple([split] * 5 + [((540, 780),), ()])  # Saturday 09–13
    s = spec(weekly, country="")
    assert business_duration(seoul(2026, 11, 24, 11), seoul(2026, 11, 24, 14), s) == 2 * H
    # Friday 17:00 + 3 h: 1 h Friday, 2 h Saturday morning.
    assert add_business_time(seoul(2026, 11, 27, 17), 3 * H, s) == seoul(2026, 11, 28, 11)
    assert add_business_time(seoul(2026, 11, 24, 11), 2 * H, s) == seoul(2026, 11, 24, 14)


def test_it_counts_a_24_hour_service_through_midnight():
    always = tuple([((0, 1440),)] * 7)
    start = seoul(2026, 11, 24, 22)
    assert business_duration(start, start + 5 * H, spec(always, country="")) == 5 * H


def test_it_starts_counting_at_opening_when_asked_outside_hours():
    # Saturday evening + 30 minutes → Monday 09:30.
    assert add_business_time(seoul(2026, 11, 21, 20), dt.timedelta(minutes=30), spec()) == seoul(
        2026, 11, 23, 9, 30
    )


def test_it_counts_real_elapsed_time_over_the_march_dst_change_in_berlin():
    # 2026-03-29 02:00 CET → 03:00 CEST; a Sunday, open 00:00–06:00 that day only.
    weekly = ((), (), (), (), (), (), ((0, 360),))
    s = spec(weekly, tz="Europe/Berlin", country="")
    start = dt.datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)
    end = dt.datetime(2026, 3, 29, 6, 0, tzinfo=BERLIN)
    assert business_duration(start, end, s) == 5 * H  # the lost hour did not pass
    assert add_business_time(start, 5 * H, s) == end.astimezone(dt.UTC)


def test_it_counts_nine_to_six_as_nine_hours_on_both_sides_of_the_dst_change():
    s = spec(tz="Europe/Berlin", country="")
    for day in (27, 30):  # Friday before, Monday after
        start = dt.datetime(2026, 3, day, 0, tzinfo=BERLIN)
        assert business_duration(start, start + dt.timedelta(days=1), s) == 9 * H


def test_it_refuses_naive_datetimes_and_calendars_without_hours():
    with pytest.raises(ValueError, match="aware"):
        business_duration(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2), spec())
    closed = spec(tuple([()] * 7))
    with pytest.raises(ValueError, match="no opening hours"):
        add_business_time(seoul(2026, 1, 1), H, closed)


def test_it_refuses_overlapping_or_inverted_intervals():
    with pytest.raises(ValueError, match="overlapping"):
        spec(tuple([((540, 720), (700, 800))] + [()] * 6))
    with pytest.raises(ValueError, match="bad or overlapping"):
        spec(tuple([((600, 540),)] + [()] * 6))


# --- properties -------------------------------------------------------------------------------

SPECS = [
    spec(),
    spec(tuple([((540, 720), (780, 1080))] * 5 + [((540, 780),), ()])),
    spec(tz="Europe/Berlin", country=""),
    spec(tuple([((0, 1440),)] * 7), tz="Europe/Berlin", country=""),
]
moments = st.datetimes(
    min_value=dt.datetime(2025, 12, 1),
    max_value=dt.datetime(2027, 1, 31),
    timezones=st.just(dt.UTC),
)
spans = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=40))
specs = st.sampled_from(SPECS)


@settings(max_examples=150, deadline=None)
@given(specs, moments, spans)
def test_it_never_counts_negative_time_nor_more_than_elapsed(s, start, span):
    d = business_duration(start, start + span, s)
    assert dt.timedelta(0) <= d <= span


@settings(max_examples=150, deadline=None)
@given(specs, moments, spans, st.floats(min_value=0, max_value=1))
def test_it_adds_up_over_any_split_point(s, start, span, fraction):
    end = start + span
    mid = start + span * fraction
    assert business_duration(start, end, s) == business_duration(start, mid, s) + business_duration(
        mid, end, s
    )


@settings(max_examples=150, deadline=None)
@given(specs, moments, st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=200)))
def test_it_makes_add_and_duration_inverse(s, start, delta):
    deadline = add_business_time(start, delta, s)
    assert deadline >= start
    assert business_duration(start, deadline, s) == delta


@settings(max_examples=100, deadline=None)
@given(specs, moments, spans)
def test_it_lands_no_later_than_the_end_when_adding_the_measured_duration(s, start, span):
    end = start + span
    assert add_business_time(start, business_duration(start, end, s), s) <= end
