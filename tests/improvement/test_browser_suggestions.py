"""In Chromium: a staff member submits an anonymous idea; a colleague votes for it (htmx, no
full page load) and takes the vote back; nobody sees who submitted it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sqms.core.roles import Role
from sqms.improvement.models import Suggestion, SuggestionVote
from tests.browser_fixtures import PageFactory
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def _log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_it_submits_an_idea_and_a_colleague_votes(new_page: PageFactory, artifacts: Path) -> None:
    author = make_user(Role.STAFF, username="sug-author")
    make_user(Role.STAFF, username="sug-voter")

    page = new_page("en-US")
    _log_in(page, "sug-author")
    page.goto("/improvement/suggestions/new/")
    page.locator("input[name=title]").fill("헤드셋 교체 주기 단축")
    page.locator("textarea[name=body]").fill("잡음 때문에 고객이 다시 말해 달라고 합니다.")
    page.locator("input[name=anonymous]").check()
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("h1")).to_contain_text("헤드셋 교체 주기 단축")
    suggestion = Suggestion.objects.get()
    assert suggestion.anonymous
    assert suggestion.submitter == author
    expect(page.locator("main")).to_contain_text("Anonymous")
    # One's own idea has no vote button.
    expect(page.locator("#suggestion button")).to_have_count(0)

    colleague = new_page("ko-KR")
    _log_in(colleague, "sug-voter")
    colleague.goto(f"/improvement/suggestions/{suggestion.pk}/")
    expect(colleague.locator("main")).not_to_contain_text("sug-author")
    colleague.evaluate("window.__noReload = true")
    colleague.locator("#suggestion button[type=submit]").click()
    expect(colleague.locator("#vote-count")).to_contain_text("1")
    expect(colleague.locator("#suggestion button[aria-pressed=true]")).to_be_visible()
    assert colleague.evaluate("window.__noReload") is True  # swapped by htmx, not reloaded
    assert SuggestionVote.objects.count() == 1
    colleague.screenshot(path=str(artifacts / "improvement-suggestion-vote.png"), full_page=True)
    colleague.locator("#suggestion button[type=submit]").click()
    expect(colleague.locator("#vote-count")).to_contain_text("0")
    assert SuggestionVote.objects.count() == 0
    # From the list as well.
    colleague.goto("/improvement/suggestions/")
    colleague.locator("#results button[type=submit]").click()
    expect(colleague.locator("#results .vote-count").first).to_have_text("1")
    assert SuggestionVote.objects.count() == 1
