"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

One Chromium is launched for all the browser tests and closed after the last of them; each test gets a
fresh context (no shared cookies) and page. Every test in this folder is marked ``browser`` (select or
deselect them with ``-m browser`` / ``-m "not browser"``).

While Playwright's sync API is open it keeps an asyncio event loop "running" in the test thread, and
Django refuses ORM calls under a running loop unless ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set. So the
variable is set only while the browser is open, and the browser is package-scoped rather than
session-scoped: the browser tests run together (pytest-django orders transactional tests as a group),
so there is still one launch per run, but neither the running loop nor the variable outlives them. A
session-wide setting leaked into the rest of the suite, e.g. ``manage.py check --deploy`` run in a
subprocess by tests/test_platform.py fails with async.E001 when it inherits the variable.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Browser, Page, sync_playwright

from shared_services.accounts.models import User
from tests.factories.departments import TEST_PASSWORD

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


@contextmanager
def _django_allows_orm_under_playwrights_loop() -> Iterator[None]:
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (never Playwright's own browsers), launched once for the browser tests."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _chromium_missing(f"Chromium is not installed at {CHROMIUM}")
    with _django_allows_orm_under_playwrights_loop(), sync_playwright() as driver:
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
    """Sign in on the sign-in page, as a person would; returns the page after the redirect.

    People whose role needs a second factor set up an authenticator app on their first sign-in and give
    its code on later ones; ``second_factor=False`` stops on that page instead, for tests of it."""

    def sign_in(user: User, *, password: str = TEST_PASSWORD, second_factor: bool = True) -> Page:
        page.goto("/accounts/sign-in/")
        page.get_by_label("E-mail address").fill(user.email)
        if not page.get_by_label("Password").count():  # the e-mail address first, then the password
            page.get_by_role("button", name="Continue").click()
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if second_factor and "/accounts/two-factor/" in page.url:
            _give_second_factor(page, user)
        return page

    return sign_in


def _give_second_factor(page: Page, user: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if "/accounts/two-factor/set-up/" in page.url:
        secret = page.get_by_test_id("totp-secret").inner_text()
        page.get_by_label("Code from your authenticator app").fill(totp_code_for(secret))
        page.get_by_role("button", name="Confirm").click()
        page.get_by_role("link", name="I have saved my codes, continue").click()
    else:
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        secret = base64.b32encode(device.bin_key).decode()
        page.get_by_label("Security code").fill(totp_code_for(secret, after_step=device.last_t))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def totp_code_for(secret: str, *, after_step: int = -1) -> str:
    """The code an authenticator app shows now for the base32 ``secret`` typed from the set-up page."""
    totp = TOTP(base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8)))
    while totp.t() <= after_step:  # a code is accepted once: wait for the next time step
        time.sleep(1)
    return f"{totp.token():06d}"

