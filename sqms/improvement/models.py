"""Nonconformances, root-cause analysis, actions (CAPA) and effectiveness checks."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.core.models import ArchivableModel, TimeStampedModel
from sqms.core.signing import AttemptOutcome


class SourceType(models.TextChoices):
    SIGNAL = "signal", _("Monitoring signal")
    RULE = "rule", _("Automatic rule")
    COMPLAINT = "complaint", _("Complaint")
    AUDIT_FINDING = "audit_finding", _("Audit finding")
    INCIDENT = "incident", _("Incident")
    STAFF_REPORT = "staff_report", _("Staff report")
    MANUAL = "manual", _("Entered by hand")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class NcStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONTAINED = "contained", _("Contained")
    ANALYSED = "analysed", _("Analysed")
    ACTION_PLANNED = "action_planned", _("Action planned")
    IMPLEMENTED = "implemented", _("Implemented")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Bone(models.TextChoices):
    """The service categories of the fishbone (Ishikawa) diagram."""

    PEOPLE = "people", _("People")
    PROCESS = "process", _("Process")
    POLICY = "policy", _("Policy")
    PLACE = "place", _("Place / environment")
    EQUIPMENT = "equipment", _("Equipment / technology")
    MEASUREMENT = "measurement", _("Measurement")
    CUSTOMER = "customer", _("Customer")
    SUPPLIER = "supplier", _("Supplier")


class ActionKind(models.TextChoices):
    CORRECTION = "correction", _("Correction")
    CORRECTIVE = "corrective", _("Corrective action")
    PREVENTIVE = "preventive", _("Preventive action")
    IMPROVEMENT = "improvement", _("Improvement")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ChangeTarget(models.TextChoices):
    NONE = "", _("Nothing")
    STANDARD = "standard", _("Service standard")
    PROCESS = "process", _("Process")
    TRAINING = "training", _("Training need")
    DOCUMENT = "document", _("Document")
    OTHER = "other", _("Other")


class DataSource(models.TextChoices):
    MANUAL = "manual", _("Entered on the page")
    METRIC_RESULTS = "metric_results", _("Metric results")


class CheckKind(models.TextChoices):
    PROPORTION = "proportion", _("Proportion (events out of cases)")
    MEAN = "mean", _("Mean (values)")


class Verdict(models.TextChoices):
    IMPROVED = "improved", _("Improved")
    NO_EVIDENCE = "no_evidence", _("No evidence of change")
    WORSE = "worse", _("Worse")


# --- cause taxonomy ---------------------------------------------------------------------------


class CauseCategory(ArchivableModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    bone = models.CharField(_("fishbone category"), max_length=16, choices=Bone.choices)

    class Meta:
        verbose_name = _("cause category")
        verbose_name_plural = _("cause categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Cause(ArchivableModel):
    category = models.ForeignKey(
        CauseCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="causes"
    )
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("cause")
        verbose_name_plural = _("causes")
        ordering = ["category__code", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RaiseRule(TimeStampedModel):
    """Per service standard: raise a nonconformance automatically when monitoring signals."""

    standard = models.OneToOneField(
        "standards.ServiceStandard",
        verbose_name=_("service standard"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    enabled = models.BooleanField(_("raise automatically"), default=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MINOR
    )

    class Meta:
        verbose_name = _("automatic raising rule")
        verbose_name_plural = _("automatic raising rules")

    def __str__(self) -> str:
        return str(self.standard_id)


# --- nonconformances --------------------------------------------------------------------------


class Nonconformance(TimeStampedModel):
    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=NcStatus.choices, default=NcStatus.OPEN
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MINOR
    )
    source_type = models.CharField(_("source"), max_length=16, choices=SourceType.choices)
    # A generic link to the record it was raised from (a signal, complaint, audit finding, …).
    source_content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("source record type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_object_id = models.CharField(_("source record id"), max_length=64, blank=True)
    source = GenericForeignKey("source_content_type", "source_object_id")
    source_reference = models.CharField(_("source reference"), max_length=200, blank=True)
    evidence = models.JSONField(
        _("evidence"),
        default=dict,
        blank=True,
        help_text=_("For a signal: the chart and the points that signalled."),
    )
    evidence_text = models.TextField(_("evidence"), blank=True)
    service = models.ForeignKey(
        "org.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    site = models.ForeignKey(
        "org.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    process = models.CharField(_("process"), max_length=200, blank=True)
    standard_version = models.ForeignKey(
        "standards.StandardVersion",
        verbose_name=_("standard version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    detected_at = models.DateTimeField(_("detected"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    containment = models.TextField(_("immediate containment"), blank=True)
    correction = models.TextField(_("correction"), blank=True)
    root_cause = models.ForeignKey(
        Cause,
        verbose_name=_("root cause"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nonconformances",
    )
    root_cause_statement = models.TextField(_("root cause statement"), blank=True)
    recurrence_of = models.ForeignKey(
        "self",
        verbose_name=_("recurrence of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recurrences",
    )
    closing_justification = models.TextField(_("justification for closing"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("nonconformance")
        verbose_name_plural = _("nonconformances")
        ordering = ["-detected_at", "-pk"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["service", "detected_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_recurrence(self) -> bool:
        return self.recurrence_of_id is not None

    @property
    def is_terminal(self) -> bool:
        return self.status in (NcStatus.CLOSED, NcStatus.CANCELLED)


class StatusChange(models.Model):
    nonconformance = models.ForeignKey(
        Nonconformance,
        verbose_name=_("nonconformance"),
        on_delete=models.PROTECT,
        related_name="changes",
    )
    from_status = models.CharField(_("from"), max_length=16, choices=NcStatus.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=NcStatus.choices)
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


class Signature(models.Model):
    """The closing signature: bound to the SHA-256 of the record's content when signed."""

    nonconformance = models.ForeignKey(
        Nonconformance,
        verbose_name=_("nonconformance"),
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
        verbose_name = _("closing signature")
        verbose_name_plural = _("closing signatures")
        ordering = ["signed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.printed_name}: {self.meaning}"


class SignatureAttempt(models.Model):
    nonconformance = models.ForeignKey(
        Nonconformance,
        verbose_name=_("nonconformance"),
        on_delete=models.PROTECT,
        related_name="+",
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


# --- root-cause analysis ----------------------------------------------------------------------


class WhyStep(TimeStampedModel):
    """One answer in a 5-Whys chain; a nonconformance may have several chains."""

    nonconformance = models.ForeignKey(
        Nonconformance,
        verbose_name=_("nonconformance"),
        on_delete=models.CASCADE,
        related_name="whys",
    )
    chain = models.PositiveSmallIntegerField(_("chain"), default=1)
    position = models.PositiveSmallIntegerField(_("step"))
    text = models.CharField(_("why?"), max_length=500)

    class Meta:
        verbose_name = _("why step")
        verbose_name_plural = _("why steps")
        ordering = ["chain", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.chain}.{self.position} {self.text[:50]}"


class FishboneCause(TimeStampedModel):
    nonconformance = models.ForeignKey(
        Nonconformance,
        verbose_name=_("nonconformance"),
        on_delete=models.CASCADE,
        related_name="fishbone",
    )
    bone = models.CharField(_("category"), max_length=16, choices=Bone.choices)
    text = models.CharField(_("cause"), max_length=200)

    class Meta:
        verbose_name = _("fishbone cause")
        verbose_name_plural = _("fishbone causes")
        ordering = ["bone", "pk"]

    def __str__(self) -> str:
        return f"{self.bone}: {self.text[:50]}"


# --- actions ----------------------------------------------------------------------------------


class Action(TimeStampedModel):
    nonconformance = models.ForeignKey(
        Nonconformance,
        verbose_name=_("nonconformance"),
        on_delete=models.PROTECT,
        related_name="actions",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ActionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="improvement_actions",
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    completed_on = models.DateField(_("completed"), null=True, blank=True)
    # What the action changes; linked generically once that record exists.
    change_target = models.CharField(
        _("changes"), max_length=16, choices=ChangeTarget.choices, blank=True
    )
    change_description = models.CharField(_("what changes"), max_length=300, blank=True)
    target_content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("changed record type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_object_id = models.CharField(_("changed record id"), max_length=64, blank=True)
    target = GenericForeignKey("target_content_type", "target_object_id")
    reminded_on = models.DateField(_("reminder sent"), null=True, blank=True)
    escalated_on = models.DateField(_("escalation sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in (ActionStatus.DONE, ActionStatus.CANCELLED)


class ActionNote(models.Model):
    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("progress note"))
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:50]


class ActionEvidence(TimeStampedModel):
    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to="improvement/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    mime = models.CharField(_("type"), max_length=100)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["original_name", "pk"]

    def __str__(self) -> str:
        return self.original_name


# --- effectiveness ----------------------------------------------------------------------------


class EffectivenessCheck(TimeStampedModel):
    """A before/after comparison of one metric; the data is stored with the check.

    `data_source` says where the series came from: entered on the page now, metric results
    once the monitoring app records them.
    """

    nonconformance = models.ForeignKey(
        Nonconformance,
        verbose_name=_("nonconformance"),
        on_delete=models.PROTECT,
        related_name="checks",
    )
    metric = models.ForeignKey(
        "standards.Metric",
        verbose_name=_("metric"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    metric_label = models.CharField(_("measure"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=CheckKind.choices)
    higher_is_better = models.BooleanField(_("higher is better"), default=False)
    data_source = models.CharField(
        _("data source"), max_length=16, choices=DataSource.choices, default=DataSource.MANUAL
    )
    before_from = models.DateField(_("before: from"))
    before_to = models.DateField(_("before: to"))
    after_from = models.DateField(_("after: from"))
    after_to = models.DateField(_("after: to"))
    before_data = models.JSONField(_("before data"), default=dict)
    after_data = models.JSONField(_("after data"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("effectiveness check")
        verbose_name_plural = _("effectiveness checks")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.metric_label}: {self.verdict}"


# --- improvement register (PDCA) --------------------------------------------------------------


class Stage(models.TextChoices):
    PLAN = "plan", pgettext_lazy("PDCA stage", "Plan")
    DO = "do", pgettext_lazy("PDCA stage", "Do")
    CHECK = "check", pgettext_lazy("PDCA stage", "Check")
    ACT = "act", pgettext_lazy("PDCA stage", "Act")
    COMPLETED = "completed", pgettext_lazy("PDCA stage", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("PDCA stage", "Cancelled")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Initiative(TimeStampedModel):
    """One improvement initiative in the continual improvement register."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.PLAN)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.MEDIUM
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="improvement_initiatives",
    )
    service = models.ForeignKey(
        "org.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    site = models.ForeignKey(
        "org.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    standard = models.ForeignKey(
        "standards.ServiceStandard",
        verbose_name=_("service standard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    metric = models.ForeignKey(
        "standards.Metric",
        verbose_name=_("metric"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.CharField(
        _("unit"),
        max_length=40,
        blank=True,
        help_text=_("The unit of the benefit; taken from the metric when one is chosen."),
    )
    expected_benefit = models.DecimalField(
        _("expected benefit"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    realised_benefit = models.DecimalField(
        _("realised benefit"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    nonconformance = models.ForeignKey(
        Nonconformance,
        verbose_name=_("nonconformance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="initiatives",
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("improvement initiative")
        verbose_name_plural = _("improvement initiatives")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_terminal(self) -> bool:
        return self.stage in (Stage.COMPLETED, Stage.CANCELLED)


class StageChange(models.Model):
    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("improvement initiative"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    from_stage = models.CharField(_("from"), max_length=10, choices=Stage.choices)
    to_stage = models.CharField(_("to"), max_length=10, choices=Stage.choices)
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
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"


# --- employee suggestions ---------------------------------------------------------------------


class SuggestionStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("suggestion status", "Submitted")
    ACCEPTED = "accepted", pgettext_lazy("suggestion status", "Accepted")
    MERGED = "merged", pgettext_lazy("suggestion status", "Merged")
    DECLINED = "declined", pgettext_lazy("suggestion status", "Declined")


class Suggestion(TimeStampedModel):
    """An idea from an employee. When `anonymous`, the submitter is never shown to anyone; it is
    kept only to tell them what happened and to count participation."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("idea"))
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    site = models.ForeignKey(
        "org.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    service = models.ForeignKey(
        "org.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.SUBMITTED,
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
    )
    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("improvement initiative"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triaged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)

    class Meta:
        verbose_name = _("improvement suggestion")
        verbose_name_plural = _("improvement suggestions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class SuggestionVote(models.Model):
    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="votes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "user"], name="improvement_one_vote_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.suggestion_id} {self.user_id}"


class SuggestionComment(models.Model):
    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:50]


# --- lessons learned --------------------------------------------------------------------------


class Lesson(TimeStampedModel):
    """What a closed nonconformance or a completed initiative taught; searchable."""

    title = models.CharField(_("title"), max_length=200)
    what_happened = models.TextField(_("what happened"))
    what_we_learned = models.TextField(_("what we learned"))
    tags = models.CharField(
        _("tags"), max_length=300, blank=True, help_text=_("Separated by commas.")
    )
    nonconformance = models.ForeignKey(
        Nonconformance,
        verbose_name=_("nonconformance"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lessons",
    )
    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("improvement initiative"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lessons",
    )
    standard = models.ForeignKey(
        "standards.ServiceStandard",
        verbose_name=_("service standard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    service = models.ForeignKey(
        "org.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    site = models.ForeignKey(
        "org.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cause_category = models.ForeignKey(
        CauseCategory,
        verbose_name=_("cause category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Lower case, NFKC, without white space: what searches match against.
    search_text = models.TextField(editable=False, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lesson learned")
        verbose_name_plural = _("lessons learned")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]
