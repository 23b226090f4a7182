"""Surveys, their questions, distribution links and the responses collected through them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import TimeStampedModel
from sqms.org.models import Service, ServiceContext


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class QuestionKind(models.TextChoices):
    CSAT = "csat", _("Customer satisfaction (CSAT, 1–5)")
    NPS = "nps", _("Net Promoter Score (NPS, 0–10)")
    CES = "ces", _("Customer Effort Score (CES, 1–7)")
    RATING = "rating", _("Rating (1–5)")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Free text")
    SERVQUAL = "servqual", _("SERVQUAL item (1–7)")


SCALES: dict[str, tuple[int, int]] = {
    QuestionKind.CSAT: (1, 5),
    QuestionKind.NPS: (0, 10),
    QuestionKind.CES: (1, 7),
    QuestionKind.RATING: (1, 5),
    QuestionKind.SERVQUAL: (1, 7),
}


class ServqualDimension(models.TextChoices):
    TANGIBLES = "tangibles", _("Tangibles")
    RELIABILITY = "reliability", _("Reliability")
    RESPONSIVENESS = "responsiveness", _("Responsiveness")
    ASSURANCE = "assurance", _("Assurance")
    EMPATHY = "empathy", _("Empathy")


class ServqualMode(models.TextChoices):
    PAIR = "pair", _("Expectation and perception")
    PERCEPTION = "perception", _("Perception only")


class Survey(TimeStampedModel):
    code = models.CharField(_("code"), max_length=30)
    version = models.PositiveIntegerField(_("version"), default=1)
    title_ko = models.CharField(_("title (Korean)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    intro_ko = models.TextField(_("introduction (Korean)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="surveys",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
    )
    collect_contact = models.BooleanField(
        _("offer to leave contact details"),
        default=False,
        help_text=_("Respondents may leave contact details only with explicit consent."),
    )
    retention_days = models.PositiveIntegerField(
        _("contact retention (days)"),
        default=365,
        help_text=_("Contact details are anonymised after this many days; scores are kept."),
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="feedback_survey_code_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} {self.title_ko}"

    def title_for(self, language: str) -> str:
        return self.title_en if language == "en" and self.title_en else self.title_ko

    def intro_for(self, language: str) -> str:
        return self.intro_en if language == "en" and self.intro_en else self.intro_ko


class Question(TimeStampedModel):
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("type"), max_length=16, choices=QuestionKind.choices)
    text_ko = models.CharField(_("text (Korean)"), max_length=500)
    text_en = models.CharField(_("text (English)"), max_length=500)
    required = models.BooleanField(_("required"), default=True)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_("For choice questions: a list of {value, ko, en}."),
    )
    servqual_dimension = models.CharField(
        _("SERVQUAL dimension"), max_length=16, choices=ServqualDimension.choices, blank=True
    )
    servqual_item = models.PositiveSmallIntegerField(_("SERVQUAL item"), null=True, blank=True)
    servqual_mode = models.CharField(
        _("SERVQUAL mode"), max_length=16, choices=ServqualMode.choices, blank=True
    )
    show_if = models.ForeignKey(
        "self",
        verbose_name=_("show only after"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    show_if_max = models.SmallIntegerField(_("when the score is at most"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.order}. {self.text_ko[:60]}"

    def text_for(self, language: str) -> str:
        return self.text_en if language == "en" and self.text_en else self.text_ko

    @property
    def scale(self) -> tuple[int, int] | None:
        return SCALES.get(self.kind)

    @property
    def is_pair(self) -> bool:
        return self.kind == QuestionKind.SERVQUAL and self.servqual_mode == ServqualMode.PAIR

    def choice_labels(self, language: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for item in self.choices or []:
            if isinstance(item, dict):
                value = str(item.get("value", ""))
                label = item.get("en" if language == "en" else "ko") or item.get("ko") or value
                out.append((value, str(label)))
        return out


class DistributionKind(models.TextChoices):
    PUBLIC_LINK = "public_link", _("Public link")
    SINGLE_USE = "single_use", _("Single-use link")
    QR = "qr", _("QR code")
    EMBED = "embed", _("Embedded page")


class Distribution(TimeStampedModel, ServiceContext):
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="distributions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DistributionKind.choices)
    label = models.CharField(_("label"), max_length=120, blank=True)
    token = models.CharField(_("token"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label or self.token[:8]}"

    @property
    def is_single_use(self) -> bool:
        return self.kind == DistributionKind.SINGLE_USE


class Response(ServiceContext):
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="responses"
    )
    distribution = models.ForeignKey(
        Distribution,
        verbose_name=_("distribution"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responses",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    ip_hash = models.CharField(_("IP hash"), max_length=64, blank=True)
    contact_name = models.CharField(_("name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    retention_until = models.DateTimeField(_("keep contact until"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["survey", "submitted_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.submitted_at:%Y-%m-%d}"

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_phone or self.contact_email)


class Answer(models.Model):
    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    value = models.SmallIntegerField(_("score"), null=True, blank=True)
    expectation = models.SmallIntegerField(_("expectation"), null=True, blank=True)
    choice_values = models.JSONField(_("choices"), default=list, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="feedback_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value if self.value is not None else self.text[:30]}"

    def display(self) -> Any:
        if self.choice_values:
            return ", ".join(str(v) for v in self.choice_values)
        return self.value if self.value is not None else self.text
