"""In Chromium: the Pareto figure is drawn under the CSP, the fishbone renders as SVG."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sqms.core.roles import Role
from sqms.improvement import services
from sqms.improvement.models import Bone
from tests.factories import PASSWORD, make_user
from tests.improvement.factories import make_cause, make_nc

pytestmark = pytest.mark.browser


def _log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_it_draws_the_pareto_chart_and_the_fishbone(page: Page, artifacts: Path) -> None:
    qm = make_user(Role.QUALITY_MANAGER, username="qm-browser")
    causes = [make_cause(qm), make_cause(qm)]
    nc = None
    for cause in (causes[0], causes[0], causes[1]):
        nc = make_nc(qm)
        services.root_cause_set(actor=qm, nc=nc, cause=cause, statement="원인")
    assert nc is not None
    for bone in Bone.values:
        services.fishbone_add(actor=qm, nc=nc, bone=bone, text=f"{bone} <b>원인</b>")
    services.why_add(actor=qm, nc=nc, text="왜 대기시간이 늘었나?")
    _log_in(page, "qm-browser")
    page.goto("/improvement/pareto/")
    expect(page.locator("#pareto-chart .main-svg").first).to_be_visible()
    page.screenshot(path=str(artifacts / "improvement-pareto.png"), full_page=True)
    page.goto(f"/improvement/{nc.pk}/?tab=rootcause")
    expect(page.locator("svg.fishbone")).to_be_visible()
    expect(page.locator("svg.fishbone text", has_text="<b>원인</b>").first).to_be_visible()
    page.screenshot(path=str(artifacts / "improvement-fishbone.png"), full_page=True)
