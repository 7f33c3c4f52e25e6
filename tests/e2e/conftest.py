"""Browser tests: Playwright drives Debian's Chromium against pytest-django's ``live_server``.

Every test in this folder is marked ``browser``. Without a ``chromium`` binary they are skipped,
except under ``CI=true``, where a missing browser fails the run: CI must never skip them quietly.
Never run ``playwright install``; the tests use the system binary through ``executable_path``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from rvs.organisations.models import Membership, Organisation
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory

# Playwright's sync API runs an event loop in the test thread (tests/conftest.py sets this too).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parent.parent / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}  # a phone, for the README's phone pictures and issue 17 item 3
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = "No `chromium` on PATH: browser tests need Debian's chromium package (apt-get install chromium)."


def _in_ci() -> bool:
    return os.environ.get("CI") == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests of this folder ``browser``; skip them when there is no Chromium, outside CI."""
    skip = None if shutil.which("chromium") or _in_ci() else pytest.mark.skip(reason=MISSING)
    for item in items:
        if HERE not in Path(str(item.path)).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        item.add_marker(pytest.mark.django_db(transaction=True))
        if skip is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        if _in_ci():
            pytest.fail(f"CI=true and {MISSING}", pytrace=False)
        pytest.skip(MISSING)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], chromium_path: str) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": chromium_path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server: Any) -> str:
    """Relative ``page.goto("/search/")`` works against this worker's live server."""
    return str(live_server.url)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": VIEWPORT, "locale": "en-GB", "timezone_id": "UTC"}


@pytest.fixture(autouse=True)
def _timeouts(page: Page) -> None:
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)


@pytest.fixture
def organisation(transactional_db: None) -> Organisation:
    return cast(
        Organisation, OrganisationFactory(name="Université de Genève Test", city="Genève", country="Switzerland")
    )


@pytest.fixture
def ro_user(organisation: Organisation) -> Any:
    """An Additional User of ``organisation``, signing in with ``tests.factories.PASSWORD``."""
    return MembershipFactory(
        organisation=organisation,
        role=Membership.Role.ADDITIONAL,
        user__email="admissions@unige.example",
        user__full_name="Amélie Rousseau",
    ).user


@pytest.fixture
def url(live_server: Any) -> Callable[..., str]:
    """The live server's absolute URL for a named route: ``url("results:search")``."""

    def build(name: str, *args: Any) -> str:
        return f"{live_server.url}{reverse(name, args=args)}"

    return build


class SignIn(Protocol):
    def __call__(self, user: Any, *, picture: bool = False) -> None: ...


@pytest.fixture
def sign_in(page: Page, url: Callable[..., str], screenshot: Callable[[str], None]) -> SignIn:
    """Sign ``user`` in through the real sign-in page, as a person would; ends on the dashboard.

    ``picture=True`` saves docs/screenshots/sign-in.png (one test asks, so parallel runs never race).
    """

    def do(user: Any, *, picture: bool = False) -> None:
        page.goto(url("accounts:login"))
        expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
        page.get_by_label("Email address").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        if picture:
            screenshot("sign-in")
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(url("results:dashboard"))

    return do


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], None]:
    """Save a full-page PNG to docs/screenshots/ for the README, only when RVS_SCREENSHOTS=1.

    With RVS_PHONE_SCREENSHOTS=1 as well, each picture also gets a phone twin, ``<name>-phone.png``,
    taken at 390 px wide (``PHONE``); the page goes back to its own size afterwards.
    """

    def take(name: str) -> None:
        page.mouse.move(0, 0)  # no hover effects in the pictures
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True, animations="disabled", caret="hide")

    def save(name: str) -> None:
        if os.environ.get("RVS_SCREENSHOTS") != "1":
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        take(name)
        if os.environ.get("RVS_PHONE_SCREENSHOTS") == "1":
            size = page.viewport_size or VIEWPORT
            page.set_viewport_size(PHONE)
            try:
                take(f"{name}-phone")
            finally:
                page.set_viewport_size(size)

    return save
