"""Service records and their import: sources, records, import runs and their row errors."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import TimeStampedModel
from sqms.org.models import TIME_ZONES, Channel, Employee, Service, Site, Team


class ErrorPolicy(models.TextChoices):
    REJECT_ALL = "reject_all", _("Reject the whole file on any error")
    KEEP_GOOD = "keep_good", _("Keep the good rows and report the rest")


class RecordSource(TimeStampedModel):
    """Where service records come from; remembers how its files' columns map to fields."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    mapping = models.JSONField(
        _("column mapping"),
        default=dict,
        blank=True,
        help_text=_("For each record field, the file column it is read from."),
    )
    last_columns = models.JSONField(_("columns of the last file"), default=list, blank=True)
    policy = models.CharField(
        _("default error policy"),
        max_length=16,
        choices=ErrorPolicy.choices,
        default=ErrorPolicy.REJECT_ALL,
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=[(z, z) for z in TIME_ZONES],
        default="Asia/Seoul",
        help_text=_("Timestamps without a time zone are read in this one."),
    )

    class Meta:
        verbose_name = _("record source")
        verbose_name_plural = _("record sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceRecord(TimeStampedModel):
    """One served request, contact or visit, as an operational system exported it."""

    source = models.ForeignKey(
        RecordSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="records"
    )
    external_id = models.CharField(_("external id"), max_length=100)
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    agent = models.ForeignKey(
        Employee,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    handle_seconds = models.FloatField(_("handling time (s)"), null=True, blank=True)
    resolved_first_contact = models.BooleanField(
        _("resolved at first contact"), null=True, blank=True
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    extra = models.JSONField(_("other values"), default=dict, blank=True)
    row_hash = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="monitoring_record_source_external_id"
            )
        ]
        indexes = [
            models.Index(fields=["service", "received_at"]),
            models.Index(fields=["site", "received_at"]),
        ]

    def __str__(self) -> str:
        return self.external_id


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    REJECTED = "rejected", _("Rejected")


FINISHED = (RunStatus.DONE, RunStatus.FAILED, RunStatus.REJECTED)


class ImportRun(models.Model):
    """One import of one file or API batch into a source."""

    source = models.ForeignKey(
        RecordSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="runs"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    file_format = models.CharField(_("format"), max_length=8, default="csv")
    encoding = models.CharField(_("encoding"), max_length=16, default="auto")
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    policy = models.CharField(_("error policy"), max_length=16, choices=ErrorPolicy.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING
    )
    message = models.TextField(_("message"), blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_processed = models.BigIntegerField(_("rows processed"), default=0)
    rows_total = models.BigIntegerField(_("rows"), default=0)
    rows_created = models.BigIntegerField(_("created"), default=0)
    rows_updated = models.BigIntegerField(_("updated"), default=0)
    rows_unchanged = models.BigIntegerField(_("unchanged"), default=0)
    rows_failed = models.BigIntegerField(_("failed"), default=0)
    errors_total = models.BigIntegerField(_("errors"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source_id}: {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def errors_not_kept(self) -> int:
        return max(0, self.errors_total - 10_000)


class ImportRowError(models.Model):
    """One reported problem of an import: the row, the column and why."""

    run = models.ForeignKey(
        ImportRun, verbose_name=_("import run"), on_delete=models.CASCADE, related_name="errors"
    )
    row = models.BigIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=255, blank=True)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")
        ordering = ["row", "pk"]

    def __str__(self) -> str:
        return f"{self.row} {self.column}: {self.reason}"
