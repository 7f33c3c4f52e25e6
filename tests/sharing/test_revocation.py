"""After a candidate revokes a share, what the organisation can still do is what the candidate is told.

Decision 0014: an Exam Reference Number look-up of that result by that organisation then needs
the surname and the date of birth as well, never shows the photo, and the candidate's message
says exactly that. Other organisations, and results never shared, are not affected.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.api import keys
from rvs.candidates.models import CandidateAccount
from rvs.core import ern as ern_codec
from rvs.core.models import AuditEntry
from rvs.results.models import ErnGrant, Result
from rvs.sharing.models import Share
from rvs.sharing.services import share_create
from tests.api.conftest import api_client
from tests.conftest import client_for
from tests.factories import ResultFactory, UserFactory
from tests.security.test_enumeration import assert_same, queries

pytestmark = pytest.mark.django_db

SURNAME = "Wójcik"  # the factory's candidate: Łukasz Wójcik, born 2000-05-17
DATE_OF_BIRTH = "2000-05-17"


def _candidate_client(result: Result) -> Client:
    """The result's candidate, signed in to the Candidate Results Website."""
    user = UserFactory(email=f"{result.candidate.candidate_number.lower()}@cand.example")
    CandidateAccount.objects.create(
        user=user, candidate=result.candidate, email_confirmed_at=timezone.now(), terms_accepted_at=timezone.now()
    )
    return client_for(user)


@pytest.fixture
def revoked(org_a: Any) -> Result:
    """A result with a photo, shared with organisation A (photo included), then revoked by its candidate."""
    result = ResultFactory()
    result.photo.save("p.jpg", ContentFile(b"\xff\xd8\xff\xe0fakejpeg"), save=True)
    candidate, share = _shared_with_photo(result, org_a)
    assert candidate.post(reverse("candidates:revoke", args=[share.public_id])).status_code == 302
    return result


def _shared_with_photo(result: Result, organisation: Any) -> tuple[Any, Any]:
    """The candidate's signed-in client, and their share of ``result`` (photo included) with ``organisation``."""
    candidate = _candidate_client(result)
    share = share_create(
        actor=result.candidate.account.user,
        candidate=result.candidate,
        organisation=organisation,
        results=[result],
        include_photo=True,
    )[0]
    return candidate, share


def _look_up(client: Client, ern: str, **details: str) -> Any:
    return client.post(reverse("results:search"), {"ern": ern, **details})


class TestOnTheWebsite:
    def test_it_refuses_the_ern_alone_after_a_revocation_as_it_refuses_an_unknown_number(
        self, member_client: Client, revoked: Result
    ) -> None:
        unknown_ern = ern_codec.generate()
        unknown, refused = _look_up(member_client, unknown_ern), _look_up(member_client, revoked.ern)
        assert refused.status_code == 404
        assert_same(unknown, refused, unknown_ern, revoked.ern)
        assert "enter their surname and date of birth" in refused.content.decode()
        assert not ErnGrant.objects.filter(result=revoked, expires_at__gt=timezone.now()).exists()
        assert member_client.get(reverse("results:detail", args=[revoked.public_id])).status_code == 404
        assert AuditEntry.objects.filter(action="ern.lookup_missed").count() == 2

    def test_it_runs_the_same_queries_for_an_unknown_number_and_a_revoked_result(
        self, member_client: Client, revoked: Result
    ) -> None:
        assert queries(lambda: _look_up(member_client, ern_codec.generate())) == queries(
            lambda: _look_up(member_client, revoked.ern)
        )

    @pytest.mark.parametrize("details", [{"name": SURNAME}, {"date_of_birth": DATE_OF_BIRTH}])
    def test_it_needs_both_the_surname_and_the_date_of_birth(
        self, member_client: Client, revoked: Result, details: dict[str, str]
    ) -> None:
        assert _look_up(member_client, revoked.ern, **details).status_code == 404
        assert member_client.get(reverse("results:detail", args=[revoked.public_id])).status_code == 404

    def test_it_shows_the_result_without_the_photo_with_surname_and_date_of_birth(
        self, member_client: Client, member: Any, revoked: Result
    ) -> None:
        response = _look_up(member_client, revoked.ern, name=SURNAME, date_of_birth=DATE_OF_BIRTH)
        assert response.status_code == 302
        assert response["Location"] == reverse("results:detail", args=[revoked.public_id]) + "?back=%2Fsearch%2F"
        page = member_client.get(response["Location"]).content.decode()
        assert revoked.ern_display in page
        assert "Test day photo" not in page
        assert reverse("results:photo", args=[revoked.public_id]) not in page
        assert member_client.get(reverse("results:photo", args=[revoked.public_id])).status_code == 404
        assert AuditEntry.objects.filter(action="ern.looked_up", actor=member, object_id=str(revoked.public_id))
        assert AuditEntry.objects.filter(action="result.viewed", actor=member, object_id=str(revoked.public_id))

    def test_it_refuses_a_wrong_surname_or_date_of_birth(self, member_client: Client, revoked: Result) -> None:
        assert _look_up(member_client, revoked.ern, name="Kowalski", date_of_birth=DATE_OF_BIRTH).status_code == 404
        assert _look_up(member_client, revoked.ern, name=SURNAME, date_of_birth="2000-05-18").status_code == 404

    def test_it_leaves_other_organisations_and_a_new_share_alone(
        self, member_client: Client, outsider_client: Client, org_a: Any, revoked: Result
    ) -> None:
        # Organisation B never had a share revoked: the ERN alone still finds the result.
        assert _look_up(outsider_client, revoked.ern).status_code == 302
        # The candidate shares with A again: A is back to an ordinary share.
        share_create(
            actor=revoked.candidate.account.user,
            candidate=revoked.candidate,
            organisation=org_a,
            results=[revoked],
            include_photo=False,
        )
        assert _look_up(member_client, revoked.ern).status_code == 302

    def test_it_still_finds_a_result_never_shared_by_its_ern_alone(self, member_client: Client) -> None:
        assert _look_up(member_client, ResultFactory().ern).status_code == 302

    def test_it_leaves_the_public_qr_page_as_it_was(self, revoked: Result) -> None:
        from rvs.downloads.pdf import verification_code

        page = Client().get(reverse("verify_ern", args=[revoked.ern]), {"c": verification_code(revoked.ern)})
        assert page.status_code == 200


class TestInTheApi:
    @pytest.fixture
    def api(self, org_a: Any, primary: Any) -> Any:
        return api_client(keys.key_create(actor=primary, organisation=org_a, name="CRM", scope="read")[1])

    def _verify(self, api: Any, ern: str, **details: str) -> Any:
        return api.post(reverse("api:verify"), {"ern": ern, **details}, format="json")

    def test_it_refuses_the_ern_alone_after_a_revocation_as_it_refuses_an_unknown_number(
        self, api: Any, revoked: Result
    ) -> None:
        unknown, refused = self._verify(api, ern_codec.generate()), self._verify(api, revoked.ern)
        assert unknown.status_code == refused.status_code == 404
        assert unknown.json() == refused.json()
        assert self._verify(api, revoked.ern, last_name=SURNAME).status_code == 404
        assert self._verify(api, revoked.ern, date_of_birth=DATE_OF_BIRTH).status_code == 404
        assert api.get(reverse("api:result", args=[revoked.public_id])).status_code == 404

    def test_it_runs_the_same_queries_for_an_unknown_number_and_a_revoked_result(
        self, api: Any, revoked: Result
    ) -> None:
        self._verify(api, ern_codec.generate())  # the key's first use is recorded once: not part of the comparison
        assert queries(lambda: self._verify(api, ern_codec.generate())) == queries(
            lambda: self._verify(api, revoked.ern)
        )

    def test_it_answers_with_surname_and_date_of_birth_but_never_the_photo(self, api: Any, revoked: Result) -> None:
        response = self._verify(api, revoked.ern, last_name=SURNAME, date_of_birth=DATE_OF_BIRTH)
        assert response.status_code == 200
        assert response.json()["id"] == str(revoked.public_id)
        assert response.json()["photo_url"] is None
        detail = api.get(reverse("api:result", args=[revoked.public_id]), {"include": "photo"})
        assert detail.status_code == 200
        assert detail.json()["photo_url"] is None
        assert api.get(reverse("api:result_photo", args=[revoked.public_id])).status_code == 404
        assert AuditEntry.objects.filter(action="ern.looked_up", object_id=str(revoked.public_id)).count() == 1


class TestWhatTheCandidateIsTold:
    def test_it_tells_the_candidate_exactly_what_the_organisation_can_still_do(self, org_a: Any) -> None:
        result = ResultFactory()
        candidate, share = _shared_with_photo(result, org_a)
        page = candidate.post(reverse("candidates:revoke", args=[share.public_id]), follow=True).content.decode()
        assert f"You have revoked your B2 First result from {org_a.name}." in page
        assert "It is no longer in their list of shared results and they can no longer see your test day photo." in page
        assert (
            "They can still check this result if they know its Exam Reference Number and enter your surname "
            "and date of birth with it; they then see the result without your photo." in page
        )
        assert "can no longer see your B2 First result" not in page
        assert Share.objects.get().revoked_at is not None

    def test_it_explains_revoking_the_same_way_on_the_help_page(self) -> None:
        page = Client().get(reverse("candidates:help_sharing")).content.decode()
        assert "the organisation can no longer see that result" not in page
        assert "surname and date of birth" in page
