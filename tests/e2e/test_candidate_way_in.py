"""Finding one's own way in, in Chromium (issue 17 item 10).

A signed-out candidate opening ``/candidate/`` lands on the Candidate Results Website's own
sign-in page (with "Create your account" and "Forgot your password?") and, signed in, on the page
they asked for; the organisation sign-in points candidates there. A Primary User sees each Your
Organisation tab named by its own heading, and after "Create key" follows the link to the API
Developer Portal.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone
from playwright.sync_api import Page, expect

from rvs.candidates.models import CandidateAccount
from rvs.organisations.models import Membership, Organisation
from tests.e2e.conftest import SignIn
from tests.factories import PASSWORD, MembershipFactory, ResultFactory, UserFactory


def test_a_candidate_finds_their_sign_in_page_and_lands_where_they_were_going(
    page: Page, transactional_db: None, url: Callable[..., str]
) -> None:
    result = ResultFactory()
    user = UserFactory(email="lukasz@cand.example")
    CandidateAccount.objects.create(
        user=user, candidate=result.candidate, email_confirmed_at=timezone.now(), terms_accepted_at=timezone.now()
    )
    # From the organisation sign-in page, the way to the candidates' own.
    page.goto(url("accounts:login"))
    expect(page.get_by_role("link", name="Register your organisation").first).to_be_visible()
    page.get_by_role("link", name="Sign in to the Candidate Results Website").click()
    expect(page).to_have_url(url("candidates:sign_in"))

    # Signed out, /candidate/shared/ goes to that page and comes back after signing in.
    page.goto(url("candidates:shared"))
    expect(page).to_have_url(f"{url('candidates:sign_in')}?next=/candidate/shared/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the Candidate Results Website")
    expect(page.get_by_role("link", name="Create your account")).to_have_attribute("href", "/candidate/sign-up/")
    expect(page.get_by_role("link", name="Forgot your password?")).to_have_attribute(
        "href", "/accounts/forgot-password/"
    )
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(url("candidates:shared"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Shared results")


def test_create_your_account_is_one_click_from_the_candidate_sign_in(
    page: Page, transactional_db: None, url: Callable[..., str]
) -> None:
    page.goto(url("candidates:results"))
    page.get_by_role("link", name="Create your account").click()
    expect(page).to_have_url(url("candidates:sign_up"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Create your")


def test_each_tab_names_itself_and_a_new_key_leads_to_the_developer_portal(
    page: Page, organisation: Organisation, sign_in: SignIn, url: Callable[..., str]
) -> None:
    primary = MembershipFactory(
        organisation=organisation, role=Membership.Role.PRIMARY, user__email="primary@unige.example"
    ).user
    sign_in(primary)
    page.goto(url("organisations:details"))
    tabs = page.get_by_role("navigation", name="Your Organisation")
    for tab, heading in [
        ("Users", "Users"),
        ("Recognised Exams and Tests", "Recognised Exams and Tests"),
        ("Entry requirements", "Entry requirements"),
        ("Activity", "Activity"),
        ("Organisation details", "Organisation details"),
        ("API", "API"),
    ]:
        tabs.get_by_role("link", name=tab, exact=True).click()
        expect(tabs.get_by_role("link", name=tab, exact=True)).to_have_attribute("aria-current", "page")
        expect(page.get_by_role("heading", level=2, name=heading, exact=True)).to_be_visible()

    page.get_by_label("Key name").fill("Admissions CRM")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your API key")
    page.get_by_role("link", name="API Developer Portal").click()
    expect(page).to_have_url(url("developers:index"))
