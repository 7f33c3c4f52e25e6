"""Arabic in Chromium: right to left for real (issue 18 item 4, decision 0035).

The browser asks for Arabic (``Accept-Language: ar`` and the language cookie). At 1280 and 390 px
the candidate's results, the home page, the verify page, the directory, both sign-in pages and the
organisation's details page are ``<html lang="ar" dir="rtl">``; the layout is mirrored (the brand at
the right of the header, the main navigation starting at the right, a form label's text at the right
of its box); an ERN, an email address, anything in a left-to-right ``<bdi>`` and a website shown as
its address keep their left-to-right order inside the Arabic page; nothing scrolls sideways at 390
or 320 px, nor sticks out where it cannot be scrolled to (in a right-to-left page that is the
right-hand side); axe-core finds no violation.

Nothing here reads the Arabic text itself: the catalogue may not be merged, and the checks hold
either way. ``RVS_SCREENSHOTS=1`` saves the candidate's results in Arabic, desktop and phone, to
docs/screenshots/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_every_screen import _axe
from tests.security.test_matrix import World, _build_world

HEIGHT = 800
WEBSITE = "https://www.unige.example/admissions/"
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
# Pages that show an ERN or a website of their own (besides the footer's email address, on every page)
DATA_EXPECTED = {"candidates:results", "directory", "organisations:details"}

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
  // A link that shows its own address (a website) reads left to right too.
  const addresses = [...document.querySelectorAll('a[href^="http"]')]
    .filter((a) => a.textContent.trim() === a.getAttribute('href'));
  for (const el of [...document.querySelectorAll('bdi[dir="ltr"], .ern'), ...addresses]) {
    const text = el.textContent;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const nodes = []; for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.data.trim()) nodes.push(n);
    if (!nodes.length || text.trim().length < 2 || el.getBoundingClientRect().width === 0) continue;
    // its letters in reading order; the first two, the last two and the first and the last, where on one line,
    // must go from left to right (a trailing "/" or "." jumps to the front of right-to-left text)
    const chars = [];
    for (const n of nodes) for (let i = 0; i < n.data.length; i++) if (n.data[i].trim()) chars.push([n, i]);
    const at = ([n, i]) => { const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
      return r.getBoundingClientRect(); };
    const k = chars.length - 1;
    const reversed = [[chars[0], chars[1]], [chars[k - 1], chars[k]], [chars[0], chars[k]]].filter(([c, d]) => {
      const a = at(c), b = at(d);
      return Math.abs(a.top - b.top) < 2 && !(a.left < b.left);
    });
    const all = document.createRange(); all.selectNodeContents(el);
    const block = getComputedStyle(el).display !== 'inline';
    // a link is checked by its rendered order only: the <bdi> inside it is what isolates the address
    const direction = el.tagName === 'A' ? 'ltr' : getComputedStyle(el).direction;
    found.push({what: describe(el), text: text.trim(), direction,
      reversed: reversed.map((pair) => pair.map(([n, i]) => n.data[i]).join('…')),
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
    """The authorization matrix's world (two organisations, a candidate with a result, staff), committed.

    Organisation A's website ends in "/": shown as it is in right-to-left text, the slash would jump
    to the front ("/https://…"); the directory and the organisation's details must isolate it.
    """
    w = _build_world()
    w.org_a.website = WEBSITE
    w.org_a.save(update_fields=["website"])
    return w


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
        problems.append("no ERN, left-to-right <bdi> or website found")
    for item in found["found"]:
        if item["direction"] != "ltr":
            problems.append(f"{item['what']} {item['text']!r} is {item['direction']}")
        elif item["reversed"]:
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
        problems += _check_order(page, f"{name} at {width} px", data_expected=name in DATA_EXPECTED)
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


ROOT = Path(__file__).resolve().parents[2]
STYLESHEETS = sorted(ROOT.glob("rvs/static/*/*.css")) + sorted(ROOT.glob("rvs/*/static/*/*.css"))
# A physical side mirrors nothing: margin-left, padding-right, border-left, left:, right:, float/text-align: left.
PHYSICAL = re.compile(
    r"(?<![\w-])(?:(?:margin|padding|border)-(?:left|right)[\w-]*|left|right)\s*:|"
    r"(?:float|clear|text-align)\s*:\s*(?:left|right)\b"
)
# ... and so does a four-value margin or padding whose right and left differ ("margin: 0 1rem 0 0").
SHORTHAND = re.compile(r"(?<![\w-])(?:margin|padding|inset|border-width)\s*:\s*([^;}]+)")
# The one physical alignment, and why: a <time> whose direction comes from its own letters, right-aligned only
# in a right-to-left page (decision 0035).
ALLOWED = {"time:dir(rtl) { text-align: right; }"}


def test_the_stylesheets_have_no_physical_sides() -> None:
    """Every side in our stylesheets is logical (inline-start/-end), so right to left mirrors them."""
    found = []
    for sheet in STYLESHEETS:
        for number, line in enumerate(sheet.read_text(encoding="utf-8").splitlines(), 1):
            uneven = [v for v in map(str.split, SHORTHAND.findall(line)) if len(v) == 4 and v[1] != v[3]]
            if (PHYSICAL.search(line) or uneven) and not any(allowed in line for allowed in ALLOWED):
                found.append(f"{sheet.name}:{number}: {line.strip()}")
    assert len(STYLESHEETS) >= 2, STYLESHEETS
    assert not found, "\n".join(found)
