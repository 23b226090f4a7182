"""Metrics, versioned standards and calendars, through their services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from sqms.core.exceptions import ReasonRequired, SqmsError
from sqms.core.models import AuditEntry
from sqms.standards import selectors, services
from sqms.standards.business_time import add_business_time
from sqms.standards.models import (
    Aggregation,
    Comparison,
    Direction,
    MetricSource,
    Period,
    StandardVersion,
)
from tests.factories import make_site
from tests.standards.factories import make_calendar, make_metric, make_standard

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(exc.value.message_dict)


# --- metrics ----------------------------------------------------------------------------------


def test_it_requires_both_timestamps_for_a_duration():
    with pytest.raises(ValidationError) as exc:
        make_metric(start_field="", end_field="")
    assert _errors(exc) == {"start_field", "end_field"}


def test_it_requires_different_start_and_end_fields():
    with pytest.raises(ValidationError) as exc:
        make_metric(start_field="received_at", end_field="received_at")
    assert _errors(exc) == {"end_field"}


def test_it_requires_matching_values_for_a_category():
    with pytest.raises(ValidationError) as exc:
        make_metric(
            source=MetricSource.RECORD_CATEGORY,
            start_field="",
            end_field="",
            value_field="contact_type",
        )
    assert _errors(exc) == {"category_values"}


def test_it_requires_a_base_for_a_rate_and_only_for_a_rate():
    with pytest.raises(ValidationError) as exc:
        make_metric(aggregation=Aggregation.RATE_PER_N)
    assert _errors(exc) == {"rate_base"}
    with pytest.raises(ValidationError) as exc:
        make_metric(aggregation=Aggregation.MEAN, rate_base=100)
    assert _errors(exc) == {"rate_base"}


def test_it_names_each_misplaced_field_of_a_feedback_metric():
    with pytest.raises(ValidationError) as exc:
        make_metric(
            source=MetricSource.FEEDBACK_CSAT,
            value_field="score",
            business_time=True,
            category_values=["x"],
        )
    assert _errors(exc) == {
        "start_field",
        "end_field",
        "value_field",
        "business_time",
        "category_values",
    }


def test_it_refuses_field_names_that_are_not_identifiers():
    with pytest.raises(ValidationError) as exc:
        make_metric(start_field="Received At", end_field="x; drop")
    assert _errors(exc) == {"start_field", "end_field"}


def test_it_creates_valid_metrics_of_every_kind_with_an_audit_entry():
    before = AuditEntry.objects.count()
    make_metric(business_time=True)
    make_metric(
        source=MetricSource.RECORD_FLAG,
        start_field="",
        end_field="",
        value_field="resolved_first_contact",
        direction=Direction.HIGHER_IS_BETTER,
    )
    cat = make_metric(
        source=MetricSource.RECORD_CATEGORY,
        start_field="",
        end_field="",
        value_field="contact_type",
        category_values=[" complaint ", "민원", "complaint", ""],
        aggregation=Aggregation.RATE_PER_N,
        rate_base=1000,
    )
    make_metric(source=MetricSource.INSPECTION_SCORE, start_field="", end_field="")
    assert cat.category_values == ["complaint", "민원"]
    assert AuditEntry.objects.count() == before + 4


def test_it_freezes_the_meaning_of_a_metric_once_a_standard_uses_it():
    metric = make_metric()
    services.metric_update(actor=None, metric=metric, fields={"name": "새 이름"})
    make_standard(metric=metric)
    with pytest.raises(SqmsError):
        services.metric_update(actor=None, metric=metric, fields={"aggregation": Aggregation.P90})
    services.metric_update(actor=None, metric=metric, fields={"description": "설명"})


# --- versioning -------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_it_creates_version_one_with_the_comparison_from_the_direction():
    standard = make_standard(segments=["team", "site", "site"])
    (v1,) = selectors.standard_versions(standard=standard)
    assert (v1.version, v1.comparison, v1.segments) == (1, Comparison.LE, ["site", "team"])
    assert v1.effective_from == NOW
    assert v1.meets(Decimal(60))
    assert not v1.meets(61)
    higher = make_standard(metric=make_metric(direction=Direction.HIGHER_IS_BETTER))
    assert selectors.standard_current_version(standard=higher).comparison == Comparison.GE


@time_machine.travel(NOW, tick=False)
def test_it_revises_into_version_two_and_leaves_version_one_unchanged():
    standard = make_standard(effective_from=NOW - dt.timedelta(days=30))
    v1 = selectors.standard_current_version(standard=standard)
    v2 = services.standard_revise(
        actor=None,
        standard=standard,
        reason="고객 요구 강화",
        threshold=Decimal(30),
        period=Period.WEEK,
    )
    assert v2.version == 2
    assert (v2.threshold, v2.period, v2.compliance_objective) == (30, Period.WEEK, 95)
    assert v2.effective_from == NOW
    v1_again = StandardVersion.objects.get(pk=v1.pk)
    assert (v1_again.threshold, v1_again.period) == (60, Period.DAY)
    assert [v.version for v in selectors.standard_versions(standard=standard)] == [2, 1]
    entry = AuditEntry.objects.filter(object_id=str(v2.pk)).first()
    assert entry is not None
    assert entry.reason == "고객 요구 강화"


@time_machine.travel(NOW, tick=False)
def test_it_picks_the_version_in_effect_at_each_boundary():
    start = NOW - dt.timedelta(days=10)
    standard = make_standard(effective_from=start)
    later = NOW + dt.timedelta(days=5)
    services.standard_revise(
        actor=None, standard=standard, reason="강화", effective_from=later, threshold=Decimal(45)
    )
    at = selectors.standard_version_at
    assert at(standard=standard, at=start - dt.timedelta(microseconds=1)) is None
    assert at(standard=standard, at=start).version == 1
    assert at(standard=standard, at=later - dt.timedelta(microseconds=1)).version == 1
    assert at(standard=standard, at=later).version == 2
    assert at(standard=standard, at=later + dt.timedelta(days=400)).version == 2


@time_machine.travel(NOW, tick=False)
def test_it_requires_a_reason_to_revise():
    standard = make_standard()
    with pytest.raises(ReasonRequired):
        services.standard_revise(
            actor=None, standard=standard, reason="  ", effective_from=NOW + dt.timedelta(1)
        )


@time_machine.travel(NOW, tick=False)
def test_it_refuses_to_backdate_before_the_latest_version_or_into_the_past():
    standard = make_standard(effective_from=NOW - dt.timedelta(days=30))
    services.standard_revise(
        actor=None,
        standard=standard,
        reason="r",
        effective_from=NOW + dt.timedelta(days=10),
        threshold=Decimal(50),
    )
    with pytest.raises(ValidationError) as exc:
        services.standard_revise(
            actor=None,
            standard=standard,
            reason="r",
            effective_from=NOW + dt.timedelta(days=9),
            threshold=Decimal(40),
        )
    assert _errors(exc) == {"effective_from"}
    other = make_standard(effective_from=NOW - dt.timedelta(days=30))
    with pytest.raises(ValidationError) as exc:
        services.standard_revise(
            actor=None,
            standard=other,
            reason="r",
            effective_from=NOW - dt.timedelta(days=1),
            threshold=Decimal(40),
        )
    assert _errors(exc) == {"effective_from"}
    assert StandardVersion.objects.filter(standard=other).count() == 1


@time_machine.travel(NOW, tick=False)
def test_it_refuses_a_revision_that_changes_nothing_or_names_unknown_fields():
    standard = make_standard(effective_from=NOW - dt.timedelta(days=1))
    with pytest.raises(SqmsError):
        services.standard_revise(actor=None, standard=standard, reason="r", threshold=60)
    with pytest.raises(SqmsError):
        services.standard_revise(actor=None, standard=standard, reason="r", service=1)
    with pytest.raises(ValidationError) as exc:
        services.standard_revise(actor=None, standard=standard, reason="r", segments=["moon"])
    assert _errors(exc) == {"segments"}


def test_it_never_updates_or_deletes_a_version():
    standard = make_standard()
    version = StandardVersion.objects.get(standard=standard)
    version.threshold = Decimal(1)
    with pytest.raises(PermissionError):
        version.save()
    with pytest.raises(PermissionError):
        version.delete()
    with pytest.raises(PermissionError):
        StandardVersion.objects.filter(pk=version.pk).update(threshold=1)
    with pytest.raises(PermissionError):
        StandardVersion.objects.filter(pk=version.pk).delete()
    assert StandardVersion.objects.get(pk=version.pk).threshold == 60


def test_it_keeps_the_level_out_of_a_standard_update():
    standard = make_standard()
    services.standard_update(actor=None, standard=standard, fields={"name": "새 이름"})
    with pytest.raises(SqmsError):
        services.standard_update(actor=None, standard=standard, fields={"threshold": 1})


def test_it_refuses_to_revise_an_archived_standard():
    standard = make_standard()
    services.standard_archive(actor=None, standard=standard, reason="폐지")
    with pytest.raises(SqmsError):
        services.standard_revise(actor=None, standard=standard, reason="r", threshold=1)


# --- calendars --------------------------------------------------------------------------------


def test_it_refuses_overlapping_or_inverted_opening_hours():
    with pytest.raises(ValidationError) as exc:
        make_calendar(hours=[(0, dt.time(9), dt.time(13)), (0, dt.time(12), dt.time(18))])
    assert _errors(exc) == {"opening_hours"}
    with pytest.raises(ValidationError) as exc:
        make_calendar(hours=[(1, dt.time(18), dt.time(9))])
    assert _errors(exc) == {"opening_hours"}


def test_it_allows_one_default_calendar_only():
    services.calendar_create(actor=None, name="기본")
    with pytest.raises(ValidationError) as exc:
        services.calendar_create(actor=None, name="또 기본")
    assert _errors(exc) == {"site"}


def test_it_builds_the_spec_from_the_site_calendar_and_uses_it_for_deadlines():
    site = make_site()
    calendar = make_calendar(
        site, hours=[(0, dt.time(9), dt.time(18)), (5, dt.time(9), dt.time(0))]
    )
    services.closure_add(actor=None, calendar=calendar, date=dt.date(2026, 11, 23), reason="점검")
    spec = selectors.calendar_spec(calendar=calendar)
    assert spec.time_zone == site.time_zone
    assert spec.weekly[0] == ((540, 1080),)
    assert spec.weekly[5] == ((540, 1440),)
    assert dt.date(2026, 11, 23) in spec.closed_dates
    assert spec.holiday_country == "KR"
    seoul = spec.tz
    # Saturday 23:00 + 2 h: 1 h Saturday, Monday closed, next Saturday 09:00–10:00.
    got = add_business_time(
        dt.datetime(2026, 11, 21, 23, tzinfo=seoul), 2 * dt.timedelta(hours=1), spec
    )
    assert got == dt.datetime(2026, 11, 28, 10, tzinfo=seoul)
    assert selectors.calendar_for_site(site=site) == calendar


def test_it_falls_back_to_the_default_calendar_for_a_site_without_one():
    default = services.calendar_create(actor=None, name="기본")
    assert selectors.calendar_for_site(site=make_site()) == default


def test_it_replaces_opening_hours_with_audit_entries_and_previews_holidays():
    calendar = make_calendar()
    before = AuditEntry.objects.count()
    services.calendar_set_hours(
        actor=None, calendar=calendar, hours=[(d, dt.time(10), dt.time(17)) for d in range(5)]
    )
    assert AuditEntry.objects.count() == before + 10  # five removed, five added
    services.calendar_set_hours(
        actor=None, calendar=calendar, hours=[(d, dt.time(10), dt.time(17)) for d in range(5)]
    )
    assert AuditEntry.objects.count() == before + 10  # nothing changed, nothing written
    preview = selectors.calendar_preview(calendar=calendar, start=dt.date(2026, 2, 13), days=7)
    assert [d.is_open for d in preview] == [True, False, False, False, False, False, True]
    assert preview[4].holiday == "설날"
    assert preview[0].hours == (("10:00", "17:00"),)


def test_it_adds_and_removes_closures():
    calendar = make_calendar()
    closure = services.closure_add(
        actor=None, calendar=calendar, date=dt.date(2026, 12, 31), reason="점검"
    )
    with pytest.raises(ValidationError) as exc:
        services.closure_add(actor=None, calendar=calendar, date=dt.date(2026, 12, 31), reason="x")
    assert _errors(exc) == {"date"}
    services.closure_remove(actor=None, closure=closure)
    assert not calendar.closures.exists()


def test_it_answers_timezone_now_for_effective_from_by_default():
    standard = make_standard()
    assert selectors.standard_current_version(standard=standard).effective_from <= timezone.now()
