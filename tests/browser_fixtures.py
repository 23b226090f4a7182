"""Browser fixtures for every app's browser tests (loaded by tests/conftest.py): one headless
Chromium per session, a fresh context (cookies, storage) per test.

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser here. Without it
the tests are skipped locally and fail in CI (CI=true), so CI can never go green by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

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
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
DEFAULT_TIMEOUT_MS = 10_000

PageFactory = Callable[..., Page]
_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}; the browser tests need it."
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, chromium: Browser, live_server: Any
) -> Iterator[PageFactory]:
    """Pages in fresh contexts; `locale` is what the browser asks for (Accept-Language).

    JavaScript errors and console errors (CSP violations, failed htmx swaps) fail the test.
    """
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        # An expected 403/429 also logs "Failed to load resource"; the tests check statuses.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(f"console: {msg.text}")

    def make(locale: str = "ko-KR") -> Page:
        context = chromium.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 800}
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.on("console", on_console)
        return page

    yield make
    for context in contexts:
        context.close()
    if errors and request.node.stash.get(_CALL_FAILED, False):
        # The test failed already; show the browser's errors without a second report.
        print("The browser reported errors:", *errors, sep="\n")
    elif errors:
        pytest.fail("The browser reported errors:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def page(new_page: PageFactory) -> Page:
    """A page in a fresh context whose browser asks for Korean, like the users' browsers."""
    return new_page()


@pytest.fixture
def artifacts() -> Path:
    """test-artifacts/ (git-ignored): screenshots to look at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
