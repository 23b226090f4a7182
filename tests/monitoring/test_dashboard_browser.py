"""In Chromium: the dashboard draws its control chart under the CSP, and changing a filter
swaps the cards through htmx, pushes the filters into the URL and draws the chart again; on a
phone's width the chart fits, even when a width measured mid-layout is stale."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sqms.core.roles import Role
from sqms.monitoring.series import org_tz, segment_key
from tests.factories import PASSWORD, make_service, make_site, make_user
from tests.monitoring.dashboard_factories import make_rollup, share_standard

pytestmark = pytest.mark.browser


def _log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_it_draws_the_chart_and_keeps_the_filters_in_the_url(page: Page, artifacts: Path) -> None:
    make_user(Role.QUALITY_MANAGER, username="qm-dash")
    site, other = make_site(), make_site()
    service = make_service([site, other])
    standard = share_standard(service)
    today = dt.datetime.now(org_tz()).date()
    for i in range(1, 25):
        day = today - dt.timedelta(days=i)
        make_rollup(standard, day, n=100, meeting=97 if i != 3 else 70)
        make_rollup(standard, day, n=50, meeting=40, segment=segment_key(site=site.pk))
    _log_in(page, "qm-dash")
    page.goto(f"/monitoring/dashboard/?service={service.pk}")
    chart = page.locator(f"#chart-{standard.pk} .main-svg").first
    expect(chart).to_be_visible()
    expect(page.locator(".light-badge").first).to_be_visible()
    page.locator("select[name=site]").select_option(str(site.pk))
    expect(page).to_have_url(re.compile(rf"[?&]site={site.pk}(&|$)"))
    expect(page.locator(f"#chart-{standard.pk}[data-ready='1'] .main-svg").first).to_be_visible()
    # The swapped card is the site's: 80 percent meet, off target.
    expect(page.locator(".light-badge.light-red").first).to_be_visible()
    page.screenshot(path=str(artifacts / "monitoring-dashboard.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    expect(chart).to_be_visible()
    # The chart follows the narrow screen instead of overflowing it.
    page.wait_for_function(
        "id => document.querySelector('#' + id + ' .main-svg').getBoundingClientRect().right"
        " <= window.innerWidth",
        arg=f"chart-{standard.pk}",
    )
    page.screenshot(path=str(artifacts / "monitoring-dashboard-phone.png"), full_page=True)


# For 250 ms getComputedStyle reports the width the chart was drawn at, as a measurement taken
# mid-layout would: a fit that trusted it (plotly's autosize does) would change nothing.
STALE_WIDTH_FOR_A_MOMENT = """() => {
  const real = window.getComputedStyle, until = performance.now() + 250;
  window.getComputedStyle = function (el, pseudo) {
    const style = real.call(window, el, pseudo);
    if (performance.now() >= until || !el._fullLayout) { return style; }
    return new Proxy(style, {get: (s, key) => key === "width" ? el._fullLayout.width + "px"
      : typeof s[key] === "function" ? s[key].bind(s) : s[key]});
  };
}"""


def test_a_resize_measured_too_early_is_retried_so_the_chart_fits_a_phone(page: Page) -> None:
    make_user(Role.QUALITY_MANAGER, username="qm-dash")
    service = make_service([make_site()])
    standard = share_standard(service)
    today = dt.datetime.now(org_tz()).date()
    for i in range(1, 15):
        make_rollup(standard, today - dt.timedelta(days=i), n=100, meeting=97)
    _log_in(page, "qm-dash")
    page.goto(f"/monitoring/dashboard/?service={service.pk}")
    expect(page.locator(f"#chart-{standard.pk}[data-ready='1'] .main-svg").first).to_be_visible()
    page.evaluate(STALE_WIDTH_FOR_A_MOMENT)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function(
        "id => document.querySelector('#' + id + ' .main-svg').getBoundingClientRect().right"
        " <= window.innerWidth",
        arg=f"chart-{standard.pk}",
        timeout=5000,
    )
