"""Browser tests: one headless Chromium per session, a fresh context (cookies, storage) per test.

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser here. Without it
the tests are skipped locally and fail in CI (CI=true), so CI can never go green by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make next to
# it are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEFAULT_TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}; the browser tests need it."
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class BrowserErrors(list[str]):
    """JavaScript errors and console errors (CSP violations included) seen during a test."""


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, chromium: Any, live_server: Any, browser_errors: BrowserErrors
) -> Iterator[Any]:
    """Factory for pages in fresh contexts; `locale` sets the browser's Accept-Language."""
    contexts = []

    def make(locale: str = "ko-KR") -> Any:
        context = chromium.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 800}
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: browser_errors.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                # An expected 403/429 also logs "Failed to load resource"; the tests check statuses.
                and not msg.text.startswith("Failed to load resource")
                and browser_errors.append(f"console: {msg.text}")
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    if browser_errors and request.node.stash.get(_CALL_FAILED, False):
        # The test failed already; show the browser's errors without a second report.
        print("The browser reported errors:", *browser_errors, sep="\n")
    elif browser_errors:
        pytest.fail("The browser reported errors:\n" + "\n".join(browser_errors), pytrace=False)


@pytest.fixture
def page(new_page: Any) -> Any:
    """A page in a fresh context whose browser asks for Korean, like the users' browsers."""
    return new_page()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
