"""Arabic in Chromium: right to left for real (issue 18 item 4, decision 0035).

The browser asks for Arabic (``Accept-Language: ar`` and the language cookie). At 1280 and 390 px
the candidate's results, the home page, the verify page, the directory, both sign-in pages and the
organisation's details page are ``<html lang="ar" dir="rtl">``; the layout is mirrored (the
brand at the right of the header, the main navigation starting at the right, a form label's text
at the right of its box); an ERN, an email address or anything in a left-to-right ``<bdi>`` keeps
its left-to-right order inside the Arabic page; nothing scrolls sideways at 390 or 320 px, nor
sticks out where it cannot be scrolled to (in a right-to-left page that is the right-hand side);
axe-core finds no violation.

Nothing here reads the Arabic text itself: the catalogue may not be merged, and the checks hold
either way. ``RVS_SCREENSHOTS=1`` saves the candidate's results in Arabic, desktop and phone, to
docs/screenshots/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_every_screen import _axe
from tests.security.test_matrix import World, _build_world

HEIGHT = 800
WIDE, PHONE, NARROWEST = 1280, 390, 320

# route: who opens it ("anon": signed out; the others are the matrix world's sessions)
PAGES: dict[str, str] = {
    "candidates:results": "candidate",
    "home": "anon",
    "verify_statement": "anon",
    "directory": "anon",
    "accounts:login": "anon",
    "candidates:sign_in": "anon",
    "organisations:details": "primary",
}

LAYOUT_JS = """() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width,
      visible: r.width > 0 && r.height > 0}; };
  const links = [...document.querySelectorAll('.site-header nav a')].map(box).filter((b) => b.visible);
  const label = [...document.querySelectorAll('main label, main legend')].find((el) => {
    const r = el.getBoundingClientRect(); return r.width > 0 && el.textContent.trim();
  });
  let labelText = null;
  if (label) {
    const range = document.createRange();
    range.selectNodeContents(label);
    const r = range.getBoundingClientRect();
    labelText = {text: {left: r.left, right: r.right}, box: box(label), align: getComputedStyle(label).textAlign};
  }
  return {
    width: window.innerWidth, lang: document.documentElement.lang, dir: document.documentElement.dir,
    direction: getComputedStyle(document.body).direction,
    brand: box(document.querySelector('.site-header .brand')),
    end: box(document.querySelector('.site-header .user-menu, .site-header .sign-in')),
    links, label: labelText,
  };
}"""

# Each piece of data that must read left to right: its computed direction and the rendered order of
# its first and last letters (the first one further left). <bdi dir="ltr">, .ern, and boxes for codes.
ORDER_JS = """() => {
  const found = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '');
  const contentRight = (el) => { const style = getComputedStyle(el);
    return el.getBoundingClientRect().right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth); };
  for (const el of document.querySelectorAll('bdi[dir="ltr"], .ern')) {
    const text = el.textContent;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const nodes = []; for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.data.trim()) nodes.push(n);
    if (!nodes.length || text.trim().length < 2 || el.getBoundingClientRect().width === 0) continue;
    const first = nodes[0], last = nodes[nodes.length - 1];
    const at = (n, i) => { const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
      return r.getBoundingClientRect(); };
    const i0 = first.data.search(/\\S/), i1 = last.data.search(/\\S\\s*$/);
    const a = at(first, i0), b = at(last, i1);
    const all = document.createRange(); all.selectNodeContents(el);
    const block = getComputedStyle(el).display !== 'inline';
    found.push({what: describe(el), text: text.trim(), direction: getComputedStyle(el).direction,
      sameLine: Math.abs(a.top - b.top) < 2, firstLeft: a.left, lastLeft: b.left,
      atRight: !block || Math.abs(all.getBoundingClientRect().right - contentRight(el)) < 2});
  }
  const codes = 'input[type=email], input[type=number], input[type=tel], input[name=ern]';
  const boxes = [...document.querySelectorAll(codes)]
    .map((el) => ({what: el.name, direction: getComputedStyle(el).direction, align: getComputedStyle(el).textAlign}));
  return {found, boxes};
}"""

# Sideways scroll, and in a right-to-left page also what sticks out at the right, where it cannot be
# scrolled to. Left out: what a scroll region holds, and what is meant to be off screen (the skip
# link until it has the focus, visually-hidden text).
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const problems = [];
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth > width) problems.push(`the page scrolls sideways: scrollWidth ${scrollWidth}`);
  const clipped = (el) => { for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
  const hidden = (el) => el.closest('.skip-link, .visually-hidden, [hidden]');
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || hidden(el) || clipped(el)) continue;
    if (r.left < -0.5 || r.right > width + 0.5) {
      problems.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} from ${Math.round(r.left)} to ` +
        `${Math.round(r.right)} px "${(el.textContent || '').trim().slice(0, 40)}"`);
      if (problems.length > 5) break;
    }
  }
  return problems;
}"""


@pytest.fixture
def world(transactional_db: None, live_server: Any) -> World:
    """The authorization matrix's world (two organisations, a candidate with a result, staff), committed."""
    return _build_world()


@pytest.fixture
def arabic(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    """A browser context that asks for Arabic (navigator.language and Accept-Language)."""
    context = browser.new_context(**{**browser_context_args, "locale": "ar"})
    yield context
    context.close()


def _arabic_page(context: BrowserContext, live_server: Any, world: World, actor: str) -> Page:
    """A page in the Arabic browser, signed in as ``actor`` (or signed out), the language cookie set."""
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar", "url": live_server.url}]
    if actor != "anon":
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": world.sessions[actor], "url": live_server.url})
        _prefer_arabic(world, actor)
    context.add_cookies(cookies)  # type: ignore[arg-type]
    return context.new_page()


def _prefer_arabic(world: World, actor: str) -> None:
    """A signed-in person's saved language comes first (decision 0033): save Arabic for them."""
    from importlib import import_module

    from django.contrib.auth import get_user_model

    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=world.sessions[actor])
    user = get_user_model().objects.get(pk=session["_auth_user_id"])
    for holder in (user, getattr(user, "candidate_account", None)):
        if holder is not None and hasattr(holder, "language"):
            holder.language = "ar"
            holder.save(update_fields=["language"])


def _check_layout(page: Page, name: str) -> list[str]:
    found = page.evaluate(LAYOUT_JS)
    width = found["width"]
    problems = []
    if (found["lang"], found["dir"], found["direction"]) != ("ar", "rtl", "rtl"):
        problems.append(f'<html lang="{found["lang"]}" dir="{found["dir"]}">, body {found["direction"]}')
    brand = found["brand"]
    if brand["right"] < width - 40 or brand["left"] < width / 2 - brand["width"]:
        problems.append(f"the brand is not at the right of the header: {brand}")
    end = found["end"]
    if end and end["visible"] and not (end["right"] <= brand["left"] or end["top"] >= brand["bottom"]):
        problems.append(f"the user menu / sign-in link is not left of the brand, nor below it: {end} vs {brand}")
    links = found["links"]
    if len(links) > 1 and not (links[0]["right"] > links[-1]["right"] and links[0]["right"] <= brand["left"] + 1):
        problems.append(f"the main navigation does not start at the right, next to the brand: {links}")
    label = found["label"]
    if label and label["align"] not in {"start", "right"}:
        problems.append(f"a form label is aligned {label['align']}")
    if label and abs(label["text"]["right"] - label["box"]["right"]) > 1:
        problems.append(f"a form label's text is not at the right of its box: {label}")
    return [f"{name} at {width} px: {problem}" for problem in problems]


def _check_order(page: Page, name: str, *, data_expected: bool) -> list[str]:
    found = page.evaluate(ORDER_JS)
    problems = []
    if data_expected and not found["found"]:
        problems.append("no ERN or left-to-right <bdi> found")
    for item in found["found"]:
        if item["direction"] != "ltr":
            problems.append(f"{item['what']} {item['text']!r} is {item['direction']}")
        elif item["sameLine"] and not item["firstLeft"] < item["lastLeft"]:
            problems.append(f"{item['what']} {item['text']!r} reads right to left: {item}")
        elif not item["atRight"]:
            problems.append(f"{item['what']} {item['text']!r} is not at the right of its box: {item}")
    for box in found["boxes"]:
        if box["direction"] != "ltr" or box["align"] not in {"right", "end", "-webkit-right"}:
            problems.append(f"the box {box['what']} is {box['direction']}, aligned {box['align']}")
    return [f"{name}: {problem}" for problem in problems]


def _check_overflow(page: Page, name: str) -> list[str]:
    problems = []
    for width in (PHONE, NARROWEST):
        page.set_viewport_size({"width": width, "height": HEIGHT})
        problems += [f"{name} at {width} px: {problem}" for problem in page.evaluate(OVERFLOW_JS)]
    return problems


def _screenshots(page: Page) -> None:
    if os.environ.get("RVS_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, name in ((WIDE, "candidate-results-ar"), (PHONE, "candidate-results-ar-phone")):
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.mouse.move(0, 0)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True, animations="disabled", caret="hide")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_arabic_pages_are_right_to_left(name: str, arabic: BrowserContext, live_server: Any, world: World) -> None:
    page = _arabic_page(arabic, live_server, world, PAGES[name])
    page.set_viewport_size({"width": WIDE, "height": HEIGHT})
    response = page.goto(live_server.url + reverse(name))
    assert response is not None, name
    assert response.status == 200, f"{name}: {response.status}"
    assert page.url == live_server.url + reverse(name), f"{name} went to {page.url}"
    problems: list[str] = []
    for width in (WIDE, PHONE):
        page.set_viewport_size({"width": width, "height": HEIGHT})
        problems += _check_layout(page, name)
        problems += _check_order(page, f"{name} at {width} px", data_expected=name == "candidates:results")
        problems += _axe(page, width)
    problems += _check_overflow(page, name)
    if name == "candidates:results":
        _screenshots(page)
    assert not problems, "\n".join(problems)


def test_an_email_typed_in_arabic_reads_left_to_right(arabic: BrowserContext, live_server: Any, world: World) -> None:
    """The sign-in's email box: typed text stays left to right, at the right of the box like the label."""
    page = _arabic_page(arabic, live_server, world, "anon")
    page.goto(live_server.url + reverse("accounts:login"))
    box = page.locator("input[type=email]")
    box.fill("admissions@unige.example")
    style = box.evaluate("(el) => [getComputedStyle(el).direction, getComputedStyle(el).textAlign]")
    assert style[0] == "ltr", style
    assert style[1] in {"right", "end", "-webkit-right"}, style


MENU_JS = """() => {
  const nav = document.querySelector('.site-header nav');
  return [...nav.querySelectorAll('a')].map((a) => {
    const range = document.createRange(); range.selectNodeContents(a);
    return {text: range.getBoundingClientRect().right, nav: nav.getBoundingClientRect().right};
  });
}"""


def test_arabic_menus_open_on_a_phone(arabic: BrowserContext, live_server: Any, world: World) -> None:
    """The Menu opened at 390 px lists its links from the right; the user menu opened fits 390 and 320 px."""
    page = _arabic_page(arabic, live_server, world, "candidate")
    page.set_viewport_size({"width": PHONE, "height": HEIGHT})
    page.goto(live_server.url + reverse("candidates:results"))
    page.locator(".site-header .menu-toggle").click()
    links = page.evaluate(MENU_JS)
    assert links, "no links in the opened Menu"
    assert all(abs(link["text"] - link["nav"]) < 2 for link in links), f"not at the right: {links}"
    problems = _axe(page, PHONE) + _check_overflow(page, "menu open")
    page.locator(".site-header .menu-toggle").click()
    page.locator(".user-menu summary").click()
    assert page.locator(".user-menu ul").is_visible()
    problems += _axe(page, PHONE) + _check_overflow(page, "user menu open")
    assert not problems, "\n".join(problems)
