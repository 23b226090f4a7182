"""Quality policy commitments, measurable objectives (ISO 9001 6.2) and management reviews (9.3)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ArchivableModel, TimeStampedModel
from sqms.core.signing import AttemptOutcome


class Commitment(ArchivableModel):
    """One commitment of the quality policy, kept next to the controlled policy document."""

    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("policy document"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    statement_ko = models.TextField(_("statement (Korean)"))
    statement_en = models.TextField(_("statement (English)"), blank=True)
    objectives: models.ManyToManyField[Objective, Any] = models.ManyToManyField(
        "Objective", verbose_name=_("objectives"), blank=True, related_name="commitments"
    )

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["document", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.order}. {self.statement_ko[:60]}"


class Level(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    SITE = "site", _("Site")
    TEAM = "team", _("Team")


LEVEL_RANK = {Level.ORGANISATION: 0, Level.SITE: 1, Level.TEAM: 2}


class ObjectiveStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Objective(ArchivableModel):
    """A measurable quality objective on a service standard's results for one segment."""

    statement_ko = models.CharField(_("statement (Korean)"), max_length=300)
    statement_en = models.CharField(_("statement (English)"), max_length=300, blank=True)
    standard = models.ForeignKey(
        "standards.ServiceStandard",
        verbose_name=_("service standard"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Progress is read from this standard's results."),
    )
    site = models.ForeignKey(
        "org.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=4)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=4)
    start_on = models.DateField(_("start"))
    deadline = models.DateField(_("deadline"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    plan_what = models.TextField(_("what will be done"), blank=True)
    plan_resources = models.TextField(_("resources"), blank=True)
    plan_who = models.CharField(_("who is responsible"), max_length=300, blank=True)
    plan_when = models.CharField(_("when it will be completed"), max_length=300, blank=True)
    plan_evaluation = models.TextField(_("how results are evaluated"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent objective"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ObjectiveStatus.choices, default=ObjectiveStatus.ACTIVE
    )

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return self.statement_ko

    @property
    def level(self) -> str:
        if self.team_id is not None:
            return Level.TEAM
        if self.site_id is not None:
            return Level.SITE
        return Level.ORGANISATION

    def get_level_display(self) -> str:
        return str(Level(self.level).label)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.baseline is not None and self.target is not None and self.baseline == self.target:
            errors.setdefault("target", []).append(
                str(_("The target must differ from the baseline."))
            )
        if self.start_on and self.deadline and self.deadline <= self.start_on:
            errors.setdefault("deadline", []).append(
                str(_("The deadline must be after the start."))
            )
        if self.team_id is not None and self.team is not None:
            if self.site_id is not None and self.team.site_id != self.site_id:
                errors.setdefault("team", []).append(str(_("This team is not at this site.")))
            else:
                self.site_id = self.team.site_id
        parent = self.parent
        if parent is not None:
            if self.pk is not None and parent.pk == self.pk:
                errors.setdefault("parent", []).append(
                    str(_("An objective cannot be its own parent."))
                )
            elif LEVEL_RANK[Level(parent.level)] >= LEVEL_RANK[Level(self.level)]:
                errors.setdefault("parent", []).append(
                    str(_("The parent must be one level up: organisation, then site, then team."))
                )
            elif parent.site_id is not None and parent.site_id != self.site_id:
                errors.setdefault("parent", []).append(
                    str(_("The parent objective belongs to another site."))
                )
        if errors:
            raise ValidationError(errors)


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    HELD = "held", _("Held")
    SIGNED = "signed", _("Minutes signed")


class Review(TimeStampedModel):
    """A management review meeting, its compiled pack (frozen when held) and its minutes."""

    title = models.CharField(_("title"), max_length=200)
    meeting_date = models.DateField(_("meeting date"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), blank=True, related_name="+"
    )
    other_attendees = models.TextField(
        _("other attendees"), blank=True, help_text=_("Names of attendees without a login.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    pack = models.JSONField(_("frozen review pack"), default=dict, blank=True)
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("management review")
        verbose_name_plural = _("management reviews")
        ordering = ["-meeting_date", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_frozen(self) -> bool:
        return self.status != ReviewStatus.DRAFT

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError(
                {"period_end": _("The period must end on or after its first day.")}
            )


class ReviewSignature(models.Model):
    """The signature of the minutes, bound to the SHA-256 of the minutes' content."""

    review = models.ForeignKey(
        Review,
        verbose_name=_("management review"),
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    printed_name = models.CharField(_("printed name"), max_length=150)
    meaning = models.CharField(_("meaning"), max_length=300)
    signed_at = models.DateTimeField(_("signed at"))
    content_hash = models.CharField(_("content hash"), max_length=64)

    class Meta:
        verbose_name = _("minutes signature")
        verbose_name_plural = _("minutes signatures")
        ordering = ["signed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.printed_name}: {self.meaning}"


class ReviewSignatureAttempt(models.Model):
    review = models.ForeignKey(
        Review, verbose_name=_("management review"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=AttemptOutcome.choices)
    attempted_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("signing attempt")
        verbose_name_plural = _("signing attempts")
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.get_outcome_display()}"
