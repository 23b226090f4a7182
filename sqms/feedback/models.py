"""Surveys, their questions, distribution links and the responses collected through them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.models import ArchivableModel, TimeStampedModel
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
    # The indexes on (survey, submitted_at) and (survey, external_id) lead with the survey: a
    # third on the survey alone would only cost every public submit another index write.
    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        on_delete=models.PROTECT,
        related_name="responses",
        db_index=False,
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
    # NULL, not "": responses made here have none, and the unique constraint ignores NULLs.
    external_id = models.CharField(  # noqa: DJ001
        _("external ID"),
        max_length=100,
        null=True,
        blank=True,
        help_text=_("The response's ID in the system it was imported from."),
    )
    # True until the response's follow-up and audit entry are written: the public page stores the
    # answers at once and leaves those to a batch task (`services.responses_effects_write`).
    effects_pending = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["survey", "submitted_at"]),
            models.Index(
                fields=["id"],
                name="feedback_response_pending",
                condition=models.Q(effects_pending=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "external_id"], name="feedback_response_survey_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.submitted_at:%Y-%m-%d}"

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_phone or self.contact_email)


class Answer(models.Model):
    # The unique (response, question) index serves lookups by response.
    response = models.ForeignKey(
        Response,
        verbose_name=_("response"),
        on_delete=models.CASCADE,
        related_name="answers",
        db_index=False,
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


# --- complaints (ISO 10002), follow-ups of low scores, customer needs (QFD) ----------------------


class ComplaintSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("complaint status", "Received")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("complaint status", "Acknowledged")
    INVESTIGATING = "investigating", pgettext_lazy("complaint status", "Investigating")
    RESPONDED = "responded", pgettext_lazy("complaint status", "Responded")
    CLOSED = "closed", pgettext_lazy("complaint status", "Closed")
    REOPENED = "reopened", pgettext_lazy("complaint status", "Reopened")
    WITHDRAWN = "withdrawn", pgettext_lazy("complaint status", "Withdrawn")


class ComplaintIntake(models.TextChoices):
    STAFF = "staff", _("Staff form")
    PUBLIC = "public", _("Public complaint page")
    API = "api", _("API")


class ComplaintCategory(ArchivableModel):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_ko

    def name_for(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name_ko


class Complaint(TimeStampedModel, ServiceContext):
    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    intake = models.CharField(_("received through"), max_length=16, choices=ComplaintIntake.choices)
    category = models.ForeignKey(
        ComplaintCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    severity = models.CharField(
        _("severity"),
        max_length=16,
        choices=ComplaintSeverity.choices,
        default=ComplaintSeverity.MEDIUM,
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="ko"
    )
    complainant_name = models.CharField(_("complainant's name"), max_length=100, blank=True)
    complainant_phone = models.CharField(_("complainant's phone"), max_length=40, blank=True)
    complainant_email = models.EmailField(_("complainant's e-mail"), max_length=100, blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    retention_until = models.DateTimeField(_("keep contact until"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    ip_hash = models.CharField(_("IP hash"), max_length=64, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_complaints",
    )
    received_at = models.DateTimeField(_("received"), db_index=True)
    ack_due_at = models.DateTimeField(_("acknowledgement due"))
    resolve_due_at = models.DateTimeField(_("resolution due"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    ack_escalated_at = models.DateTimeField(_("acknowledgement escalated"), null=True, blank=True)
    resolve_escalated_at = models.DateTimeField(_("resolution escalated"), null=True, blank=True)
    reply = models.TextField(
        _("reply to the complainant"),
        blank=True,
        help_text=_("What the complainant is told. Internal notes are kept apart."),
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction with the handling"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    satisfaction_at = models.DateTimeField(_("satisfaction recorded"), null=True, blank=True)
    satisfaction_token = models.CharField(_("satisfaction link token"), max_length=64, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["satisfaction_token"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status not in (ComplaintStatus.CLOSED, ComplaintStatus.WITHDRAWN)

    @property
    def escalated(self) -> bool:
        return bool(self.ack_escalated_at or self.resolve_escalated_at)

    @property
    def has_contact(self) -> bool:
        return bool(self.complainant_name or self.complainant_phone or self.complainant_email)


class ComplaintStatusChange(models.Model):
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="changes"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=ComplaintStatus.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=ComplaintStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    changed_at = models.DateTimeField(_("changed"))

    class Meta:
        verbose_name = _("complaint status change")
        verbose_name_plural = _("complaint status changes")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class ComplaintNote(models.Model):
    """An internal note: never shown to the complainant."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("internal note"))
    created_at = models.DateTimeField(_("written"))

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


# Bounds of a clock target, in business hours: at least 15 minutes, at most a working year.
TARGET_HOURS_MIN = Decimal("0.25")
TARGET_HOURS_MAX = Decimal("2000")


class ComplaintTarget(models.Model):
    """Business hours allowed to acknowledge and to resolve complaints of one severity.

    No row for a severity means the built-in default of `complaint_rules.TARGETS` applies.
    """

    severity = models.CharField(
        _("severity"), max_length=16, choices=ComplaintSeverity.choices, unique=True
    )
    acknowledge_hours = models.DecimalField(
        _("acknowledge within (business hours)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(TARGET_HOURS_MIN), MaxValueValidator(TARGET_HOURS_MAX)],
    )
    resolve_hours = models.DecimalField(
        _("resolve within (business hours)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(TARGET_HOURS_MIN), MaxValueValidator(TARGET_HOURS_MAX)],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("complaint clock target")
        verbose_name_plural = _("complaint clock targets")
        ordering = ["severity"]

    def __str__(self) -> str:
        return f"{self.severity}: {self.acknowledge_hours} h / {self.resolve_hours} h"

    def clean(self) -> None:
        ack, resolve = self.acknowledge_hours, self.resolve_hours
        if ack is not None and resolve is not None and resolve < ack:
            raise ValidationError(
                {"resolve_hours": _("Resolution cannot be due before acknowledgement.")}
            )


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class FollowUpOutcome(models.TextChoices):
    CONTACTED = "contacted", _("Customer contacted")
    NOT_REACHABLE = "not_reachable", _("Not reachable")
    NO_CONSENT = "no_consent", _("No consent to contact")


class FollowUp(TimeStampedModel):
    """Close the loop: a detractor or a low CSAT opens a task for the service owner."""

    response = models.OneToOneField(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="follow_up"
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    site = models.ForeignKey(
        "org.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_follow_ups",
        help_text=_("The service owner; without one, the quality managers."),
    )
    nps = models.SmallIntegerField(_("NPS score"), null=True, blank=True)
    csat = models.SmallIntegerField(_("CSAT score"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    due_at = models.DateTimeField(_("due"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=FollowUpOutcome.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["status", "due_at", "pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.response_id}"


class CustomerNeed(ArchivableModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    statement_ko = models.CharField(_("statement (Korean)"), max_length=300)
    statement_en = models.CharField(_("statement (English)"), max_length=300, blank=True)
    importance = models.PositiveSmallIntegerField(
        _("importance"), validators=[MinValueValidator(1), MaxValueValidator(5)], default=3
    )
    themes = models.JSONField(_("themes"), default=list, blank=True)
    responses = models.ManyToManyField(
        Response, verbose_name=_("responses"), blank=True, related_name="customer_needs"
    )
    complaints = models.ManyToManyField(
        Complaint, verbose_name=_("complaints"), blank=True, related_name="customer_needs"
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("customer need")
        verbose_name_plural = _("customer needs")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.statement_ko[:60]}"

    def statement_for(self, language: str) -> str:
        return self.statement_en if language == "en" and self.statement_en else self.statement_ko


class Strength(models.IntegerChoices):
    WEAK = 1, _("Weak (1)")
    MEDIUM = 3, _("Medium (3)")
    STRONG = 9, _("Strong (9)")


class NeedStandardLink(models.Model):
    """One cell of the QFD matrix: how strongly a service standard serves a customer need."""

    need = models.ForeignKey(
        CustomerNeed,
        verbose_name=_("customer need"),
        on_delete=models.CASCADE,
        related_name="links",
    )
    standard = models.ForeignKey(
        "standards.ServiceStandard",
        verbose_name=_("service standard"),
        on_delete=models.CASCADE,
        related_name="need_links",
    )
    strength = models.PositiveSmallIntegerField(
        _("relationship strength"), choices=Strength.choices
    )

    class Meta:
        verbose_name = _("need–standard relationship")
        verbose_name_plural = _("need–standard relationships")
        constraints = [
            models.UniqueConstraint(fields=["need", "standard"], name="feedback_need_standard_once")
        ]

    def __str__(self) -> str:
        return f"{self.need_id}×{self.standard_id}={self.strength}"


# --- text analytics (keywords, themes and sentiment of free-text answers and complaints) -------


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class SentimentMethod(models.TextChoices):
    CLASSIFIER = "classifier", _("Classifier")
    LEXICON = "lexicon", _("Lexicon")
    CORRECTED = "corrected", _("Corrected by staff")


class TextSource(models.TextChoices):
    ANSWER = "answer", _("Survey answer")
    COMPLAINT = "complaint", _("Complaint")


class Theme(TimeStampedModel):
    """A theme of customer comments, recognised by its seed keywords (Korean and English)."""

    name_ko = models.CharField(_("name (Korean)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    keywords = models.JSONField(
        _("keywords"),
        default=list,
        blank=True,
        help_text=_(
            "Korean nouns and English words. A phrase of several words matches when a comment "
            "contains all of them."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name_ko"]

    def __str__(self) -> str:
        return self.name_ko

    def name_for(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name_ko


class TextModel(models.Model):
    """One training of the sentiment classifier (or the decision to stay with the lexicon)."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained"))
    method = models.CharField(_("method"), max_length=16, choices=SentimentMethod.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    n_per_class = models.JSONField(_("examples per class"), default=dict, blank=True)
    n_corrections = models.PositiveIntegerField(_("corrections used"), default=0)
    accuracy = models.FloatField(_("cross-validated accuracy"), null=True, blank=True)
    folds = models.PositiveSmallIntegerField(_("folds"), default=0)

    class Meta:
        verbose_name = _("sentiment model")
        verbose_name_plural = _("sentiment models")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version} {self.method}"


class TextAnnotation(models.Model):
    """Keywords, themes and sentiment of one free-text answer or one complaint."""

    source = models.CharField(_("source"), max_length=16, choices=TextSource.choices)
    answer = models.OneToOneField(
        Answer,
        verbose_name=_("answer"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="text_annotation",
    )
    complaint = models.OneToOneField(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="text_annotation",
    )
    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    site = models.ForeignKey(
        "org.Site",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    written_at = models.DateTimeField(_("written"), db_index=True)
    text_hash = models.CharField(_("text hash"), max_length=64)
    language = models.CharField(_("language"), max_length=8)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    terms = models.JSONField(_("sentiment terms"), default=list, blank=True)
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), blank=True, related_name="annotations"
    )
    themes_corrected = models.BooleanField(_("themes corrected"), default=False)
    sentiment = models.CharField(_("sentiment"), max_length=16, choices=Sentiment.choices)
    method = models.CharField(_("method"), max_length=16, choices=SentimentMethod.choices)
    confidence = models.FloatField(_("confidence"), default=0.0)
    score_label = models.CharField(
        _("label from the score"), max_length=16, choices=Sentiment.choices, blank=True
    )
    corrected_sentiment = models.CharField(
        _("corrected sentiment"), max_length=16, choices=Sentiment.choices, blank=True
    )
    model_version = models.PositiveIntegerField(_("model version"), default=0)
    analysed_at = models.DateTimeField(_("analysed"))

    class Meta:
        verbose_name = _("text annotation")
        verbose_name_plural = _("text annotations")
        ordering = ["-written_at", "-pk"]
        indexes = [models.Index(fields=["survey", "written_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.answer_id or self.complaint_id}"


class TextCorrection(models.Model):
    """A staff correction of a comment's theme or sentiment; kept, and used in training."""

    class Field(models.TextChoices):
        SENTIMENT = "sentiment", _("Sentiment")
        THEME = "theme", _("Theme")

    annotation = models.ForeignKey(
        TextAnnotation,
        verbose_name=_("text annotation"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    field = models.CharField(_("what"), max_length=16, choices=Field.choices)
    old_value = models.CharField(_("before"), max_length=300, blank=True)
    new_value = models.CharField(_("after"), max_length=300, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("corrected"), auto_now_add=True)

    class Meta:
        verbose_name = _("text correction")
        verbose_name_plural = _("text corrections")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"


# --- imports of responses from other systems -----------------------------------------------------


class ImportPolicy(models.TextChoices):
    REJECT_ALL = "reject_all", _("Reject the whole file on any error")
    KEEP_GOOD = "keep_good", _("Keep the good rows and report the rest")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")


class ResponseImport(models.Model):
    """One CSV file of responses from another system, imported into one survey version."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="imports"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    encoding = models.CharField(_("encoding"), max_length=16, default="auto")
    policy = models.CharField(_("error policy"), max_length=16, choices=ImportPolicy.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    message = models.TextField(_("message"), blank=True)
    columns = models.JSONField(_("column mapping"), default=list, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_created = models.PositiveIntegerField(_("created"), default=0)
    rows_skipped = models.PositiveIntegerField(_("already imported"), default=0)
    rows_failed = models.PositiveIntegerField(_("rows with errors"), default=0)
    errors_total = models.PositiveIntegerField(_("errors"), default=0)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("response import")
        verbose_name_plural = _("response imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.file_name}"

    @property
    def is_pending(self) -> bool:
        return self.status == ImportStatus.PENDING


class ResponseImportError(models.Model):
    """One reported problem of a response import: the row, the column and why."""

    response_import = models.ForeignKey(
        ResponseImport,
        verbose_name=_("response import"),
        on_delete=models.CASCADE,
        related_name="errors",
    )
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=255, blank=True)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")
        ordering = ["row", "pk"]

    def __str__(self) -> str:
        return f"{self.row} {self.column}: {self.reason}"
