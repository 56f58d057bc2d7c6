"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

One browser is launched per session; each test gets a fresh context (no shared cookies) and page.
Every test in this folder is marked ``browser`` (run or skip them with ``-m browser``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the test thread; without this Django refuses
# the ORM calls that fixtures make from that thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from shared_services.accounts.models import User  # noqa: E402
from tests.factories.departments import TEST_PASSWORD  # noqa: E402

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
TIMEOUT_MS = 10_000
BROWSER_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test collected from this folder as a browser test."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _chromium_missing(reason: str) -> None:
    """Fail in CI, where a missing browser is a broken environment; skip elsewhere."""
    message = f"{reason}. Install it with: apt-get install -y chromium"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, launched once for the whole session (never Playwright's own browsers)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _chromium_missing(f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, live_server: object) -> Iterator[Page]:
    """A page in a fresh browser context (its own cookies), pointed at the live server."""
    context = browser.new_context(base_url=live_server.url)  # type: ignore[attr-defined]
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def sign_in_through_browser(page: Page) -> Callable[..., Page]:
    """Sign in on the sign-in page, as a person would; returns the page after the redirect."""

    def sign_in(user: User, *, password: str = TEST_PASSWORD) -> Page:
        page.goto("/accounts/sign-in/")
        page.get_by_label("E-mail address").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return sign_in
