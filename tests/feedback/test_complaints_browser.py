"""The public complaint page and the QFD matrix in a real browser (CSP on)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sqms.core.roles import Role
from sqms.feedback import needs
from sqms.feedback.models import Complaint, NeedStandardLink
from tests.factories import PASSWORD, make_user
from tests.standards.factories import make_standard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_takes_a_complaint_on_a_phone(new_page, artifacts: Path) -> None:
    page: Page = new_page(locale="en-US")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/feedback/complaint/?lang=en")
    page.locator("#id_subject").fill("Dirty toilets")
    page.locator("#id_description").fill("The toilets on the 2nd floor were dirty.")
    page.locator("#id_complainant_email").fill("kim@example.com")
    page.locator("button[type=submit]").click()
    expect(page.locator("#id_consent + *, .errorlist").first).to_be_visible()
    assert page.locator("#id_complainant_email").input_value() == "kim@example.com"
    page.locator("#id_consent").check()
    page.screenshot(path=str(artifacts / "feedback-public-complaint.png"), full_page=True)
    page.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Thank you")
    complaint = Complaint.objects.get()
    expect(page.locator("main")).to_contain_text(complaint.reference)
    assert complaint.consent_at is not None


def test_it_saves_the_qfd_matrix_with_htmx(page: Page, artifacts: Path) -> None:
    need = needs.need_create(actor=None, code="N1", statement_ko="빠른 응대", importance=4)
    standard = make_standard()
    make_user(Role.QUALITY_MANAGER, username="qfdqm")
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill("qfdqm")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/feedback/needs/matrix/")
    expect(page.locator("#qfd")).to_contain_text("N1")
    page.locator(f"#c-{need.pk}-{standard.pk}").select_option("9")
    page.locator("#qfd button[type=submit]").click()
    expect(page.locator("#qfd tfoot")).to_contain_text("36")
    page.screenshot(path=str(artifacts / "feedback-qfd.png"), full_page=True)
    assert NeedStandardLink.objects.get().strength == 9
