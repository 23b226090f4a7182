"""Metrics, versioned service standards and business-hours calendars.

A metric says *what* is measured and how records are aggregated; a service standard says
*which level* a service must reach. The level lives in immutable `StandardVersion` rows, so a
result can always name the version it was measured against.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ArchivableModel, TimeStampedModel
from sqms.core.zones import time_zone_choices

FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class MetricSource(models.TextChoices):
    RECORD_DURATION = "record_duration", _("Service record: time between two timestamps")
    RECORD_NUMBER = "record_number", _("Service record: number")
    RECORD_FLAG = "record_flag", _("Service record: yes/no")
    RECORD_CATEGORY = "record_category", _("Service record: category")
    FEEDBACK_CSAT = "feedback_csat", _("Feedback: CSAT")
    FEEDBACK_NPS = "feedback_nps", _("Feedback: NPS")
    FEEDBACK_CES = "feedback_ces", _("Feedback: CES")
    FEEDBACK_SERVQUAL_GAP = (
        "feedback_servqual_gap",
        _("Feedback: SERVQUAL gap (perception − expectation)"),
    )
    INSPECTION_SCORE = "inspection_score", _("Inspection: score")
    COMPLAINT_VOLUME = "complaint_volume", _("Complaints: volume")
    COMPLAINT_ACK_TIME = "complaint_ack_time", _("Complaints: time to acknowledge")
    COMPLAINT_RESOLVE_TIME = "complaint_resolve_time", _("Complaints: time to resolve")
    COMPLAINT_SATISFACTION = (
        "complaint_satisfaction",
        _("Complaints: satisfaction with the handling"),
    )


RECORD_SOURCES = {
    MetricSource.RECORD_DURATION,
    MetricSource.RECORD_NUMBER,
    MetricSource.RECORD_FLAG,
    MetricSource.RECORD_CATEGORY,
}

# A SERVQUAL gap metric may name one dimension in its field; feedback owns the items, standards
# only needs the names to validate the choice.
SERVQUAL_DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")

# Complaint clocks are kept in business time; their metrics may count opening hours only.
COMPLAINT_TIME_SOURCES = {MetricSource.COMPLAINT_ACK_TIME, MetricSource.COMPLAINT_RESOLVE_TIME}


class Aggregation(models.TextChoices):
    SHARE_MEETING_THRESHOLD = "share_meeting_threshold", _("Share of records meeting the threshold")
    MEAN = "mean", _("Mean")
    P50 = "p50", _("Median (p50)")
    P90 = "p90", _("90th percentile (p90)")
    P95 = "p95", _("95th percentile (p95)")
    COUNT = "count", _("Count")
    RATE_PER_N = "rate_per_n", _("Rate per N records")


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher_is_better", _("Higher is better")
    LOWER_IS_BETTER = "lower_is_better", _("Lower is better")


class Unit(models.TextChoices):
    SECONDS = "seconds", _("seconds")
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    PERCENT = "percent", _("percent")
    COUNT = "count", _("count")
    SCORE = "score", _("score")
    RATE = "rate", _("rate")


class Metric(ArchivableModel):
    """What is measured on each record (or response, or inspection) and how it is aggregated."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=32, choices=MetricSource.choices)
    start_field = models.CharField(
        _("start field"),
        max_length=63,
        blank=True,
        help_text=_("For a duration: the timestamp it starts at, e.g. received_at."),
    )
    end_field = models.CharField(
        _("end field"),
        max_length=63,
        blank=True,
        help_text=_("For a duration: the timestamp it ends at, e.g. first_response_at."),
    )
    business_time = models.BooleanField(
        _("in business hours"),
        default=False,
        help_text=_("Count only the opening hours of the site's business-hours calendar."),
    )
    value_field = models.CharField(
        _("field"),
        max_length=63,
        blank=True,
        help_text=_(
            "For a number, yes/no or category: the service record field. For a SERVQUAL gap: "
            "one dimension (tangibles, reliability, responsiveness, assurance, empathy), or "
            "empty for all five."
        ),
    )
    category_values = models.JSONField(
        _("matching categories"),
        default=list,
        blank=True,
        help_text=_("For a category: the values that count as a match."),
    )
    aggregation = models.CharField(_("aggregation"), max_length=32, choices=Aggregation.choices)
    rate_base = models.PositiveIntegerField(
        _("rate base (N)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000_000)],
        help_text=_("For a rate: per how many records, e.g. 1000."),
    )
    direction = models.CharField(_("direction"), max_length=20, choices=Direction.choices)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)

    class Meta:
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_record_based(self) -> bool:
        return self.source in RECORD_SOURCES

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        src = self.source
        required = _("This field is required for this source.")
        not_used = _("Leave this empty for this source.")
        if src == MetricSource.RECORD_DURATION:
            for name in ("start_field", "end_field"):
                if not getattr(self, name):
                    errors[name] = required
            if self.start_field and self.start_field == self.end_field:
                errors["end_field"] = _("The end field must differ from the start field.")
            if self.value_field:
                errors["value_field"] = not_used
        else:
            for name in ("start_field", "end_field"):
                if getattr(self, name):
                    errors[name] = not_used
            if self.business_time and src not in COMPLAINT_TIME_SOURCES:
                errors["business_time"] = _("Business hours apply to durations only.")
            if src in RECORD_SOURCES and not self.value_field:
                errors["value_field"] = required
            if src == MetricSource.FEEDBACK_SERVQUAL_GAP:
                if self.value_field and self.value_field not in SERVQUAL_DIMENSIONS:
                    errors["value_field"] = _(
                        "Name a SERVQUAL dimension: %(choices)s; or leave it empty for all five."
                    ) % {"choices": ", ".join(SERVQUAL_DIMENSIONS)}
            elif src not in RECORD_SOURCES and self.value_field:
                errors["value_field"] = not_used
        for name in ("start_field", "end_field", "value_field"):
            value = getattr(self, name)
            if value and name not in errors and not FIELD_NAME.match(value):
                errors[name] = _(
                    "Use a field name: lower-case letters, digits and underscores, "
                    "starting with a letter."
                )
        values = self.category_values
        if src == MetricSource.RECORD_CATEGORY:
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, str) and v.strip() for v in values)
            ):
                errors["category_values"] = _("Give at least one matching category.")
        elif values:
            errors["category_values"] = not_used
        if self.aggregation == Aggregation.RATE_PER_N:
            if not self.rate_base:
                errors["rate_base"] = _("A rate needs its base, e.g. 1000.")
        elif self.rate_base is not None:
            errors["rate_base"] = _("Only a rate has a base.")
        if errors:
            raise ValidationError(errors)


class Comparison(models.TextChoices):
    LE = "le", "≤"
    LT = "lt", "<"
    GE = "ge", "≥"
    GT = "gt", ">"

    @classmethod
    def for_direction(cls, direction: str) -> Comparison:
        return cls.LE if direction == Direction.LOWER_IS_BETTER else cls.GE


def compare(comparison: str, value: Decimal | float, threshold: Decimal | float) -> bool:
    """Whether `value` meets `threshold` under `comparison`."""
    v, t = Decimal(str(value)), Decimal(str(threshold))
    return {
        Comparison.LE: v <= t,
        Comparison.LT: v < t,
        Comparison.GE: v >= t,
        Comparison.GT: v > t,
    }[Comparison(comparison)]


class Period(models.TextChoices):
    HOUR = "hour", _("Hour")
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class Segment(models.TextChoices):
    SITE = "site", _("Site")
    TEAM = "team", _("Team")
    CHANNEL = "channel", _("Channel")
    AGENT = "agent", _("Agent")


class Basis(models.TextChoices):
    INDUSTRY = "industry", _("Industry standard")
    CUSTOMER_REQUIREMENT = "customer_requirement", _("Customer requirement")
    OWN_CAPABILITY = "own_capability", _("Own capability")


class ServiceStandard(ArchivableModel):
    """The stable identity of a standard: which service, which metric, who owns it.

    The measurable level (threshold, objective, period, ...) lives in its versions.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    service = models.ForeignKey(
        "org.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="standards",
    )
    metric = models.ForeignKey(
        Metric, verbose_name=_("metric"), on_delete=models.PROTECT, related_name="standards"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_standards",
    )

    class Meta:
        verbose_name = _("service standard")
        verbose_name_plural = _("service standards")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ImmutableQuerySet(models.QuerySet["StandardVersion"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Standard versions are immutable.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Standard versions are immutable.")


class StandardVersion(models.Model):
    """One immutable level of a standard, in effect from `effective_from` until the next one.

    With the share-meeting-threshold aggregation a record meets the standard when its value
    compares to `threshold`, and a period complies when at least `compliance_objective` % of
    its records do. With any other aggregation the period's aggregate is compared to
    `threshold`, and `compliance_objective` % of the periods (per segment) must meet it.
    """

    standard = models.ForeignKey(
        ServiceStandard,
        verbose_name=_("service standard"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateTimeField(_("effective from"))
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=4)
    comparison = models.CharField(_("comparison"), max_length=2, choices=Comparison.choices)
    compliance_objective = models.DecimalField(
        _("compliance objective (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    period = models.CharField(_("evaluation period"), max_length=8, choices=Period.choices)
    segments = models.JSONField(_("segments"), default=list, blank=True)
    basis = models.CharField(_("basis"), max_length=24, choices=Basis.choices)
    basis_reference = models.CharField(
        _("basis reference"),
        max_length=300,
        blank=True,
        help_text=_("The norm, contract clause or study the level comes from."),
    )
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        ordering = ["standard_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "version"], name="standards_version_unique"
            ),
            models.UniqueConstraint(
                fields=["standard", "effective_from"], name="standards_version_effective_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard.code} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Standard versions are immutable; revise the standard.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Standard versions are immutable.")

    def clean(self) -> None:
        segs = self.segments
        valid = set(Segment.values)
        if not isinstance(segs, list) or not all(isinstance(s, str) and s in valid for s in segs):
            raise ValidationError({"segments": _("Choose segments from the list.")})
        if len(set(segs)) != len(segs):
            raise ValidationError({"segments": _("Each segment may appear once.")})

    def meets(self, value: Decimal | float) -> bool:
        """Whether one value (a record's, or a period's aggregate) meets the threshold."""
        return compare(self.comparison, value, self.threshold)

    def segment_labels(self) -> list[str]:
        labels = dict(Segment.choices)
        return [str(labels.get(s, s)) for s in self.segments]


class BusinessCalendar(TimeStampedModel):
    """Opening hours, closures and public holidays of one site, or the organisation default."""

    site = models.OneToOneField(
        "org.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="business_calendar",
        help_text=_("Leave empty for the organisation's default calendar."),
    )
    name = models.CharField(_("name"), max_length=120)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=time_zone_choices,
        default="Asia/Seoul",
        help_text=_("Used by the default calendar; a site's calendar uses the site's time zone."),
    )
    use_public_holidays = models.BooleanField(_("closed on public holidays"), default=True)
    holiday_country = models.CharField(
        _("public holidays of"), max_length=2, choices=[("KR", _("Korea"))], default="KR"
    )

    class Meta:
        verbose_name = _("business-hours calendar")
        verbose_name_plural = _("business-hours calendars")
        ordering = ["site__code", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.site_id is None:
            others = BusinessCalendar.objects.filter(site__isnull=True).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError(
                    {"site": _("There is a default calendar already; choose a site.")}
                )


class OpeningHours(models.Model):
    """One opening interval on a weekday; several per day are allowed. 00:00 as the closing
    time means midnight at the end of the day."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="opening_hours",
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    @property
    def minutes(self) -> tuple[int, int]:
        start = self.opens.hour * 60 + self.opens.minute
        end = self.closes.hour * 60 + self.closes.minute
        return start, end or 24 * 60

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None:
            start, end = self.minutes
            if end <= start:
                raise ValidationError({"closes": _("The closing time must be after opening.")})


class Closure(models.Model):
    """A whole day the calendar's site is closed besides public holidays."""

    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="closures",
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="standards_closure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}"
