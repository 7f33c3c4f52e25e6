"""What cannot be undone asks first, in Chromium, by keyboard (issue 17 item 4, decision 0029).

The Primary User revokes an API key: the first click only asks; Tab from the red button reaches
Cancel, Enter on it goes back with the key untouched; the second time "Yes, revoke the key"
revokes it. A candidate stops sharing a result the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from rvs.api import keys
from rvs.api.models import ApiKey
from rvs.candidates.models import CandidateAccount
from rvs.organisations.models import Membership, Organisation
from rvs.sharing.models import Share
from tests.e2e.conftest import SignIn
from tests.factories import PASSWORD, MembershipFactory, ShareFactory, UserFactory


def _cancel_by_keyboard(page: Page, yes: str) -> None:
    """From the red button, Tab reaches Cancel (a link) and Enter follows it."""
    page.get_by_role("button", name=yes).focus()
    page.keyboard.press("Tab")
    cancel = page.get_by_role("link", name="Cancel", exact=True)
    expect(cancel).to_be_focused()
    page.keyboard.press("Enter")


def test_revoking_an_api_key_asks_can_be_cancelled_by_keyboard_and_then_revokes(
    page: Page, organisation: Organisation, sign_in: SignIn, url: Callable[..., str], screenshot: Callable[[str], None]
) -> None:
    primary: Any = MembershipFactory(
        organisation=organisation, role=Membership.Role.PRIMARY, user__email="primary@unige.example"
    ).user
    key, _ = keys.key_create(actor=primary, organisation=organisation, name="Admissions CRM", scope="read")
    sign_in(primary)
    page.goto(url("api_web:overview"))

    page.get_by_role("button", name="Revoke Admissions CRM").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to revoke the API key ‘Admissions CRM’?"
    )
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    screenshot("confirm-revoke-key")
    key.refresh_from_db()
    assert key.revoked_at is None  # the first click only asked

    _cancel_by_keyboard(page, "Yes, revoke the key")
    expect(page).to_have_url(url("api_web:overview"))
    expect(page.get_by_role("row").filter(has_text="Admissions CRM")).to_contain_text("Active")
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None

    page.get_by_role("button", name="Revoke Admissions CRM").click()
    page.get_by_role("button", name="Yes, revoke the key").click()
    expect(page).to_have_url(url("api_web:overview"))
    expect(page.get_by_role("row").filter(has_text="Admissions CRM")).to_contain_text("Revoked")
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_a_candidate_cancels_and_then_confirms_stopping_a_share(
    page: Page, organisation: Organisation, url: Callable[..., str]
) -> None:
    share = ShareFactory(organisation=organisation)
    user = UserFactory(email="candidate@cand.example")
    CandidateAccount.objects.create(
        user=user, candidate=share.result.candidate, email_confirmed_at=timezone.now(), terms_accepted_at=timezone.now()
    )
    page.goto(url("accounts:login"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(url("candidates:results"))
    page.goto(url("candidates:shared"))

    exam = share.result.exam.name
    page.get_by_role("link", name=f"Revoke {exam} from {organisation.name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Are you sure you want to stop sharing your {exam} result with {organisation.name}?"
    )
    _cancel_by_keyboard(page, "Yes, revoke the share")
    expect(page).to_have_url(url("candidates:shared"))
    assert Share.objects.get(pk=share.pk).revoked_at is None

    page.get_by_role("link", name=f"Revoke {exam} from {organisation.name}").click()
    page.get_by_role("button", name="Yes, revoke the share").focus()  # and Enter presses it
    page.keyboard.press("Enter")
    expect(page).to_have_url(url("candidates:shared"))
    expect(page.get_by_role("status").first).to_contain_text(f"You have revoked your {exam} result")
    assert Share.objects.get(pk=share.pk).revoked_at is not None
    assert reverse("candidates:revoke", args=[share.public_id]) not in page.content()
