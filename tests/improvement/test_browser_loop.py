"""Issue 6's "Done when", walked in Chromium as a quality manager, in Korean and in English:
a monitoring signal of a deterioration becomes a nonconformance; it is contained, analysed
(5 Whys, fishbone, a classified root cause), gets a corrective action that is carried out;
three weeks later the effectiveness check on the metric results says "improved", and the
record is closed with an electronic signature.

The story spans three weeks: the first part runs with the server's clock at "day A" (the day
the signal is handled and the action completed); the check runs at the real today, after the
recovery's results arrived.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from playwright.sync_api import Locator, Page, expect

from sqms.core.models import User
from sqms.improvement.models import (
    ActionKind,
    ActionStatus,
    Bone,
    NcStatus,
    Nonconformance,
    Signature,
    SourceType,
    Verdict,
)
from sqms.monitoring.models import SignalStatus
from tests.browser_fixtures import PageFactory
from tests.factories import PASSWORD
from tests.improvement import loop_data

pytestmark = pytest.mark.browser

# What the user reads; the verdict is spelled out so that a missing translation fails.
IMPROVED = {"ko": "개선됨", "en": "Improved"}
# The browser first asks for the other language; the user switches with the language switcher.
OTHER_LOCALE = {"ko": "en-US", "en": "ko-KR"}
WEEKS_LATER = 21  # days between handling the signal and checking the effectiveness


def tr(lang: str, text: Any, **params: Any) -> str:
    """`text` (a msgid or a lazy string) as the page shows it in `lang`."""
    with translation.override(lang):
        out = gettext(text) if isinstance(text, str) else str(text)
        return out % params if params else out


def field(scope: Page | Locator, label: str) -> Locator:
    """A form field by its label (required fields carry a " *" after it)."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}(\s*\*)?\s*$"))


def log_in(page: Page, username: str) -> None:
    page.goto(reverse("login"))
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/$"))


def saved(page: Page) -> None:
    expect(page.locator(".messages .msg-success")).to_be_visible()


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_it_closes_the_loop_from_a_signal_to_a_signed_closure(
    lang: str, new_page: PageFactory, artifacts: Path
) -> None:
    loop = loop_data.build_loop(suffix=lang)
    today = timezone.localdate()
    day_a = today - dt.timedelta(days=WEEKS_LATER)

    def shot(page: Page, step: str) -> None:
        page.screenshot(path=str(artifacts / f"improvement-loop-{lang}-{step}.png"), full_page=True)

    def move(page: Page, to: NcStatus) -> None:
        name = tr(lang, "Move to “%(to)s”", to=tr(lang, to.label))
        page.get_by_role("button", name=name).click()
        saved(page)
        expect(page.locator("h1 .badge")).to_have_text(tr(lang, to.label))

    def tab(page: Page, label: str) -> None:
        sections = page.get_by_role("navigation", name=tr(lang, "Sections"))
        sections.get_by_role("link", name=tr(lang, label), exact=True).click()

    at_day_a = loop_data.midnight(day_a) + dt.timedelta(hours=10)
    with time_machine.travel(at_day_a, tick=True):
        loop_data.put_history(loop, day_a)
        loop_data.detect(loop, loop_data.history_start(day_a))
        signal = loop_data.the_signal(loop)
        page = new_page(locale=OTHER_LOCALE[lang])
        log_in(page, loop.quality.username)
        _switch_language(page, lang)
        nc = _raise_from_the_signal(page, lang, signal.pk, shot)
        _contain(page, lang, move)
        _analyse(page, lang, loop, nc, move, tab, shot)
        _act(page, lang, loop, nc, day_a, move, tab, shot)

    # Three weeks on: the recovered results arrive and monitoring resolves the signal.
    loop_data.put_recovery(loop, day_a, today - dt.timedelta(days=1))
    loop_data.detect(loop, day_a)
    signal.refresh_from_db()
    assert signal.status == SignalStatus.RESOLVED

    # Another browser: the language saved on the user follows them.
    page = new_page(locale=OTHER_LOCALE[lang])
    log_in(page, loop.quality.username)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.goto(reverse("improvement:nonconformance_list"))
    page.get_by_role("link", name=nc.number, exact=True).click()
    _check_effectiveness(page, lang, signal.first_period, day_a, move, tab, shot)
    _close_with_signature(page, lang, loop.quality, shot)

    nc.refresh_from_db()
    assert nc.status == NcStatus.CLOSED
    signature = Signature.objects.get(nonconformance=nc)
    assert signature.signer == loop.quality
    check = nc.checks.get()
    assert check.verdict == Verdict.IMPROVED
    assert check.before_from == timezone.localtime(signal.first_period).date()
    assert check.after_from == day_a
    assert list(nc.changes.values_list("to_status", flat=True)) == [
        NcStatus.CONTAINED,
        NcStatus.ANALYSED,
        NcStatus.ACTION_PLANNED,
        NcStatus.IMPLEMENTED,
        NcStatus.VERIFIED,
        NcStatus.CLOSED,
    ]


def _switch_language(page: Page, lang: str) -> None:
    expect(page.locator("html")).not_to_have_attribute("lang", lang)
    # the picker submits through a deferred script: a change before it runs is lost
    page.wait_for_load_state()
    page.locator("#lang-select").select_option(lang)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("#lang-select")).to_have_value(lang)


def _raise_from_the_signal(
    page: Page, lang: str, signal_pk: int, shot: Callable[[Page, str], None]
) -> Nonconformance:
    page.goto(reverse("monitoring:signal_list"))
    page.get_by_role("link", name=re.compile(rf"#{signal_pk}$")).click()
    expect(page).to_have_url(re.compile(rf"/monitoring/signals/{signal_pk}/$"))
    expect(page.locator("#signal-chart .main-svg").first).to_be_visible()
    shot(page, "1-signal")
    page.get_by_role("button", name=tr(lang, "Raise a nonconformance")).click()
    saved(page)
    nc = Nonconformance.objects.get(source_object_id=str(signal_pk))
    assert nc.source_type == SourceType.SIGNAL
    assert nc.evidence["signal"]["id"] == signal_pk
    expect(page).to_have_url(re.compile(rf"/improvement/{nc.pk}/"))
    expect(page.locator("h1 .badge")).to_have_text(tr(lang, NcStatus.OPEN.label))
    return nc


def _contain(page: Page, lang: str, move: Callable[[Page, NcStatus], None]) -> None:
    contained = page.get_by_role(
        "button", name=tr(lang, "Move to “%(to)s”", to=tr(lang, NcStatus.CONTAINED.label))
    )
    expect(contained).to_be_disabled()  # no containment recorded yet
    page.get_by_role("link", name=tr(lang, "Edit"), exact=True).click()
    label = capfirst(tr(lang, Nonconformance._meta.get_field("containment").verbose_name))
    field(page, label).fill("대기 고객에게 콜백을 예약하고 백오피스 인력 2명을 임시 투입.")
    page.get_by_role("button", name=tr(lang, "Save"), exact=True).click()
    saved(page)
    move(page, NcStatus.CONTAINED)


def _analyse(
    page: Page,
    lang: str,
    loop: loop_data.Loop,
    nc: Nonconformance,
    move: Callable[[Page, NcStatus], None],
    tab: Callable[[Page, str], None],
    shot: Callable[[Page, str], None],
) -> None:
    tab(page, "Root cause")
    page.get_by_role("link", name=tr(lang, "Edit the analysis")).click()
    whys = page.get_by_role("region", name=tr(lang, "5 Whys"))
    for text in (
        "왜 응답이 늦었나? 오전 피크에 상담 인원이 부족했다.",
        "왜 부족했나? 신규 카드 출시 문의가 늘었는데 근무표가 그대로였다.",
        "왜 그대로였나? 출시 일정이 인력 계획에 전달되지 않았다.",
    ):
        field(whys, tr(lang, "Why?")).fill(text)
        whys.get_by_role("button", name=tr(lang, "Add a why")).click()
        saved(page)
    expect(whys.locator("ol.whys li")).to_have_count(3)
    fishbone = page.get_by_role("region", name=tr(lang, "Fishbone diagram"))
    for bone, text in (
        (Bone.PEOPLE, "신규 상품 교육 미완료"),
        (Bone.PROCESS, "출시 일정이 인력 계획에 미반영"),
        (Bone.CUSTOMER, "신규 카드 출시 문의 급증"),
    ):
        field(fishbone, tr(lang, "Category")).select_option(bone.value)
        field(fishbone, tr(lang, "Cause")).fill(text)
        fishbone.get_by_role("button", name=tr(lang, "Add a cause")).click()
        saved(page)
    expect(fishbone.locator("svg.fishbone")).to_be_visible()
    expect(
        fishbone.locator("svg.fishbone text", has_text="신규 카드 출시 문의 급증")
    ).to_be_visible()
    cause = page.get_by_role("region", name=tr(lang, "Root cause"), exact=True)
    field(cause, tr(lang, "Root cause (taxonomy)")).select_option(str(loop.cause.pk))
    field(cause, tr(lang, "Root cause statement")).fill(
        "상품 출시 일정이 인력 계획 절차에 전달되지 않아 피크 인력이 부족했다."
    )
    cause.get_by_role("button", name=tr(lang, "Save the root cause")).click()
    saved(page)
    shot(page, "2-analysis")
    page.get_by_role("link", name=tr(lang, "Done"), exact=True).click()
    expect(page).to_have_url(re.compile(rf"/improvement/{nc.pk}/\?tab=rootcause$"))
    expect(page.get_by_text(loop.cause.name)).to_be_visible()
    move(page, NcStatus.ANALYSED)


def _act(
    page: Page,
    lang: str,
    loop: loop_data.Loop,
    nc: Nonconformance,
    day_a: dt.date,
    move: Callable[[Page, NcStatus], None],
    tab: Callable[[Page, str], None],
    shot: Callable[[Page, str], None],
) -> None:
    title = "출시 일정 연계 인력 계획 절차 수립"
    tab(page, "Actions")
    page.get_by_role("link", name=tr(lang, "Add an action")).click()
    field(page, tr(lang, "Kind")).select_option(ActionKind.CORRECTIVE.value)
    field(page, tr(lang, "Title")).fill(title)
    field(page, tr(lang, "Description")).fill("상품 출시 일정을 인력 계획 회의 안건에 포함.")
    field(page, tr(lang, "Owner")).select_option(str(loop.owner.pk))
    field(page, tr(lang, "Due")).fill((day_a + dt.timedelta(days=14)).isoformat())
    page.get_by_role("button", name=tr(lang, "Save"), exact=True).click()
    saved(page)
    move(page, NcStatus.ACTION_PLANNED)
    # The action is carried out: a progress note, then done.
    tab(page, "Actions")
    page.get_by_role("link", name=title).click()
    notes = page.get_by_role("region", name=tr(lang, "Progress notes"))
    field(notes, tr(lang, "Progress note")).fill("인력 계획 절차 개정 및 피크 시간 2명 증원 완료.")
    notes.get_by_role("button", name=tr(lang, "Add the note")).click()
    saved(page)
    status = page.get_by_role("region", name=tr(lang, "Status"), exact=True)
    field(status, tr(lang, "Status")).select_option(ActionStatus.DONE.value)
    status.get_by_role("button", name=tr(lang, "Save"), exact=True).click()
    saved(page)
    expect(page.locator("h1 .badge")).to_have_text(tr(lang, ActionStatus.DONE.label))
    action = nc.actions.get()
    assert action.owner == loop.owner
    assert action.completed_on == day_a
    shot(page, "3-action")
    page.get_by_role("link", name=nc.number, exact=True).click()
    move(page, NcStatus.IMPLEMENTED)


def _check_effectiveness(
    page: Page,
    lang: str,
    signal_first: dt.datetime,
    day_a: dt.date,
    move: Callable[[Page, NcStatus], None],
    tab: Callable[[Page, str], None],
    shot: Callable[[Page, str], None],
) -> None:
    tab(page, "Effectiveness")
    page.get_by_role("link", name=tr(lang, "Check effectiveness")).click()
    # Proposed: the metric results; before = the periods the signal saw, after = from the
    # action's completion on.
    expect(field(page, tr(lang, "Data"))).to_have_value("metric_results")
    before_from = timezone.localtime(signal_first).date()
    expect(field(page, tr(lang, "Before: from"))).to_have_value(before_from.isoformat())
    expect(field(page, tr(lang, "Before: to"))).to_have_value(
        (day_a - dt.timedelta(days=1)).isoformat()
    )
    expect(field(page, tr(lang, "After: from"))).to_have_value(day_a.isoformat())
    page.get_by_role("button", name=tr(lang, "Compare")).click()
    saved(page)
    verdict = page.locator("section.check h3 .badge")
    expect(verdict).to_have_text(IMPROVED[lang])
    expect(page.locator("section.check")).to_contain_text("p < 0.0001")
    expect(page.locator(".messages .msg-success")).to_contain_text(IMPROVED[lang])
    shot(page, "4-effectiveness")
    move(page, NcStatus.VERIFIED)


def _close_with_signature(
    page: Page, lang: str, quality: User, shot: Callable[[Page, str], None]
) -> None:
    page.get_by_role("link", name=tr(lang, "Close with signature")).click()
    expect(page.locator("section.check h3 .badge")).to_have_text(IMPROVED[lang])
    meaning = field(page, tr(lang, "Meaning of the signature"))
    expect(meaning).not_to_have_value("")
    meaning.fill(
        tr(lang, "I confirm that the nonconformance is resolved and the actions are effective.")
    )
    expect(field(page, tr(lang, "Printed name"))).to_have_value(quality.username)
    password = field(page, tr(lang, "Your password"))
    sign = page.get_by_role("button", name=tr(lang, "Sign and close"))
    # A wrong password signs nothing.
    password.fill("not-my-password")
    sign.click()
    expect(page.locator(".field-error")).to_contain_text(
        tr(lang, "The password is not correct; the nonconformance was not closed.")
    )
    password.fill(PASSWORD)
    shot(page, "5-sign")
    sign.click()
    saved(page)
    expect(page.locator("h1 .badge")).to_have_text(tr(lang, NcStatus.CLOSED.label))
    signed = page.get_by_role("note").filter(has_text=tr(lang, "Closing signature valid"))
    expect(signed).to_be_visible()
    expect(signed).to_contain_text(quality.username)
    expect(signed).to_contain_text(
        tr(lang, "I confirm that the nonconformance is resolved and the actions are effective.")
    )
    shot(page, "6-closed")
