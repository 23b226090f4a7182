"""In Chromium, in Korean and in English: a policy revision drafted, reviewed, approved with
signatures and published; a staff member acknowledging it and the policy page's rate moving;
review minutes signed (a wrong password first) and shown invalid once edited."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from sqms.core.models import User
from sqms.core.roles import Role
from sqms.documents.models import DocType, RevisionStatus, Signature
from sqms.policy.models import ReviewSignatureAttempt, ReviewStatus
from tests.browser_fixtures import PageFactory
from tests.documents.factories import first_revision, make_document, publish
from tests.factories import PASSWORD, make_employee, make_site, make_user
from tests.policy.factories import held_with_minutes, make_review

pytestmark = pytest.mark.browser


@pytest.fixture(params=["ko", "en"])
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _t(lang: str, text: str) -> str:
    with translation.override(lang):
        return translation.gettext(text)


def _log_in(page: Page, username: str, lang: str, password: str = PASSWORD) -> None:
    """Log in as a user who works in `lang`; every page after that is in it."""
    User.objects.filter(username=username).update(language=lang)
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(password)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", lang)


def _sign(page: Page, meaning: str, name: str) -> None:
    page.locator("a[href$='/sign/']").first.click()
    page.locator("select[name=meaning]").select_option(meaning)
    page.locator("input[name=printed_name]").fill(name)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form.stacked button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()


def test_it_drafts_reviews_approves_and_publishes_a_policy_revision(
    new_page: PageFactory, artifacts: Path, lang: str
) -> None:
    author = make_user(Role.QUALITY_MANAGER, username="qm-author")
    make_user(Role.PROCESS_OWNER, username="po-reviewer")
    make_user(Role.ADMIN, username="admin-approver")
    document = make_document(owner=author, doc_type=DocType.POLICY, body="# 품질방침\n\n첫 판")
    publish(first_revision(document))
    site = make_site()

    page = new_page()
    _log_in(page, "qm-author", lang)
    page.goto(f"/documents/{document.pk}/")
    page.locator(f"a[href='/documents/{document.pk}/revise/']").click()
    page.locator("input[name=change_summary]").fill("고객 약속 추가")
    page.locator("main form.stacked button[type=submit]").click()
    page.locator("textarea[name=body]").fill("# 품질방침\n\n고객과의 약속을 지킨다.")
    page.locator("main form.stacked button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    page.goto(f"/documents/{document.pk}/?rev=2")
    page.locator("form:has(input[name=to][value=in_review]) button").click()
    expect(page.locator("a[href$='/sign/']")).to_be_visible()

    reviewer = new_page()
    _log_in(reviewer, "po-reviewer", lang)
    reviewer.goto(f"/documents/{document.pk}/?rev=2")
    _sign(reviewer, "reviewed", "박검토")

    approver = new_page()
    _log_in(approver, "admin-approver", lang)
    approver.goto(f"/documents/{document.pk}/?rev=2")
    _sign(approver, "approved", "최승인")
    approver.locator("a[href$='/publish/']").click()
    deadline = timezone.localdate() + dt.timedelta(days=10)
    approver.locator("input[name=deadline]").fill(deadline.isoformat())
    approver.locator("select[name=sites]").select_option(str(site.pk))
    approver.locator("main form.stacked button[type=submit]").click()
    expect(approver.locator(".msg-success")).to_be_visible()

    revision = document.revisions.get(number=2)
    assert revision.status == RevisionStatus.PUBLISHED
    assert set(Signature.objects.filter(revision=revision).values_list("meaning", flat=True)) == {
        "reviewed",
        "approved",
    }
    assert document.revisions.get(number=1).status == RevisionStatus.SUPERSEDED

    approver.goto("/policy/")
    expect(approver.locator(".document-body")).to_contain_text("고객과의 약속을 지킨다.")
    expect(approver.locator("table tbody tr", has_text="박검토")).to_contain_text(_t(lang, "Valid"))
    expect(approver.locator("table tbody tr", has_text="최승인")).to_contain_text(_t(lang, "Valid"))
    approver.screenshot(path=str(artifacts / f"policy-page-{lang}.png"), full_page=True)


def test_it_counts_a_staff_acknowledgement_on_the_policy_page(
    new_page: PageFactory, lang: str
) -> None:
    qm = make_user(Role.QUALITY_MANAGER, username="qm-ack")
    document = make_document(owner=qm, doc_type=DocType.POLICY, body="# 품질방침")
    site = make_site()
    for username in ("staff-ack", "staff-other"):
        employee = make_employee(site=site)
        employee.user = make_user(Role.STAFF, username=username)
        employee.save(update_fields=["user"])
    publish(first_revision(document), sites=[site])

    viewer = new_page()
    _log_in(viewer, "qm-ack", lang)
    viewer.goto("/policy/")
    expect(viewer.locator("#ack-rate strong")).to_have_text("0%")

    staff = new_page()
    _log_in(staff, "staff-ack", lang)
    staff.goto("/documents/acknowledgements/")
    staff.locator("form[action$='/confirm/'] button").first.click()
    expect(staff.locator(".msg-success")).to_be_visible()

    viewer.reload()
    expect(viewer.locator("#ack-rate strong")).to_have_text("50%")
    # The staff member reads the policy page too, but cannot change it.
    staff.goto("/policy/")
    expect(staff.locator("#ack-rate strong")).to_have_text("50%")
    expect(staff.locator("a[href='/policy/commitments/new/']")).to_have_count(0)


def test_it_signs_review_minutes_after_a_wrong_password(
    new_page: PageFactory, artifacts: Path, lang: str
) -> None:
    qm = make_user(Role.QUALITY_MANAGER, username="qm-minutes")
    review = held_with_minutes(
        make_review(actor=qm), qm, minutes="## 회의록\n\n목표 달성 현황 검토"
    )
    page = new_page()
    _log_in(page, "qm-minutes", lang)
    page.goto(f"/policy/reviews/{review.pk}/")
    expect(page.locator("#pack-objectives")).to_be_visible()
    page.locator(f"a[href='/policy/reviews/{review.pk}/sign/']").click()
    page.locator("input[name=printed_name]").fill("김품질")
    page.locator("input[name=password]").fill("not-my-password")
    page.locator("main form.stacked button[type=submit]").click()
    expect(page.locator(".errorlist")).to_be_visible()
    expect(page.locator("input[name=printed_name]")).to_have_value("김품질")
    assert ReviewSignatureAttempt.objects.filter(outcome="wrong_password").count() == 1

    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form.stacked button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.locator("#review-signatures tbody tr").first).to_contain_text("김품질")
    expect(page.locator("#review-signatures .badge-ok")).to_have_count(1)
    review.refresh_from_db()
    assert review.status == ReviewStatus.SIGNED
    page.screenshot(path=str(artifacts / f"policy-review-signed-{lang}.png"), full_page=True)

    page.locator(f"a[href='/policy/reviews/{review.pk}/minutes/']").click()
    page.locator("textarea[name=minutes]").fill("## 회의록\n\n수정된 내용")
    page.locator("main form.stacked button[type=submit]").click()
    expect(page.locator("#review-signatures .badge-warn")).to_have_count(1)
    review.refresh_from_db()
    assert review.status == ReviewStatus.HELD
