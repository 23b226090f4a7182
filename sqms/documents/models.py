"""Controlled documents, their revisions, attached files, e-signatures and acknowledgements."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ArchivableModel, TimeStampedModel
from sqms.core.signing import AttemptOutcome


class DocType(models.TextChoices):
    POLICY = "policy", _("Policy")
    MANUAL = "manual", _("Manual")
    PROCEDURE = "procedure", _("Procedure")
    WORK_INSTRUCTION = "work_instruction", _("Work instruction")
    FORM = "form", _("Form")
    RECORD_TEMPLATE = "record_template", _("Record template")


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")
    OBSOLETE = "obsolete", _("Obsolete")


class Meaning(models.TextChoices):
    REVIEWED = "reviewed", _("Reviewed")
    APPROVED = "approved", _("Approved")


class Document(ArchivableModel):
    number = models.CharField(_("number"), max_length=40, unique=True)
    title_ko = models.CharField(_("title (Korean)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    doc_type = models.CharField(_("type"), max_length=32, choices=DocType.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_documents",
    )
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    review_reminded_on = models.DateField(_("review reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title_ko}"


class Revision(TimeStampedModel):
    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    status = models.CharField(
        _("status"), max_length=16, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT
    )
    body = models.TextField(_("body (Markdown)"), blank=True)
    change_summary = models.CharField(_("change summary"), max_length=250, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="documents_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document.number} rev. {self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == RevisionStatus.DRAFT


class RevisionFile(TimeStampedModel):
    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    mime = models.CharField(_("type"), max_length=100)

    class Meta:
        verbose_name = _("attached file")
        verbose_name_plural = _("attached files")
        ordering = ["original_name", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Signature(models.Model):
    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="signatures"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    printed_name = models.CharField(_("printed name"), max_length=150)
    meaning = models.CharField(_("meaning"), max_length=16, choices=Meaning.choices)
    signed_at = models.DateTimeField(_("signed at"))
    content_hash = models.CharField(_("content hash"), max_length=64)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.printed_name}: {self.get_meaning_display()}"


class SignatureAttempt(models.Model):
    """Every signing attempt, kept for the audit trail and for throttling wrong passwords."""

    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    meaning = models.CharField(_("meaning"), max_length=16, choices=Meaning.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=AttemptOutcome.choices)
    attempted_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("signing attempt")
        verbose_name_plural = _("signing attempts")
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.get_outcome_display()}"


class StatusChange(models.Model):
    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="changes"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=RevisionStatus.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=RevisionStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    changed_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class AckCampaign(TimeStampedModel):
    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="campaigns"
    )
    deadline = models.DateField(_("deadline"))
    sites = models.ManyToManyField("org.Site", verbose_name=_("sites"), blank=True)
    teams = models.ManyToManyField("org.Team", verbose_name=_("teams"), blank=True)
    job_roles = models.ManyToManyField("org.JobRole", verbose_name=_("job roles"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("acknowledgement campaign")
        verbose_name_plural = _("acknowledgement campaigns")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.revision} ({self.deadline:%Y-%m-%d})"


class Acknowledgement(models.Model):
    campaign = models.ForeignKey(
        AckCampaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="acknowledgements",
    )
    employee = models.ForeignKey(
        "org.Employee", verbose_name=_("employee"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("read and understood"), null=True, blank=True)
    reminded_on = models.DateField(_("reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        ordering = ["campaign", "employee__name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="documents_ack_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} / {self.campaign_id}"
