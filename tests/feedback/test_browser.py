"""The public survey page and the analysis charts in a real browser (CSP on, no console errors)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sqms.core.roles import Role
from sqms.feedback.models import Response as SurveyResponse
from tests.factories import PASSWORD, make_user
from tests.feedback.factories import make_link, make_survey, questions, respond

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_answers_a_survey_on_a_phone(new_page, artifacts: Path) -> None:
    survey = make_survey()
    link = make_link(survey)
    page: Page = new_page(locale="en-US")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/feedback/s/{link.token}/")
    expect(page.locator("h1")).to_contain_text(survey.title_en)
    q = questions(survey)
    page.locator(f"input[name=q{q[0].pk}][value='2']").check()
    page.locator(f"input[name=q{q[1].pk}][value='6']").check()
    page.locator(f"textarea[name=q{q[2].pk}]").fill("The queue was long.")
    page.screenshot(path=str(artifacts / "feedback-public-mobile.png"), full_page=True)
    page.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Thank you")
    assert SurveyResponse.objects.get().answers.count() == 3


def test_it_draws_the_trend_charts(page: Page, artifacts: Path) -> None:
    survey = make_survey()
    link = make_link(survey)
    for n in range(6):
        respond(link, nps=n + 4, csat=1 + n % 5)
    make_user(Role.QUALITY_MANAGER, username="fbqm")
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill("fbqm")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.goto(f"/feedback/{survey.pk}/analysis/")
    expect(page.locator("#chart-nps .main-svg").first).to_be_visible()
    page.screenshot(path=str(artifacts / "feedback-analysis.png"), full_page=True)
