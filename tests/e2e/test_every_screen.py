"""Every page at every screen size (issue 17, item 3; WCAG 2.2 reflow, 1.4.10), checked by axe-core.

Every route of the URL resolver is either opened here as the person whose page it is (signed
out, a candidate, an organisation member, the Primary User, staff) or listed in ``NOT_PAGES``
with the reason (API, files, redirects, POST-only actions). A new route that is neither fails
``test_it_knows_every_route``, and the reasons are checked: a "POST-only" route must answer 405
to GET, a "redirect" must redirect, a file must not be an HTML page.

Each page is opened once in one browser page and resized: at 320 and 390 px wide the page must
not scroll sideways (``scrollWidth <= innerWidth``; the failure names the element that sticks
out), and at 1280 and 390 px axe-core (vendored in ``vendor/axe.min.js``, never fetched) must
report no violation at all. ``STATES`` adds what a page shows after a click: the error state of
each main form (an empty submit), the navigation menu opened at 390 px, the user menu opened.

The data is the authorization matrix's world (tests/security/test_matrix.py: two organisations,
a candidate, staff, one of every object) with a few long names and addresses added, built with
tests/factories.py for each test (browser tests need committed rows).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from playwright.sync_api import Page

from tests.security.test_matrix import (
    CANDIDATE,
    EVERYONE,
    ORG_USERS,
    PHOTO_NAME,
    PNG,
    PRIMARY,
    ROUTES,
    STAFF,
    World,
    _build_world,
    _expected,
    _fill,
)

AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
NARROW = (320, 390)  # no sideways scroll at these widths
AXE_WIDTHS = (1280, 390)  # axe-core at these widths
HEIGHT = 800

API = "API: JSON for programs (tests/api), not a page"
FILE = "a file download, not a page"
POST_ONLY = "POST-only action: GET answers 405"
CONFIRMED = "an action: GET answers 405, or shows the confirmation page (issue 17, item 4), checked here as a page"
FRAGMENT = "an HTML fragment for htmx, shown inside a page that is checked"
ADMIN = "Django's generated admin: staff have no model permissions there (403); not a page of the service"

# Routes that are not pages, and why. Nothing is left out to hide a problem.
NOT_PAGES: dict[str, str] = {
    **{name: API for name in ROUTES if name.startswith("api:") and name not in {"api:docs", "api:redoc"}},
    **{name: ADMIN for name in ROUTES if name.startswith("admin:")},
    "api:docs": "drf-spectacular's Swagger UI, third-party; the API Developer Portal (developers:*) is ours",
    "api:redoc": "drf-spectacular's ReDoc, third-party; the API Developer Portal (developers:*) is ours",
    # a route ending in a file name (certificate.pem, problems.csv, sample.csv) or in file/, photo/
    **{
        name: FILE
        for name, (_, route) in ROUTES.items()
        if not name.startswith("api:") and re.search(r"(\.\w{2,4}|/file/|/photo/)$", route)
    },
    "candidates:organisation_options": FRAGMENT,
    "accounts:logout": POST_ONLY,
    "set_language": POST_ONLY,
    "api_web:key_create": POST_ONLY,
    "api_web:webhook_create": POST_ONLY,
    "api_web:webhook_action": POST_ONLY,
    "downloads:create": POST_ONLY,
    "downloads:again": POST_ONLY,
    "backoffice:import_start": POST_ONLY,
    "backoffice:change_primary": POST_ONLY,
    "backoffice:organisation_status": POST_ONLY,
    "candidates:statements": POST_ONLY,
    "organisations:two_factor_policy": POST_ONLY,
    "api_web:key_rotate": CONFIRMED,
    "api_web:key_revoke": CONFIRMED,
    "candidates:revoke": CONFIRMED,
}

# Routes several kinds of people may open: whose page it is. The rest follow the matrix's EXPECT.
ACTOR_FOR: dict[str, str] = {
    "accounts:change_password": "member",
    "accounts:two_factor": "member_pending",  # a member with a device, not yet past the second factor
    "accounts:two_factor_setup": "member",
    "backoffice:two_factor": "staff_pending",
    "backoffice:two_factor_setup": "staff_new",
    "candidates:confirm_needed": "candidate_unconfirmed",
}
# Pages whose only state is an answer other than 200 (a link that is not valid: the page says so).
STATUS: dict[str, int] = {"candidates:confirm_email": 400}
GROUPS = (("anon", EVERYONE), ("candidate", CANDIDATE), ("member", ORG_USERS), ("primary", PRIMARY), ("staff", STAFF))

PAGE_IDS = sorted(name for name in ROUTES if name not in NOT_PAGES)


def _actor(name: str) -> str:
    if name in ACTOR_FOR:
        return ACTOR_FOR[name]
    expected = _expected(name)
    for actor, group in GROUPS:
        if expected == group:
            return actor
    raise AssertionError(f"{name}: say in ACTOR_FOR who opens it (EXPECT allows {sorted(expected or ())})")


# --- the world ---------------------------------------------------------------------------------


@pytest.fixture
def world(transactional_db: None, live_server: Any) -> World:
    """The matrix's world, committed, with long names that have to wrap on a phone."""
    from rvs.organisations.models import Membership
    from tests.factories import CandidateFactory, MembershipFactory, ResultFactory, ShareFactory

    w = _build_world()
    assert default_storage.save(PHOTO_NAME, ContentFile(PNG)) == PHOTO_NAME
    org_a = w.org_a
    for first, last in (
        ("Maria-Fernanda Guadalupe", "Rodríguez-Villanueva de la Cruz"),
        ("Thị Lan", "Nguyễn"),
        ("Oluwaseun Babatunde", "Adeyemi-Okonkwo"),
    ):
        result = ResultFactory(
            candidate=CandidateFactory(first_name=first, last_name=last), exam_date=dt.date(2025, 3, 8)
        )
        ShareFactory(result=result, organisation=org_a)
    MembershipFactory(
        organisation=org_a,
        role=Membership.Role.ADDITIONAL,
        user__email="international.admissions.postgraduate.office@very-long-university-name.example.ac.uk",
        user__full_name="Aleksandra Wiśniewska-Kowalczyk",
    )
    add_pending_people(w)
    return w


def add_pending_people(w: World) -> None:
    """Who some pages are opened as (ACTOR_FOR), besides the matrix's actors: a member and staff
    whose second factor is not yet verified, a candidate whose email is not confirmed, new staff.
    Also used by tests/i18n/test_pseudo_locale.py."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from rvs.candidates.services import candidate_sign_up
    from rvs.organisations.models import Membership
    from tests.conftest import make_staff
    from tests.factories import PASSWORD, CandidateFactory, MembershipFactory

    pending_member = MembershipFactory(organisation=w.org_a, role=Membership.Role.ADDITIONAL).user
    TOTPDevice.objects.create(user=pending_member, name="phone", confirmed=True)
    pending_staff = make_staff(email="pending.staff@board.example")
    TOTPDevice.objects.create(user=pending_staff, name="phone", confirmed=True)
    unconfirmed = CandidateFactory(first_name="Anh", last_name="Trần")
    account = candidate_sign_up(
        candidate_number=unconfirmed.candidate_number, secret_number="1234",
        email="not.yet.confirmed@cand.example", password=PASSWORD,
    )  # fmt: skip
    for actor, user in (
        ("candidate_unconfirmed", account.user),
        ("member_pending", pending_member),
        ("staff_pending", pending_staff),
        ("staff_new", make_staff(email="new.staff@board.example")),
    ):
        w.sessions[actor] = _session_for(user)


def _session_for(user: Any) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


def _open_as(page: Page, live_server: Any, world: World, actor: str, path: str) -> Any:
    page.context.clear_cookies()
    if actor != "anon":
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": world.sessions[actor], "url": live_server.url}]
        )
    page.set_viewport_size({"width": 1280, "height": HEIGHT})
    return page.goto(live_server.url + path)


def _path(name: str, world: World) -> str:
    kwargs = _fill(name, ROUTES[name][0], world)
    assert kwargs is not None, f"{name}: tests/security/test_matrix.py cannot fill its URL"
    path = reverse(name, kwargs=kwargs)
    if name == "verify_ern":  # the QR code's link carries its check code
        from rvs.downloads.pdf import verification_code

        path += f"?c={verification_code(kwargs['ern'])}"
    return path


# --- the checks ----------------------------------------------------------------------------------

OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth <= width) return null;
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  const sticksOut = (el) => el.getBoundingClientRect().right > width + 0.5 && !clipped(el);
  const label = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    for (const c of el.classList) s += '.' + c;
    return s;
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 5; e = e.parentElement) parts.unshift(label(e));
    return parts.join(' > ');
  };
  const describe = (el) => {
    const r = el.getBoundingClientRect();
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
    return `${path(el)} (${Math.round(r.width)} px wide, right edge at ${Math.round(r.right)} px) "${text}"`;
  };
  let widest = null;
  const causes = [];
  const all = [...document.body.querySelectorAll('*')];
  // Inside a scroll region as a rule; but an absolutely placed element may escape it: then name that.
  const beyond = (el) => el.getBoundingClientRect().right > width + 0.5;
  const candidates = all.some(sticksOut) ? all.filter(sticksOut) : all.filter(beyond);
  for (const el of candidates) {
    const r = el.getBoundingClientRect();
    if (!widest || r.right > widest.getBoundingClientRect().right) widest = el;
    if (causes.length < 4 && !(el.parentElement && candidates.includes(el.parentElement))) causes.push(describe(el));
  }
  return {scrollWidth, widest: widest ? describe(widest) : '(none found)', causes};
}"""

AXE_JS = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} – ` +
    v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(', ') + (v.nodes.length > 5 ? ', …' : ''));
}"""


def _overflow(page: Page, width: int) -> list[str]:
    page.set_viewport_size({"width": width, "height": HEIGHT})
    found = page.evaluate(OVERFLOW_JS)
    if found is None:
        return []
    causes = "; ".join(found["causes"])
    return [
        f"{width} px: the page scrolls sideways ({found['scrollWidth']} px wide); widest: {found['widest']}; "
        f"sticking out first: {causes}"
    ]


def _axe(page: Page, width: int) -> list[str]:
    page.set_viewport_size({"width": width, "height": HEIGHT})
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)  # through the DevTools protocol: the page's CSP does not apply
    return [f"{width} px axe: {violation}" for violation in page.evaluate(AXE_JS)]


def _check(page: Page, state: str) -> list[str]:
    problems: list[str] = []
    for width in AXE_WIDTHS:
        problems += _axe(page, width)
    for width in NARROW:
        problems += _overflow(page, width)
    return [f"{state} at {problem}" for problem in problems]


# --- the tests -----------------------------------------------------------------------------------


def test_it_knows_every_route() -> None:
    """A new route is either opened here or listed in NOT_PAGES with a reason; stale entries go."""
    assert set(NOT_PAGES) <= set(ROUTES), f"NOT_PAGES names routes that no longer exist: {set(NOT_PAGES) - set(ROUTES)}"
    assert len(PAGE_IDS) > 60
    for name in PAGE_IDS:
        _actor(name)


@pytest.mark.parametrize("name", sorted(n for n, why in NOT_PAGES.items() if why in {POST_ONLY, CONFIRMED, FILE}))
def test_what_is_not_a_page_is_not_one(name: str, page: Page, live_server: Any, world: World) -> None:
    """The reasons in NOT_PAGES hold: a GET is refused or is not HTML; a confirmation page is checked."""
    actor = _actor(name)
    path = _path(name, world)
    _open_as(page, live_server, world, actor, "/")
    response = page.request.get(live_server.url + path, max_redirects=0)
    html = "text/html" in response.headers.get("content-type", "")
    why = NOT_PAGES[name]
    if why == CONFIRMED and response.status == 200 and html:
        _open_as(page, live_server, world, actor, path)
        problems = _check(page, f"{name} ({path}, as {actor})")
        assert not problems, "\n".join(problems)
    elif why in {POST_ONLY, CONFIRMED}:
        assert response.status == 405, f"{name} answers GET with {response.status}: a page now? Check it here"
    else:
        assert not (response.status == 200 and html), f"{name} answers GET with an HTML page: check it here"


@pytest.mark.parametrize("name", PAGE_IDS)
def test_every_page_fits_every_screen(name: str, page: Page, live_server: Any, world: World) -> None:
    path = _path(name, world)
    actor = _actor(name)
    response = _open_as(page, live_server, world, actor, path)
    status = STATUS.get(name, 200)
    assert response is not None, f"{name} as {actor}: no answer"
    assert response.status == status, f"{name} as {actor}: {response.status}"
    assert page.url == live_server.url + path, f"{name} as {actor} went to {page.url}: list it in NOT_PAGES?"
    problems = _check(page, f"{name} ({path}, as {actor})")
    assert not problems, "\n".join(problems)


# --- page states after a click -----------------------------------------------------------------


def _empty_submit(button: str) -> Callable[[Page], None]:
    """Submit the form holding ``button`` as it is (browser validation off: the server's errors show)."""

    def act(page: Page) -> None:
        submit = page.locator("main").get_by_role("button", name=button, exact=True).first
        submit.evaluate("(b) => { b.form.noValidate = true; }")
        with page.expect_navigation():
            submit.click()
        assert page.locator(".error-summary, .field-error").count() > 0, f"no error shown after {button!r}"

    return act


def _open_menu(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    toggle = page.get_by_role("button", name="Menu")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("navigation", name="Main").get_by_role("link").first.is_visible()


def _open_user_menu(page: Page) -> None:
    page.locator(".user-menu summary").click()
    assert page.locator(".user-menu ul").is_visible()


STATES: dict[str, tuple[str, str, Callable[[Page], None]]] = {
    # state: (route, actor, what to do)
    "sign-in error": ("accounts:login", "anon", _empty_submit("Sign in")),
    "forgot password error": ("accounts:forgot_password", "anon", _empty_submit("Send the link")),
    "registration error": ("register", "anon", _empty_submit("Submit registration")),
    "candidate sign-up error": ("candidates:sign_up", "anon", _empty_submit("Create account")),
    "verify statement error": ("verify_statement", "anon", _empty_submit("Check the statement")),
    "change password error": ("accounts:change_password", "member", _empty_submit("Change password")),
    "share error": ("candidates:share", "candidate", _empty_submit("Continue")),
    "invite error": ("candidates:invite", "candidate", _empty_submit("Send them an invite")),
    "bulk verification error": ("bulk:upload", "member", _empty_submit("Verify applicants")),
    "template error": ("downloads:template_new", "member", _empty_submit("Save template")),
    "requirement error": ("requirements:new", "primary", _empty_submit("Save requirement")),
    "add user error": ("organisations:user_add", "primary", _empty_submit("Add user")),
    "import error": ("backoffice:imports", "staff", _empty_submit("Check the file")),
    "menu open (candidate)": ("candidates:results", "candidate", _open_menu),
    "menu open (member)": ("results:dashboard", "member", _open_menu),
    "menu open (staff)": ("backoffice:queue", "staff", _open_menu),
    "user menu open (candidate)": ("candidates:shared", "candidate", _open_user_menu),
    "user menu open (member)": ("results:dashboard", "member", _open_user_menu),
    "user menu open (primary)": ("organisations:users", "primary", _open_user_menu),
    "user menu open (staff)": ("backoffice:queue", "staff", _open_user_menu),
}


@pytest.mark.parametrize("state", sorted(STATES))
def test_every_state_fits_every_screen(state: str, page: Page, live_server: Any, world: World) -> None:
    name, actor, act = STATES[state]
    path = _path(name, world)
    _open_as(page, live_server, world, actor, path)
    act(page)
    problems: list[str] = []
    widths = (390,) if act is _open_menu else AXE_WIDTHS  # the menu button shows on narrow screens only
    for width in widths:
        problems += _axe(page, width)
    for width in NARROW:
        problems += _overflow(page, width)
    assert not problems, "\n".join(f"{state} ({path}) at {problem}" for problem in problems)
