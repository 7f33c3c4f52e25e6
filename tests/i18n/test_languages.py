"""Choosing a language (decision 0033): Accept-Language, the cookie, the saved choice, the switcher."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.candidates.models import CandidateAccount
from rvs.core.i18n import bcp47
from tests.conftest import client_for
from tests.factories import PASSWORD, CandidateFactory, UserFactory

COOKIE = "rvs_language"
SWITCH = "/language/"


def _html(response: Any) -> tuple[str, str]:
    """The lang and dir of the page's <html>."""
    match = re.search(r'<html lang="([^"]*)" dir="([^"]*)">', response.content.decode())
    assert match, "no <html lang dir>"
    return match.group(1), match.group(2)


def _candidate_user() -> Any:
    user = UserFactory()
    CandidateAccount.objects.create(user=user, candidate=CandidateFactory(), terms_accepted_at=timezone.now())
    return user


@pytest.mark.django_db
class TestOrderOfChoice:
    def test_english_when_nothing_says_otherwise(self, client: Client) -> None:
        response = client.get(reverse("home"))
        assert _html(response) == ("en-GB", "ltr")
        assert response["Content-Language"] == "en-gb"

    def test_accept_language_picks_spanish(self, client: Client) -> None:
        response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")
        assert _html(response) == ("es", "ltr")
        assert "Accept-Language" in response["Vary"]

    def test_a_language_we_do_not_have_falls_back_to_english(self, client: Client) -> None:
        assert _html(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr"))[0] == "en-GB"

    def test_the_cookie_beats_accept_language(self, client: Client) -> None:
        client.cookies[COOKIE] = "zh-hans"
        response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es")
        assert _html(response) == ("zh-Hans", "ltr")
        assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}  # shared caches

    def test_the_saved_language_beats_the_cookie(self, member: Any) -> None:
        member.language = "ar"
        member.save()
        client = client_for(member)
        client.cookies[COOKIE] = "es"
        response = client.get(reverse("results:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-Hans")
        assert _html(response) == ("ar", "rtl")
        assert response.cookies[COOKIE].value == "ar"  # so the pages after signing out stay in it

    def test_a_user_without_a_saved_language_follows_the_cookie(self, member: Any) -> None:
        client = client_for(member)
        client.cookies[COOKIE] = "es"
        assert _html(client.get(reverse("results:dashboard")))[0] == "es"


@pytest.mark.parametrize(
    ("code", "tag", "direction"),
    [("en-gb", "en-GB", "ltr"), ("es", "es", "ltr"), ("zh-hans", "zh-Hans", "ltr"), ("ar", "ar", "rtl")],
)
@pytest.mark.django_db
def test_html_lang_and_dir_per_language(client: Client, code: str, tag: str, direction: str) -> None:
    client.cookies[COOKIE] = code
    for name in ("home", "accounts:login", "directory", "verify_statement"):
        assert _html(client.get(reverse(name))) == (tag, direction), name
    assert bcp47(code) == tag


@pytest.mark.django_db
class TestSwitcher:
    def test_every_page_has_the_form_each_language_named_in_itself(self, client: Client) -> None:
        client.cookies[COOKIE] = "es"
        page = client.get(reverse("directory")).content.decode()
        form = re.search(r'<form method="post" action="/language/" class="language-switcher".*?</form>', page, re.S)
        assert form, "no switcher"
        html = form.group(0)
        assert 'name="csrfmiddlewaretoken"' in html
        assert 'name="next"' not in html  # back by the Referer: a page never echoes its own address
        buttons = re.findall(r"<button ([^>]*)>([^<]*)</button>", html)
        assert [name for _, name in buttons] == [name for _, name in settings.LANGUAGES]
        assert [name for _, name in buttons] == ["English", "Español", "简体中文", "العربية"]
        attrs = {name: a for a, name in buttons}
        assert [name for a, name in buttons if "aria-current" in a] == ["Español"]
        assert 'lang="en-GB" dir="ltr"' in attrs["English"]
        assert 'lang="zh-Hans" dir="ltr"' in attrs["简体中文"]
        assert 'lang="ar" dir="rtl"' in attrs["العربية"]
        assert all('type="submit" name="language"' in a for a in attrs.values())

    def test_a_visitor_gets_the_cookie_and_goes_back(self, client: Client) -> None:
        response = client.post(SWITCH, {"language": "es", "next": "/recognition/"})
        assert response.status_code == 302
        assert response["Location"] == "/recognition/"
        cookie = response.cookies[COOKIE]
        assert cookie.value == "es"
        assert cookie["max-age"] == 365 * 24 * 60 * 60
        assert cookie["samesite"] == "Lax"
        assert cookie["httponly"]
        assert _html(client.get("/recognition/"))[0] == "es"

    def test_the_page_query_comes_back_from_the_referer_of_the_same_page(self, client: Client) -> None:
        response = client.post(
            SWITCH, {"language": "es", "next": "/recognition/"}, HTTP_REFERER="http://testserver/recognition/?q=Ber"
        )
        assert response["Location"] == "/recognition/?q=Ber"
        response = client.post(
            SWITCH, {"language": "es", "next": "/recognition/"}, HTTP_REFERER="http://testserver/register/?x=1"
        )
        assert response["Location"] == "/recognition/"

    def test_without_next_it_goes_back_to_the_referer_or_home(self, client: Client) -> None:
        response = client.post(SWITCH, {"language": "es"}, HTTP_REFERER="http://testserver/recognition/?q=Ber")
        assert response["Location"] == "/recognition/?q=Ber"
        assert client.post(SWITCH, {"language": "es"})["Location"] == reverse("home")
        response = client.post(SWITCH, {"language": "es"}, HTTP_REFERER="https://evil.example/recognition/")
        assert response["Location"] == reverse("home")

    @pytest.mark.parametrize(
        "unsafe", ["https://evil.example/", "//evil.example/", "http://evil.example/recognition/", "javascript:1"]
    )
    def test_it_refuses_an_unsafe_next(self, client: Client, unsafe: str) -> None:
        response = client.post(SWITCH, {"language": "ar", "next": unsafe}, HTTP_REFERER=unsafe)
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        assert response.cookies[COOKIE].value == "ar"

    def test_get_is_not_allowed(self, client: Client) -> None:
        assert client.get(SWITCH, {"language": "es"}).status_code == 405

    def test_it_needs_the_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        response = client.post(SWITCH, {"language": "es", "next": "/"})
        assert response.status_code == 403
        assert COOKIE not in response.cookies

    def test_an_unknown_language_changes_nothing(self, member: Any) -> None:
        response = client_for(member).post(SWITCH, {"language": "fr", "next": "/"})
        assert response.status_code == 400
        assert COOKIE not in response.cookies
        member.refresh_from_db()
        assert member.language == ""

    def test_it_saves_the_choice_of_an_organisation_user(self, member: Any) -> None:
        client = client_for(member)
        response = client.post(SWITCH, {"language": "zh-hans", "next": reverse("results:dashboard")})
        assert response["Location"] == reverse("results:dashboard")
        member.refresh_from_db()
        assert member.language == "zh-hans"
        client.cookies.pop(COOKIE)
        assert _html(client.get(reverse("results:dashboard")))[0] == "zh-Hans"

    def test_it_saves_the_choice_of_a_candidate(self) -> None:
        user = _candidate_user()
        client_for(user).post(SWITCH, {"language": "ar", "next": "/"})
        user.refresh_from_db()
        assert user.language == "ar"
        assert user.candidate_account is not None

    def test_it_saves_the_choice_of_staff(self, staff: Any) -> None:
        client_for(staff).post(SWITCH, {"language": "es", "next": "/"})
        staff.refresh_from_db()
        assert staff.language == "es"


@pytest.mark.django_db
class TestRemembered:
    def _sign_in(self, client: Client, user: Any) -> Any:
        response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.content.decode()[:500]
        return response

    def test_the_saved_language_survives_signing_out_and_in(self, member: Any) -> None:
        client = Client()
        self._sign_in(client, member)
        client.post(SWITCH, {"language": "es", "next": "/"})
        client.post(reverse("accounts:logout"))
        fresh = Client()  # another browser: no cookie
        assert _html(fresh.get(reverse("accounts:login")))[0] == "en-GB"
        self._sign_in(fresh, member)
        assert _html(fresh.get(reverse("results:dashboard")))[0] == "es"

    def test_signing_in_keeps_the_language_the_visitor_chose(self, member: Any) -> None:
        client = Client()
        client.cookies[COOKIE] = "ar"
        self._sign_in(client, member)
        member.refresh_from_db()
        assert member.language == "ar"

    def test_signing_in_with_nothing_chosen_saves_nothing(self, member: Any) -> None:
        self._sign_in(Client(), member)
        member.refresh_from_db()
        assert member.language == ""

    def test_signing_in_never_overwrites_a_saved_language(self, member: Any) -> None:
        member.language = "zh-hans"
        member.save()
        client = Client()
        client.cookies[COOKIE] = "es"
        self._sign_in(client, member)
        member.refresh_from_db()
        assert member.language == "zh-hans"
