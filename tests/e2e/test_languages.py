"""The candidate site in every language, in Chromium (issue 18 items 2 and 3).

A browser that asks for Spanish or Chinese (``Accept-Language``) gets the candidate's results page
in that language (``<html lang>`` and the page's heading from the catalogue, not English); the
switcher in the footer changes the language with the keyboard alone (Tab to the language's button,
Enter) and the choice is saved for the candidate. ``RVS_SCREENSHOTS=1`` saves the results page in
Spanish and Chinese (Arabic: tests/e2e/test_arabic.py) to docs/screenshots/ for the README.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.conftest import SCREENSHOTS
from tests.security.test_matrix import World, _build_world

HEADING = "My results"


@pytest.fixture
def world(transactional_db: None, live_server: Any) -> World:
    """The matrix's world, its candidate with no saved language yet (the browser's decides)."""
    built = _build_world()
    _candidate_user(built).__class__.objects.filter(pk=_candidate_user(built).pk).update(language="")
    return built


def _candidate_user(world: World) -> Any:
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=world.sessions["candidate"])
    return get_user_model().objects.get(pk=session["_auth_user_id"])


def _context(browser: Browser, args: dict[str, Any], locale: str) -> BrowserContext:
    return browser.new_context(**{**args, "locale": locale})


@pytest.fixture
def contexts(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[dict[str, BrowserContext]]:
    made = {locale: _context(browser, browser_context_args, locale) for locale in ("es", "zh-CN", "en-GB")}
    yield made
    for context in made.values():
        context.close()


def _candidate_page(context: BrowserContext, live_server: Any, world: World) -> Page:
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": world.sessions["candidate"], "url": live_server.url}
    context.add_cookies([cookie])  # type: ignore[list-item]
    return context.new_page()


def _translated(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.parametrize(("locale", "language", "tag"), [("es", "es", "es"), ("zh-CN", "zh-hans", "zh-Hans")])
def test_the_candidate_site_follows_the_browsers_language(
    locale: str, language: str, tag: str, contexts: dict[str, BrowserContext], live_server: Any, world: World
) -> None:
    heading = _translated(language, HEADING)
    assert heading != HEADING, f"no {language} translation of {HEADING!r} in the catalogue"
    page = _candidate_page(contexts[locale], live_server, world)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + reverse("candidates:results"))
    assert page.locator("html").get_attribute("lang") == tag
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("h1").inner_text().strip() == heading
    if os.environ.get("RVS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for width, suffix in ((1280, ""), (390, "-phone")):
            page.set_viewport_size({"width": width, "height": 800})
            page.mouse.move(0, 0)
            name = f"candidate-results-{language}{suffix}.png"
            page.screenshot(path=SCREENSHOTS / name, full_page=True, animations="disabled", caret="hide")


def test_the_switcher_works_from_the_keyboard_and_is_remembered(
    contexts: dict[str, BrowserContext], live_server: Any, world: World
) -> None:
    page = _candidate_page(contexts["en-GB"], live_server, world)
    page.goto(live_server.url + reverse("candidates:results"))
    assert page.locator("h1").inner_text().strip() == HEADING
    button = page.locator(".language-switcher button[lang='es']")
    assert button.inner_text().strip() == "Español"
    for _ in range(200):  # Tab through the page until the Spanish button has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.getAttribute('lang')") == "es":
            break
    else:
        pytest.fail("Tab never reached the Spanish button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == live_server.url + reverse("candidates:results"), "back on the same page"
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text().strip() == _translated("es", HEADING)
    assert page.locator(".language-switcher button[aria-current='true']").inner_text().strip() == "Español"
    assert _candidate_user(world).language == "es", "saved for the candidate: emails follow it"
