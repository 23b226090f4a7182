"""Alerts: in-app notifications and e-mails to the owner and subscribers, the webhook with
retries, and the quiet period. No network: the HTTP call is replaced."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from sqms.core.models import Notification
from sqms.core.roles import Role
from sqms.monitoring import alerts
from sqms.monitoring.detection import signals_detect
from sqms.monitoring.models import (
    AlertDelivery,
    DeliveryChannel,
    DeliveryStatus,
    Signal,
    SignalKind,
    StandardMonitoring,
)
from sqms.monitoring.tasks import alert_deliver_task
from tests.factories import make_user
from tests.monitoring.signal_factories import STABLE, daily_standard, day, midnight, put_days

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
HOOK = "https://hooks.example.test/services/T000/B000/secret-token?key=hush"


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def posted(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Webhook calls recorded instead of sent."""
    calls: list[dict[str, Any]] = []

    def fake(url: str, payload: dict[str, Any], *, timeout: float = 10) -> int:
        calls.append({"url": url, "payload": json.loads(json.dumps(payload))})
        return 200

    monkeypatch.setattr(alerts, "post_json", fake)
    return calls


def _world(*, webhook: str = "", quiet: int = 60, last_alert: dt.datetime | None = None):  # type: ignore[no-untyped-def]
    owner = make_user(Role.QUALITY_MANAGER)
    owner.email, owner.language = "owner@example.test", "ko"
    owner.save()
    subscriber = make_user(Role.STAFF)
    subscriber.email = "sub@example.test"
    subscriber.save()
    silent = make_user(Role.STAFF)  # neither owner nor subscriber
    standard = daily_standard(owner=owner)
    monitoring = StandardMonitoring.objects.create(
        standard=standard, webhook_url=webhook, quiet_minutes=quiet, last_alert_at=last_alert
    )
    monitoring.subscribers.add(subscriber)
    put_days(standard, STABLE)
    return standard, owner, subscriber, silent


def _breach(standard, start: int = 20):  # type: ignore[no-untyped-def]
    put_days(standard, [300], start=start)
    return signals_detect(standard=standard, segments=[""], start=midnight(day(0)))


def test_it_notifies_the_owner_and_subscribers_in_app_and_by_email(
    django_capture_on_commit_callbacks, posted
):
    standard, owner, subscriber, silent = _world(webhook=HOOK)
    with django_capture_on_commit_callbacks(execute=True):
        opened = _breach(standard)
    assert opened
    breach = Signal.objects.get(kind=SignalKind.BREACH)
    notes = Notification.objects.filter(url=f"/monitoring/signals/{breach.pk}/")
    assert set(notes.values_list("recipient_id", flat=True)) == {owner.pk, subscriber.pk}
    assert not Notification.objects.filter(recipient=silent).exists()
    assert sorted(m.to[0] for m in mail.outbox if m.body.endswith(f"/signals/{breach.pk}/")) == [
        "owner@example.test",
        "sub@example.test",
    ]
    hooks = [c for c in posted if c["payload"]["signal"]["id"] == breach.pk]
    assert len(hooks) == 1
    assert hooks[0]["payload"]["text"]  # Slack-compatible
    assert hooks[0]["payload"]["signal"]["kind"] == "breach"
    assert hooks[0]["payload"]["signal"]["version"] == 1
    deliveries = AlertDelivery.objects.filter(signal=breach)
    assert {d.status for d in deliveries} == {DeliveryStatus.SENT}
    assert sorted(deliveries.values_list("channel", flat=True)) == sorted(
        [DeliveryChannel.IN_APP] * 2 + [DeliveryChannel.EMAIL] * 2 + [DeliveryChannel.WEBHOOK]
    )


def test_it_writes_each_recipients_alert_in_their_language(django_capture_on_commit_callbacks):
    standard, _owner, _subscriber, _silent = _world()
    seen: dict[str, str] = {}
    original = alerts.signal_title

    def spy(signal: Signal) -> str:
        from django.utils import translation

        seen.setdefault(translation.get_language(), original(signal))
        return original(signal)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(alerts, "signal_title", spy)
        with django_capture_on_commit_callbacks(execute=True):
            _breach(standard)
    assert "ko" in seen  # the owner reads Korean
    assert "en" in seen  # the subscriber follows the site default of the tests


def test_it_does_not_alert_again_when_a_signal_only_grows(django_capture_on_commit_callbacks):
    standard, *_ = _world(quiet=0)
    with django_capture_on_commit_callbacks(execute=True):
        _breach(standard)
    breach = Signal.objects.get(kind=SignalKind.BREACH)
    about = Notification.objects.filter(url=f"/monitoring/signals/{breach.pk}/")
    first = about.count()
    with django_capture_on_commit_callbacks(execute=True):
        grown = _breach(standard, start=21)  # folds into the open breach signal
    assert breach.pk in [s.pk for s in grown]
    assert about.count() == first == 2


def test_it_retries_a_failing_webhook_and_records_the_error_without_the_address(
    django_capture_on_commit_callbacks, monkeypatch
):
    standard, *_ = _world(webhook=HOOK)
    outcomes: list[Exception | int] = [
        urllib.error.URLError(TimeoutError()),
        urllib.error.HTTPError(HOOK, 502, "", None, None),  # type: ignore[arg-type]
        200,
    ]

    def flaky(url: str, payload: dict[str, Any], *, timeout: float = 10) -> int:
        if payload["signal"]["kind"] != "breach":
            return 200
        result = outcomes.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    monkeypatch.setattr(alerts, "post_json", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        _breach(standard)
    hook = AlertDelivery.objects.get(channel=DeliveryChannel.WEBHOOK, signal__kind="breach")
    # The worker's first attempt failed; the retry is scheduled, not lost.
    assert hook.status == DeliveryStatus.PENDING
    assert hook.attempts == 1
    assert "hooks.example.test" not in hook.last_error
    assert "secret" not in hook.last_error
    with pytest.raises(alerts.DeliveryRetry):
        alert_deliver_task.call_local(hook.pk)
    hook.refresh_from_db()
    assert (hook.attempts, hook.last_error) == (2, "HTTP 502")
    alert_deliver_task.call_local(hook.pk)
    hook.refresh_from_db()
    assert hook.status == DeliveryStatus.SENT
    assert hook.attempts == 3
    assert hook.sent_at is not None


def test_it_gives_up_after_the_last_retry(django_capture_on_commit_callbacks, monkeypatch):
    standard, *_ = _world(webhook=HOOK)

    def down(url: str, payload: dict[str, Any], *, timeout: float = 10) -> int:
        raise urllib.error.URLError(ConnectionRefusedError())

    monkeypatch.setattr(alerts, "post_json", down)
    with django_capture_on_commit_callbacks(execute=True):
        _breach(standard)
    hook = AlertDelivery.objects.get(channel=DeliveryChannel.WEBHOOK, signal__kind="breach")
    for _ in range(alerts.MAX_ATTEMPTS - 2):
        with pytest.raises(alerts.DeliveryRetry):
            alert_deliver_task.call_local(hook.pk)
    alert_deliver_task.call_local(hook.pk)
    hook.refresh_from_db()
    assert hook.status == DeliveryStatus.FAILED
    assert hook.attempts == alerts.MAX_ATTEMPTS
    assert hook.last_error == "URLError: ConnectionRefusedError"
    # Other channels were not held up by the webhook.
    assert AlertDelivery.objects.filter(
        signal=hook.signal, channel=DeliveryChannel.EMAIL, status=DeliveryStatus.SENT
    ).exists()


def test_it_holds_back_alerts_in_the_quiet_period(django_capture_on_commit_callbacks, posted):
    standard, owner, *_ = _world(
        webhook=HOOK, quiet=60, last_alert=timezone.now() - dt.timedelta(minutes=10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        _breach(standard)
    breach = Signal.objects.get(kind=SignalKind.BREACH)
    deliveries = AlertDelivery.objects.filter(signal=breach)
    assert deliveries.exists()
    assert {d.status for d in deliveries} == {DeliveryStatus.SUPPRESSED}
    assert not Notification.objects.filter(recipient=owner).exists()
    assert mail.outbox == []
    assert posted == []


def test_it_alerts_again_once_the_quiet_period_is_over(django_capture_on_commit_callbacks):
    standard, owner, *_ = _world(quiet=60, last_alert=timezone.now() - dt.timedelta(minutes=61))
    with django_capture_on_commit_callbacks(execute=True):
        _breach(standard)
    assert Notification.objects.filter(recipient=owner).exists()
    monitoring = StandardMonitoring.objects.get(standard=standard)
    assert monitoring.last_alert_at == timezone.now()


def test_it_refuses_webhooks_that_are_not_http():
    with pytest.raises(ValueError, match="http"):
        alerts.post_json("file:///etc/passwd", {"text": "x"})
