"""A candidate finds their own way in; each Your Organisation tab names itself (issue 17 item 10).

* ``/candidate/`` signed out goes to the candidates' own sign-in page (``next=`` kept), with
  "Create your account" and "Forgot your password?"; it is the organisation sign-in with another
  page, so the same lockout and rate limits apply to both.
* The organisation sign-in keeps "Register your organisation" and points candidates to theirs.
* Each tab of Your Organisation has a heading naming it; after "Create key" the page links to the
  API Developer Portal.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.candidates.models import CandidateAccount
from tests.conftest import client_for
from tests.factories import PASSWORD, ResultFactory, UserFactory

pytestmark = pytest.mark.django_db


def _candidate_user() -> Any:
    result = ResultFactory()
    user = UserFactory(email="lukasz@cand.example")
    CandidateAccount.objects.create(
        user=user, candidate=result.candidate, email_confirmed_at=timezone.now(), terms_accepted_at=timezone.now()
    )
    return user


class TestCandidateSignIn:
    def test_the_candidate_site_signed_out_goes_to_its_own_sign_in_keeping_next(self, client: Client) -> None:
        response = client.get("/candidate/shared/")
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('candidates:sign_in')}?next=/candidate/shared/"
        assert client.get("/candidate/")["Location"] == "/candidate/sign-in/?next=/candidate/"

    def test_the_page_offers_create_your_account_and_forgot_your_password(self, client: Client) -> None:
        page = client.get(reverse("candidates:sign_in") + "?next=/candidate/shared/").content.decode()
        assert re.search(r"<h1>Sign in to the Candidate Results Website</h1>", page)
        assert f'<a href="{reverse("candidates:sign_up")}">Create your account</a>' in page
        assert f'<a href="{reverse("accounts:forgot_password")}">Forgot your password?</a>' in page
        assert '<input type="hidden" name="next" value="/candidate/shared/">' in page
        main = page[page.index("<main") : page.index("</main>")]
        assert "Register your organisation" not in main  # (the footer keeps its link, on every page)
        assert f'<a href="{reverse("accounts:login")}">' in page  # the way back for organisation users

    def test_a_candidate_signs_in_there_and_lands_on_next(self, client: Client) -> None:
        user = _candidate_user()
        response = client.post(
            reverse("candidates:sign_in"),
            {"username": user.email, "password": PASSWORD, "next": "/candidate/shared/"},
        )
        assert response.status_code == 302
        assert response["Location"] == "/candidate/shared/"
        assert client.get("/candidate/shared/").status_code == 200

    def test_a_wrong_password_is_refused_with_the_same_message(self, client: Client) -> None:
        user = _candidate_user()
        response = client.post(reverse("candidates:sign_in"), {"username": user.email, "password": "wrong"})
        assert response.status_code == 200
        assert "Sign in to the Candidate Results Website" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_the_lockout_is_shared_with_the_organisation_sign_in(self, client: Client, settings: Any) -> None:
        user = _candidate_user()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(reverse("candidates:sign_in"), {"username": user.email, "password": "wrong"})
        locked = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
        assert locked.status_code == 429  # django-axes counted the failures made on the candidate page
        again = client.post(reverse("candidates:sign_in"), {"username": user.email, "password": PASSWORD})
        assert again.status_code == 429
        assert "_auth_user_id" not in client.session

    def test_the_organisation_sign_in_points_candidates_to_theirs(self, client: Client) -> None:
        page = client.get(reverse("accounts:login")).content.decode()
        assert "Register your organisation" in page
        assert (
            f'Are you a candidate? <a href="{reverse("candidates:sign_in")}">'
            "Sign in to the Candidate Results Website</a>" in page
        )


class TestYourOrganisationTabs:
    @pytest.mark.parametrize(
        ("route", "heading"),
        [
            ("organisations:details", "Organisation details"),
            ("organisations:users", "Users"),
            ("organisations:exams", "Recognised Exams and Tests"),
            ("requirements:index", "Entry requirements"),
            ("api_web:overview", "API"),
            ("organisations:activity", "Activity"),
        ],
    )
    def test_each_tab_has_its_own_heading(self, primary: Any, route: str, heading: str) -> None:
        page = client_for(primary).get(reverse(route)).content.decode()
        assert "<h1>Your Organisation</h1>" in page
        assert f"<h2>{heading}</h2>" in page
        assert page.index("<h1>Your Organisation</h1>") < page.index(f"<h2>{heading}</h2>")

    def test_after_create_key_the_page_links_to_the_developer_portal(self, primary: Any) -> None:
        response = client_for(primary).post(reverse("api_web:key_create"), {"name": "CRM", "scope": "read"})
        page = response.content.decode()
        assert "Copy it now" in page
        assert f'<a href="{reverse("developers:index")}">API Developer Portal</a>' in page
