"""Writes about signals: acknowledge, dismiss and reopen with a reason; baselines; monitoring
settings and subscriptions. Every write is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.audit import PendingEntry, audit_record, audit_record_many, diff, snapshot
from sqms.core.exceptions import InvalidTransition, ReasonRequired
from sqms.core.models import AuditAction, User
from sqms.monitoring.detection import (
    Limits,
    chart_for,
    chart_period_of,
    chart_scale,
    estimate_limits,
    monitoring_for,
)
from sqms.monitoring.models import Baseline, Signal, SignalStatus, StandardMonitoring
from sqms.monitoring.series import standard_series
from sqms.standards.models import ServiceStandard

# Who may move a signal where (the reason is always required).
TRANSITIONS: dict[str, frozenset[str]] = {
    SignalStatus.OPEN: frozenset({SignalStatus.ACKNOWLEDGED, SignalStatus.DISMISSED}),
    SignalStatus.ACKNOWLEDGED: frozenset({SignalStatus.DISMISSED, SignalStatus.OPEN}),
    SignalStatus.DISMISSED: frozenset({SignalStatus.OPEN}),
    SignalStatus.RESOLVED: frozenset({SignalStatus.OPEN}),
}


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("Please give a reason."))
    return reason


@transaction.atomic
def signal_transition(*, actor: User, signal: Signal, to: str, reason: str) -> Signal:
    reason = _reason(reason)
    signal = Signal.objects.select_for_update().get(pk=signal.pk)
    if to not in TRANSITIONS.get(signal.status, frozenset()):
        raise InvalidTransition(
            _("A signal cannot move from “%(from)s” to “%(to)s”.")
            % {
                "from": SignalStatus(signal.status).label,
                "to": SignalStatus(to).label if to in SignalStatus.values else to,
            }
        )
    before = snapshot(signal)
    signal.status = to
    signal.reason = reason
    signal.handled_by = actor if to != SignalStatus.OPEN else None
    signal.handled_at = timezone.now() if to != SignalStatus.OPEN else None
    signal.full_clean()
    signal.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=signal, before=before, reason=reason)
    return signal


def signal_acknowledge(*, actor: User, signal: Signal, reason: str) -> Signal:
    return signal_transition(
        actor=actor, signal=signal, to=SignalStatus.ACKNOWLEDGED, reason=reason
    )


def signal_dismiss(*, actor: User, signal: Signal, reason: str) -> Signal:
    return signal_transition(actor=actor, signal=signal, to=SignalStatus.DISMISSED, reason=reason)


def signal_reopen(*, actor: User, signal: Signal, reason: str) -> Signal:
    return signal_transition(actor=actor, signal=signal, to=SignalStatus.OPEN, reason=reason)


# --- baselines -------------------------------------------------------------------------------


def baseline_estimate(
    *, standard: ServiceStandard, segment: str, start: dt.datetime, end: dt.datetime
) -> Limits | None:
    """The limits a baseline over [start, end) would give (None: too few points)."""
    monitoring = monitoring_for(standard)
    chart = chart_for(standard, monitoring)
    points = standard_series(  # hourly standards by day, as detection judges them
        standard=standard, segment=segment, start=start, end=end, period=chart_period_of(standard)
    )
    judged = [p for p in points if p.n >= monitoring.min_records]  # thin periods: not judged
    return estimate_limits(chart=chart, points=judged, scale=chart_scale(chart, standard))


@transaction.atomic
def baseline_set(
    *,
    actor: User | None,
    standard: ServiceStandard,
    segment: str = "",
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
) -> Baseline:
    """A new baseline (a re-baseline adds a row; the newest is the active one)."""
    reason = _reason(reason)
    if end <= start:
        raise ValidationError({"end": _("The end must be after the start.")})
    limits = baseline_estimate(standard=standard, segment=segment, start=start, end=end)
    if limits is None:
        raise ValidationError(
            {
                "start": _(
                    "This window holds too few periods with data, or they do not vary, "
                    "to estimate control limits."
                )
            }
        )
    baseline = Baseline(
        standard=standard,
        segment=segment,
        start=start,
        end=end,
        reason=reason,
        limits=limits.to_json(),
        created_by=actor,
    )
    baseline.full_clean()
    baseline.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=baseline, reason=reason)
    return baseline


# --- monitoring settings ---------------------------------------------------------------------


@transaction.atomic
def standard_monitoring_get_or_create(*, standard: ServiceStandard) -> StandardMonitoring:
    monitoring, created = StandardMonitoring.objects.get_or_create(standard=standard)
    if created:
        audit_record_many(
            actor=None,
            entries=[
                PendingEntry(
                    action=AuditAction.CREATE,
                    obj=monitoring,
                    changes=diff({}, _masked(snapshot(monitoring))),
                )
            ],
        )
    return monitoring


@transaction.atomic
def standard_monitoring_update(
    *,
    actor: User | None,
    standard: ServiceStandard,
    chart: str,
    rule_set: str,
    slo_window_days: int,
    quiet_minutes: int,
    webhook_url: str = "",
    subscribers: Iterable[User] | None = None,
    min_records: int | None = None,
) -> StandardMonitoring:
    monitoring = standard_monitoring_get_or_create(standard=standard)
    before = _masked(snapshot(monitoring))
    if min_records is not None:
        monitoring.min_records = min_records
    monitoring.chart = chart
    monitoring.rule_set = rule_set
    monitoring.slo_window_days = slo_window_days
    monitoring.quiet_minutes = quiet_minutes
    monitoring.webhook_url = webhook_url
    monitoring.full_clean()
    monitoring.save()
    if subscribers is not None:
        monitoring.subscribers.set(list(subscribers))
    changes = diff(before, _masked(snapshot(monitoring)))
    if changes:
        audit_record_many(
            actor=actor,
            entries=[PendingEntry(action=AuditAction.UPDATE, obj=monitoring, changes=changes)],
        )
    return monitoring


def mask_url(url: str) -> str:
    """A webhook address without its path and query, which often carry a secret."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


def _masked(data: dict[str, Any]) -> dict[str, Any]:
    url = str(data.get("webhook_url") or "")
    # The audit trail keeps a fingerprint, never the secret-bearing address itself.
    digest = hashlib.sha256(url.encode()).hexdigest()[:12] if url else ""
    return {**data, "webhook_url": f"{mask_url(url)} #{digest}" if url else ""}


@transaction.atomic
def standard_subscribe(
    *, actor: User, standard: ServiceStandard, subscribe: bool = True
) -> StandardMonitoring:
    """Add or remove the actor from the standard's alert subscribers."""
    monitoring = standard_monitoring_get_or_create(standard=standard)
    before = _masked(snapshot(monitoring))
    if subscribe:
        monitoring.subscribers.add(actor)
    else:
        monitoring.subscribers.remove(actor)
    changes = diff(before, _masked(snapshot(monitoring)))
    if changes:
        audit_record_many(
            actor=actor,
            entries=[PendingEntry(action=AuditAction.UPDATE, obj=monitoring, changes=changes)],
        )
    return monitoring
