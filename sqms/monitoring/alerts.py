"""Alerts about new signals: in-app notifications, e-mails and an optional webhook.

`alerts_queue` runs when detection opens new signals (never when a signal only grows). It writes
one `AlertDelivery` per channel and recipient — the standard's owner and its subscribers get an
in-app notification and, when they have an address, an e-mail; the standard's webhook gets one
JSON POST — and hands the pending ones to the worker (`tasks.alert_deliver_task`), which retries
failures. Quiet rule: when the standard's last alert is less than `quiet_minutes` old, the
deliveries are written as *suppressed* (visible on the signal's page) and not sent. All signals
opened by one detection run count as one alert.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sqms.core.models import User
from sqms.core.services import notification_send
from sqms.monitoring.models import (
    AlertDelivery,
    DeliveryChannel,
    DeliveryStatus,
    Signal,
    StandardMonitoring,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
"""One try and three retries by the worker."""
WEBHOOK_TIMEOUT = 10


class DeliveryRetry(Exception):
    """A delivery failed and will be retried by the worker."""


def recipients_for(signal: Signal) -> list[User]:
    """The standard's owner and subscribers who are active, each once."""
    users: dict[int, User] = {}
    owner = signal.standard.owner
    if owner is not None and owner.is_active:
        users[owner.pk] = owner
    monitoring = StandardMonitoring.objects.filter(standard_id=signal.standard_id).first()
    if monitoring is not None:
        for user in monitoring.subscribers.filter(is_active=True):
            users.setdefault(user.pk, user)
    return list(users.values())


def _language(user: User | None) -> str:
    return (user.language if user is not None else "") or settings.LANGUAGE_CODE


def signal_url(signal: Signal) -> str:
    return reverse("monitoring:signal_detail", kwargs={"pk": signal.pk})


def signal_title(signal: Signal) -> str:
    """The alert's title in the active language."""
    return _("%(kind)s: %(standard)s") % {
        "kind": signal.get_kind_display(),
        "standard": signal.standard,
    }


def signal_text(signal: Signal) -> str:
    """The alert's body in the active language."""
    from sqms.monitoring.signal_selectors import rule_label, segment_label

    local = timezone.localtime(signal.last_period)
    lines = [
        _("Standard %(standard)s, version %(version)s.")
        % {"standard": signal.standard, "version": signal.version.version},
        _("Segment: %(segment)s.") % {"segment": segment_label(signal.segment)},
        _("Rule: %(rule)s.") % {"rule": rule_label(signal.kind, signal.rule)},
        _("Period: %(period)s.") % {"period": local.strftime("%Y-%m-%d %H:%M")},
    ]
    return "\n".join(lines)


@transaction.atomic
def alerts_queue(*, signals: Sequence[Signal]) -> list[AlertDelivery]:
    """Write the deliveries of newly opened signals and queue the pending ones."""
    if not signals:
        return []
    now = timezone.now()
    created: list[AlertDelivery] = []
    by_standard: dict[int, list[Signal]] = {}
    for signal in signals:
        by_standard.setdefault(signal.standard_id, []).append(signal)
    for standard_id, group in by_standard.items():
        from sqms.monitoring.signal_services import standard_monitoring_get_or_create

        standard_monitoring_get_or_create(standard=group[0].standard)
        monitoring = StandardMonitoring.objects.select_for_update().get(standard_id=standard_id)
        last = monitoring.last_alert_at
        quiet = last is not None and (now - last).total_seconds() < monitoring.quiet_minutes * 60
        status = DeliveryStatus.SUPPRESSED if quiet else DeliveryStatus.PENDING
        for signal in group:
            rows = [
                AlertDelivery(
                    signal=signal, channel=DeliveryChannel.IN_APP, recipient=u, status=status
                )
                for u in recipients_for(signal)
            ]
            rows += [
                AlertDelivery(
                    signal=signal, channel=DeliveryChannel.EMAIL, recipient=u, status=status
                )
                for u in recipients_for(signal)
                if u.email
            ]
            if monitoring.webhook_url:
                rows.append(
                    AlertDelivery(signal=signal, channel=DeliveryChannel.WEBHOOK, status=status)
                )
            created += AlertDelivery.objects.bulk_create(rows)
        if not quiet:
            monitoring.last_alert_at = now
            monitoring.save(update_fields=["last_alert_at", "updated_at"])
    pending = [d.pk for d in created if d.status == DeliveryStatus.PENDING]
    if pending:
        transaction.on_commit(lambda: _enqueue(pending))
    return created


def _enqueue(ids: Iterable[int]) -> None:
    from sqms.monitoring.tasks import alert_deliver_task

    for pk in ids:
        alert_deliver_task(pk)


def webhook_payload(signal: Signal) -> dict[str, Any]:
    """Slack-compatible: `text` for chat tools, structured fields for everything else."""
    with translation.override(settings.LANGUAGE_CODE):
        title, text = signal_title(signal), signal_text(signal)
    return {
        "text": f"{title}\n{text}",
        "signal": {
            "id": signal.pk,
            "kind": signal.kind,
            "rule": signal.rule,
            "status": signal.status,
            "standard": signal.standard.code,
            "standard_id": signal.standard_id,
            "version": signal.version.version,
            "segment": signal.segment,
            "site_id": signal.site_id,
            "first_period": signal.first_period.isoformat(),
            "last_period": signal.last_period.isoformat(),
            "occurrences": signal.occurrences,
            "url": signal_url(signal),
        },
    }


def post_json(url: str, payload: dict[str, Any], *, timeout: float = WEBHOOK_TIMEOUT) -> int:
    """POST `payload` as JSON; returns the HTTP status (tests replace this function)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("only http and https webhooks")
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "SQMS-alerts"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return int(response.status)


def _safe_error(exc: BaseException) -> str:
    """A failure described without the address (a webhook URL often carries a secret)."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        return f"URLError: {type(exc.reason).__name__}"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return type(exc).__name__


def _send(delivery: AlertDelivery) -> None:
    signal = delivery.signal
    if delivery.channel == DeliveryChannel.WEBHOOK:
        monitoring = StandardMonitoring.objects.filter(standard_id=signal.standard_id).first()
        url = monitoring.webhook_url if monitoring is not None else ""
        if not url:
            raise ValueError("no webhook")
        status = post_json(url, webhook_payload(signal))
        if status >= 300:
            raise RuntimeError(f"HTTP {status}")
        return
    user = delivery.recipient
    if user is None or not user.is_active:
        raise ValueError("no recipient")
    with translation.override(_language(user)):
        title, text = signal_title(signal), signal_text(signal)
    if delivery.channel == DeliveryChannel.IN_APP:
        notification_send(recipients=[user], title=title, body=text, url=signal_url(signal))
    else:
        if not user.email:
            raise ValueError("no e-mail address")
        send_mail(title, f"{text}\n\n{signal_url(signal)}", None, [user.email])


def alert_deliver(*, delivery: AlertDelivery) -> AlertDelivery:
    """One attempt; raises DeliveryRetry while attempts remain after a failure."""
    if delivery.status != DeliveryStatus.PENDING:
        return delivery
    delivery.attempts += 1
    try:
        _send(delivery)
    except Exception as exc:
        delivery.last_error = _safe_error(exc)[:300]
        final = delivery.attempts >= MAX_ATTEMPTS
        delivery.status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
        delivery.save(update_fields=["attempts", "last_error", "status"])
        log.warning(
            "Alert delivery %s (%s) failed, attempt %s: %s",
            delivery.pk,
            delivery.channel,
            delivery.attempts,
            delivery.last_error,
        )
        if not final:
            raise DeliveryRetry(delivery.last_error) from None
        return delivery
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = timezone.now()
    delivery.save(update_fields=["attempts", "last_error", "status", "sent_at"])
    return delivery
