"""In Chromium: the signal's control chart is drawn under the CSP, the bell loads the unread
count, and a signal is acknowledged with a reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sqms.core.roles import Role
from sqms.core.services import notification_send
from sqms.monitoring.detection import signals_detect
from sqms.monitoring.models import Signal, SignalKind, SignalStatus
from tests.factories import PASSWORD, make_user
from tests.monitoring.signal_factories import STABLE, daily_standard, day, midnight, put_days

pytestmark = pytest.mark.browser


def _log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_it_draws_the_evidence_and_acknowledges_a_signal(page: Page, artifacts: Path) -> None:
    qm = make_user(Role.QUALITY_MANAGER, username="qm-signals")
    standard = daily_standard()
    put_days(standard, [*STABLE, 300])
    signals_detect(standard=standard, segments=[""], start=midnight(day(0)))
    spc = Signal.objects.get(kind=SignalKind.SPC, rule="western-electric-1")
    notification_send(recipients=[qm], title="신호", url=f"/monitoring/signals/{spc.pk}/")
    _log_in(page, "qm-signals")
    expect(page.locator(".bell .badge")).to_be_visible()
    page.goto(f"/monitoring/signals/{spc.pk}/")
    expect(page.locator("#signal-chart .main-svg").first).to_be_visible()
    page.screenshot(path=str(artifacts / "monitoring-signal.png"), full_page=True)
    page.locator("#signal-reason").fill("상담 인력 부족 확인")
    page.locator("button[data-to=acknowledged]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    spc.refresh_from_db()
    assert spc.status == SignalStatus.ACKNOWLEDGED
