"""Service records and their import: sources, records, import runs and their row errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import TimeStampedModel
from sqms.core.zones import time_zone_choices
from sqms.monitoring.fields import JsonText
from sqms.org.models import Channel, Employee, Service, Site, Team


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
        choices=time_zone_choices,
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

    # Records arrive by the million. Every reference is checked against the organisation when
    # a row is validated and deletes are refused by `on_delete=PROTECT` in Django, so the
    # database keeps no foreign-key triggers here: on PostgreSQL they cost more than the insert
    # itself. The unique key and the two (…, received_at) indexes lead with source, service
    # and site, so those need no index of their own either.
    source = models.ForeignKey(
        RecordSource,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
        db_constraint=False,
    )
    external_id = models.CharField(_("external id"), max_length=100)
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    agent = models.ForeignKey(
        Employee,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
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


# --- Evaluation: rollups, baselines, signals, alerting -------------------------------------


class Grain(models.TextChoices):
    """The grain rollups are stored at: hourly standards keep hours, all others keep days;
    weeks and months are derived by merging days."""

    HOUR = "hour", _("Hour")
    DAY = "day", _("Day")


class Rollup(models.Model):
    """The mergeable summary of one (standard, grain period, segment) cell.

    `segment` is "" for the whole service or a key such as "site:3", "team:7", "channel:phone",
    "site:3|channel:phone" or "agent:12"; the FK columns repeat it for filtering. `n` counts the
    values, `n_meeting` those meeting the version's threshold, `total`/`total_sq` are sums for
    means and spreads, `sketch` is a `sqms_analytics.sketch.Sketch` for percentiles, and `value`
    is the cell's aggregate under the metric's aggregation.
    """

    # Rollups are derived and rebuilt by evaluation, hundreds of thousands at a time: Django
    # enforces the CASCADE and PROTECT below, the database keeps no foreign-key triggers (on
    # PostgreSQL their checks at commit cost as much as the insert). Every reader finds cells
    # by the cell key, which leads with the standard; the other keys have no index either, as
    # only deleting a version, site, team or employee looks for their cells (a table scan
    # then), while each index cost every insert of a year's cells about 0.15 s.
    standard = models.ForeignKey(
        "standards.ServiceStandard",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    version = models.ForeignKey(
        "standards.StandardVersion",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    grain = models.CharField(max_length=4, choices=Grain.choices)
    period_start = models.DateTimeField()
    segment = models.CharField(max_length=80, blank=True)
    site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    channel = models.CharField(max_length=16, blank=True)
    agent = models.ForeignKey(
        Employee,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    n = models.BigIntegerField(default=0)
    n_meeting = models.BigIntegerField(default=0)
    total = models.FloatField(default=0.0)
    total_sq = models.FloatField(default=0.0)
    sketch = JsonText(default=dict, blank=True)
    value = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "grain", "segment", "period_start"],
                name="monitoring_rollup_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.standard_id} {self.segment or '*'} {self.period_start:%Y-%m-%d %H:%M}"


class PendingMerge(models.Model):
    """New records not yet counted in a standard's rollups: the ids [first_id, last_id] of one
    block an import wrote (only the standard's service's records in it count).

    The import writes these rows in the transaction that writes the block, one per active
    record standard of the block's services; evaluation adds the block's records to the cells
    they fall in and deletes the row in one transaction, under a lock on the standard, so a
    block is counted exactly once however evaluations and recomputations interleave
    (`sqms.monitoring.merges`). Cost then follows the block, not the records already stored.
    """

    standard = models.ForeignKey(
        "standards.ServiceStandard", on_delete=models.CASCADE, related_name="+"
    )
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pending merge")
        verbose_name_plural = _("pending merges")

    def __str__(self) -> str:
        return f"{self.standard_id} {self.first_id}-{self.last_id}"


class ChartChoice(models.TextChoices):
    AUTO = "auto", _("Chosen from the metric")
    P = "p", _("p chart (share)")
    IMR = "imr", _("Individuals and moving range")
    XBAR_S = "xbar_s", _("X-bar and S")
    U = "u", _("u chart (rate)")
    C = "c", _("c chart (count)")
    EWMA = "ewma", _("EWMA")


class StandardMonitoring(TimeStampedModel):
    """How one standard is watched: control chart, rules, SLO window, alert routing."""

    standard = models.OneToOneField(
        "standards.ServiceStandard",
        verbose_name=_("service standard"),
        on_delete=models.CASCADE,
        related_name="monitoring",
    )
    chart = models.CharField(
        _("control chart"), max_length=8, choices=ChartChoice.choices, default=ChartChoice.AUTO
    )
    rule_set = models.CharField(_("SPC rules"), max_length=20, default="western_electric")
    slo_window_days = models.PositiveSmallIntegerField(_("SLO window (days)"), default=28)
    min_records = models.PositiveIntegerField(
        _("minimum records per period"),
        default=10,
        help_text=_(
            "Periods with fewer records are shown but never judged: no breach, no control "
            "chart point."
        ),
    )
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    quiet_minutes = models.PositiveIntegerField(
        _("quiet period (minutes)"),
        default=60,
        help_text=_("After an alert, further alerts for this standard wait this long."),
    )
    last_alert_at = models.DateTimeField(_("last alert"), null=True, blank=True)
    subscribers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("subscribers"),
        blank=True,
        related_name="subscribed_standards",
    )

    class Meta:
        verbose_name = _("standard monitoring")
        verbose_name_plural = _("standard monitoring")

    def __str__(self) -> str:
        return str(self.standard)


class Baseline(models.Model):
    """The window control limits are estimated from; a re-baseline adds a row with a reason."""

    standard = models.ForeignKey(
        "standards.ServiceStandard",
        verbose_name=_("service standard"),
        on_delete=models.CASCADE,
        related_name="baselines",
    )
    segment = models.CharField(_("segment"), max_length=80, blank=True)
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.TextField(_("reason"))
    limits = models.JSONField(_("control limits"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.standard_id} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"


class SignalKind(models.TextChoices):
    BREACH = "breach", _("Standard breached")
    SPC = "spc", _("Control chart rule")
    SLO_FAST = "slo_fast", _("SLO fast burn")
    SLO_SLOW = "slo_slow", _("SLO slow burn")


class SignalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISMISSED = "dismissed", _("Dismissed")
    RESOLVED = "resolved", _("Resolved")


class Signal(TimeStampedModel):
    """Statistics say something changed. Open duplicates — same standard, segment, kind and
    rule — are folded into one row whose evidence and `last_period` grow."""

    standard = models.ForeignKey(
        "standards.ServiceStandard",
        verbose_name=_("service standard"),
        on_delete=models.CASCADE,
        related_name="signals",
    )
    version = models.ForeignKey(
        "standards.StandardVersion",
        verbose_name=_("standard version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    segment = models.CharField(_("segment"), max_length=80, blank=True)
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SignalKind.choices)
    rule = models.CharField(_("rule"), max_length=40, blank=True)
    first_period = models.DateTimeField(_("first period"))
    last_period = models.DateTimeField(_("last period"))
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=SignalStatus.choices, default=SignalStatus.OPEN
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        ordering = ["-last_period", "-pk"]
        indexes = [models.Index(fields=["status", "standard"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class DeliveryChannel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Held back by the quiet period")


class AlertDelivery(models.Model):
    """One attempt chain to tell one recipient (or one webhook) about one signal."""

    signal = models.ForeignKey(
        Signal, verbose_name=_("signal"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=DeliveryChannel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.signal_id} {self.get_channel_display()} {self.get_status_display()}"


# --- Inspections -----------------------------------------------------------------------------


class Inspection(TimeStampedModel):
    """A quality inspection of one served contact or visit: a score out of 100 and a checklist.

    Inspection scores are the source of metrics with the "inspection score" source.
    """

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
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspected_at = models.DateTimeField(_("inspected"))
    score = models.DecimalField(
        _("inspection score"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("From 0 to 100."),
    )
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    record = models.ForeignKey(
        ServiceRecord,
        verbose_name=_("service record"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_at", "-pk"]
        indexes = [
            models.Index(fields=["service", "inspected_at"]),
            models.Index(fields=["site", "inspected_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.inspected_at:%Y-%m-%d %H:%M} {self.score}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        team = self.team if self.team_id else None
        agent = self.agent if self.agent_id else None
        record = self.record if self.record_id else None
        if team is not None and self.site_id and team.site_id != self.site_id:
            errors["team"] = _("The team belongs to another site.")
        if agent is not None and self.site_id and agent.site_id != self.site_id:
            errors["agent"] = _("The agent works at another site.")
        if record is not None and self.service_id and record.service_id != self.service_id:
            errors["record"] = _("The service record belongs to another service.")
        items = self.checklist
        if not isinstance(items, list) or not all(
            isinstance(i, dict)
            and isinstance(i.get("item"), str)
            and i["item"].strip()
            and isinstance(i.get("passed"), bool)
            for i in items
        ):
            errors["checklist"] = _("Each checklist entry needs an item and whether it passed.")
        if errors:
            raise ValidationError(errors)
