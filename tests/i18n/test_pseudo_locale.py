"""Every page and every email in the pseudo-locale: no visible text that did not go through a translation.

The pseudo language (tests/i18n/pseudo.py, decision 0034) translates every msgid of the committed
catalogue and of Django's own catalogues to a marked, accented copy ("⟦Šéàŕçĥ⟧"). Each page the
browser tests reach (tests/e2e/test_every_screen.py: every route as the person whose page it is,
the confirmation pages, the empty-submit error of the main forms) is rendered with Django's test
client in that language, and every email template through ``queue_email``. What is left once the
marked text, the data of the world (every string of its rows, the brand, the exam catalogue),
numbers, codes, addresses and punctuation are taken away was not translated: the failure names the
page (URL and person) or the email, and the text.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.test import Client, override_settings

from tests.e2e.test_every_screen import (
    CONFIRMED,
    NOT_PAGES,
    PAGE_IDS,
    STATES,
    STATUS,
    _actor,
    _empty_submit,
    _path,
    add_pending_people,
)
from tests.i18n import pseudo
from tests.security.test_matrix import World, _build_world

EMAILS_DIR = Path(settings.BASE_DIR) / "rvs" / "templates" / "emails"
FORM_STATES = {
    state: (name, actor, inspect.getclosurevars(act).nonlocals["button"])
    for state, (name, actor, act) in STATES.items()
    if act.__qualname__ == _empty_submit("").__qualname__
}
CONFIRMATION_PAGES = sorted(name for name, why in NOT_PAGES.items() if why == CONFIRMED)


@pytest.fixture(scope="session")
def pseudo_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compiled pseudo catalogue, built once per test process (each xdist worker has its own)."""
    return pseudo.build(tmp_path_factory.mktemp("pseudo_locale"))


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, pseudo_locale: Path) -> Iterator[SimpleNamespace]:
    """The route matrix's world plus the people of the every-screen test, and the pseudo language on."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
        pseudo.active(pseudo_locale),
    ):
        w = _build_world()
        add_pending_people(w)
        user_model = get_user_model()
        if any(f.name == "language" for f in user_model._meta.fields):  # everyone reads the pseudo language
            user_model.objects.update(language=pseudo.PSEUDO)
        yield SimpleNamespace(world=w, data=pseudo.data_pattern(_data_strings()))
        transaction.set_rollback(True)


def _data_strings() -> set[str]:
    """Every string of the service's rows (fields with choices aside: those show their translated label),
    the brand settings and every string of the exam catalogue."""
    from rvs.exams.catalogue import catalogue_path

    found: set[str] = {str(value) for value in settings.RVS_BRAND.values()}
    for model in apps.get_models():
        fields = [
            f.attname for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices
        ]  # fmt: skip
        if fields and model._meta.managed and model.__module__.startswith("rvs."):
            for row in model.objects.values_list(*fields):
                found.update(str(value) for value in row if value)

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(catalogue_path().read_text(encoding="utf-8")))
    return found


def _client(w: World, actor: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=pseudo.PSEUDO)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = pseudo.PSEUDO
    if actor in w.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = w.sessions[actor]
    return client


def _in_pseudo(response: Any, where: str) -> str:
    html = response.content.decode()
    lang = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", html)
    assert lang is not None, f"{where}: no <html lang>"
    assert lang.group(1).lower() == pseudo.PSEUDO, f"{where}: not in the pseudo language"
    return html


def _report(where: str, found: list[str]) -> str:
    return f"{where}: text that did not go through a translation:\n  " + "\n  ".join(found)


@pytest.mark.parametrize("name", PAGE_IDS + CONFIRMATION_PAGES)
def test_every_page_is_translated(name: str, world: SimpleNamespace, db: None) -> None:
    w = world.world
    actor, path = _actor(name), _path(name, w)
    response = _client(w, actor).get(path)
    where = f"{name} ({path}, as {actor})"
    assert response.status_code == STATUS.get(name, 200), f"{where}: {response.status_code}"
    found = pseudo.untranslated(_in_pseudo(response, where), world.data)
    assert not found, _report(where, found)


@pytest.mark.parametrize("state", sorted(FORM_STATES))
def test_every_form_error_is_translated(state: str, world: SimpleNamespace, db: None) -> None:
    """The main forms submitted as they are, empty (the browser tests' error states)."""
    w = world.world
    name, actor, button = FORM_STATES[state]
    path = _path(name, w)
    client = _client(w, actor)
    action, data = _form(client.get(path).content.decode(), pseudo.pseudo(button), button, path)
    response = client.post(action, data)
    where = f"{state}: POST {action} as {actor}"
    html = _in_pseudo(response, where)
    assert 'class="error-summary' in html or "field-error" in html, f"{where}: no error shown"
    found = pseudo.untranslated(html, world.data)
    assert not found, _report(where, found)


# States a form leads to when filled in (the browser tests' searches): route, person, what is typed.
FILLED_STATES: dict[str, tuple[str, str, Callable[[World], dict[str, str]]]] = {
    "search results": ("results:search", "member", lambda w: {"name": w.result.candidate.last_name}),
    "search finding nothing": ("results:search", "member", lambda w: {"name": "Nobody Anywhere"}),
    "search by ERN": ("results:search", "member", lambda w: {"ern": w.result.ern}),
}


@pytest.mark.parametrize("state", sorted(FILLED_STATES))
def test_every_filled_form_is_translated(state: str, world: SimpleNamespace, db: None) -> None:
    w = world.world
    name, actor, data = FILLED_STATES[state]
    path = _path(name, w)
    response = _client(w, actor).post(path, data(w), follow=True)
    where = f"{state}: POST {path} as {actor}, then {response.request['PATH_INFO']}"
    assert response.status_code == 200, f"{where}: {response.status_code}"
    found = pseudo.untranslated(_in_pseudo(response, where), world.data)
    assert not found, _report(where, found)


ERROR_PAGES = ("403", "404", "429", "500", "503")


@pytest.mark.parametrize("code", ERROR_PAGES)
def test_every_error_page_is_translated(code: str, world: SimpleNamespace, db: None) -> None:
    """The error pages (rvs/templates/<code>.html) as their views render them."""
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.shortcuts import render
    from django.test import RequestFactory
    from django.utils import translation

    from rvs.core.views import server_error

    if code == "404":
        response = _client(world.world, "anon").get("/no-such-page/")
    else:
        request = RequestFactory().get("/")
        request.user = AnonymousUser()
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        with translation.override(pseudo.PSEUDO):
            context = {"retry_after": 60, "minutes": 1}
            response = server_error(request) if code == "500" else render(request, f"{code}.html", context)
    assert response.status_code == (int(code) if code in {"404", "500"} else 200)
    where = f"{code}.html"
    found = pseudo.untranslated(_in_pseudo(response, where), world.data)
    assert not found, _report(where, found)


class _Forms(HTMLParser):
    """The forms of <main>: action and what a browser sends without typing (hidden, ticked, chosen)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_main = False
        self.forms: list[dict[str, Any]] = []
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.in_main = self.in_main or tag == "main"
        if not self.in_main:
            return
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "data": {}, "text": []})
            return
        if not self.forms or "name" not in a:
            return
        data, kind = self.forms[-1]["data"], a.get("type", "text").lower()
        if tag == "input" and kind not in {"submit", "button", "file", "checkbox", "radio"} and a.get("value"):
            data[a["name"]] = a["value"]
        elif tag == "input" and kind in {"checkbox", "radio"} and "checked" in a:
            data.setdefault(a["name"], a.get("value", "on"))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and ("selected" in a or self.select not in data):
            data[self.select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        self.in_main = self.in_main and tag != "main"
        self.select = None if tag == "select" else self.select

    def handle_data(self, text: str) -> None:
        if self.in_main and self.forms:
            self.forms[-1]["text"].append(text.strip())


def _form(html: str, button: str, english: str, path: str) -> tuple[str, dict[str, str]]:
    reader = _Forms()
    reader.feed(html)
    # the button in the pseudo language, or still in English (then the page's text says so)
    form = next((f for f in reader.forms if button in "".join(f["text"]) or english in f["text"]), None)
    assert form is not None, f"{path}: no form in <main> with the button {button}"
    return form["action"] or path, form["data"]


# --- emails -------------------------------------------------------------------------------------


def _email_contexts(w: World) -> dict[str, list[dict[str, Any]]]:
    """A representative context for each email (the one its caller passes; each variant of a template)."""
    from rvs.organisations.models import Membership

    site = settings.RVS_SITE_URL
    link = f"{site}/a/link/"
    candidate, result, org = w.result.candidate, w.result, w.org_a
    user = w.member
    primary = Membership.objects.get(organisation=org, role=Membership.Role.PRIMARY).user
    help_ = {"user": user, "sign_in_url": f"{site}/accounts/sign-in/", "reset_url": f"{site}/accounts/forgot-password/"}
    locked = {"candidate": candidate, "failures": 5, "lock_days": 1, "link_days": 3}
    return {
        "candidate_confirm": [{"user": user, "link": link}],
        "candidate_id_locked_alert": [locked, {**locked, "candidate": SimpleNamespace(candidate_number="1", email="")}],
        "candidate_id_locked": [{**locked, "link": link}],
        "candidate_sign_up_attempt": [help_],
        "candidate_sign_up_email_taken": [help_],
        "organisation_invite": [{"invite": SimpleNamespace(organisation_name=org.name), "register_url": link}],
        "password_reset": [{"email": user.email, "link": link}],
        "primary_changed": [
            {"organisation": org, "new_primary": primary, "old_primary": user},
            {"organisation": org, "new_primary": primary, "old_primary": None},
        ],
        "registration_approved": [{"organisation": org, "user": primary, "link": link}],
        "registration_received": [{"request": w.registration}],
        "registration_rejected": [{"request": w.registration, "reason": org.name}],
        "result_changed": [
            {"result": result, "organisation": org, "withdrawn": True},
            {"result": result, "organisation": org, "withdrawn": False},
        ],
        "result_shared": [
            {"organisation": org, "candidate": candidate, "results": results, "dashboard_path": "/results/"}
            for results in ([result], [result, result])
        ],
        "user_added": [{"organisation": org, "user": user, "added_by": primary, "link": link}],
        "webhook_disabled": [{"endpoint": w.webhook, "organisation": org, "reason": org.name}],
    }


def _email_templates() -> list[str]:
    return sorted(p.name.removesuffix("_subject.txt") for p in EMAILS_DIR.glob("*_subject.txt"))


@pytest.mark.parametrize("template", _email_templates())
def test_every_email_is_translated(template: str, world: SimpleNamespace, db: None) -> None:
    from django.utils import translation

    from rvs.core.emails import queue_email

    language = {"language": pseudo.PSEUDO} if "language" in inspect.signature(queue_email).parameters else {}
    contexts = _email_contexts(world.world)
    assert template in contexts, f"{template}: give it a representative context in _email_contexts"
    problems = []
    for number, context in enumerate(contexts[template], start=1):
        with translation.override(pseudo.PSEUDO), transaction.atomic():
            email = queue_email(to="someone@example.org", template=template, context=context, **language)
            transaction.set_rollback(True)
        found = {
            "subject": pseudo.untranslated_text(email.subject, world.data),
            "body": pseudo.untranslated_text(email.body_text, world.data),
            "HTML body": pseudo.untranslated(email.body_html, world.data),
        }
        problems += [
            f"email {template} (context {number}), {part}: {line}" for part, lines in found.items() for line in lines
        ]
    assert not problems, "text that did not go through a translation:\n  " + "\n  ".join(problems)
