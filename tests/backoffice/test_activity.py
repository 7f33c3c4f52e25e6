"""The organisation's activity log shows only the organisation's own people (issue 15, item 5).

Candidates appear as "the candidate" and the exam board's staff as "the exam board", on the page
and in its CSV: no email, address or request id of anyone outside the organisation, and not the
staff's written reason. The organisation's own users and API keys are shown as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.api import keys
from rvs.backoffice.services import organisation_set_status
from rvs.candidates.models import CandidateAccount
from rvs.core.context import RequestMeta, current
from rvs.organisations.services import primary_user_change, user_remove
from rvs.sharing.lookups import result_open
from rvs.sharing.services import share_create, share_revoke
from tests.conftest import client_for
from tests.factories import MembershipFactory, ResultFactory, UserFactory

pytestmark = pytest.mark.django_db

CANDIDATE_EMAIL = "lan.nguyen@cand.example"
CANDIDATE_IP = "203.0.113.7"
STAFF_IP = "198.51.100.9"
STAFF_REASON = "Complaint 4471 from the ministry about scraping"
MEMBER_IP = "192.0.2.10"


@contextmanager
def request_from(ip: str) -> Iterator[None]:
    """What the request middleware records for services: the client's address and a request id."""
    token = current.set(RequestMeta(request_id=f"req-{ip}", ip=ip))
    try:
        yield
    finally:
        current.reset(token)


@pytest.fixture
def history(org_a: Any, primary: Any, member: Any, staff: Any) -> dict[str, Any]:
    """A candidate shares and revokes, staff suspend and reinstate, a member and a key read results."""
    result = ResultFactory()
    candidate = UserFactory(email=CANDIDATE_EMAIL)
    CandidateAccount.objects.create(
        user=candidate, candidate=result.candidate, email_confirmed_at=timezone.now(), terms_accepted_at=timezone.now()
    )
    with request_from(CANDIDATE_IP):
        share = share_create(
            actor=candidate, candidate=result.candidate, organisation=org_a, results=[result], include_photo=False
        )[0]
    with request_from(MEMBER_IP):
        result_open(actor=member, organisation=org_a, result=result, share=share)
    key, _ = keys.key_create(actor=primary, organisation=org_a, name="Admissions CRM", scope="read")
    result_open(actor=key, organisation=org_a, result=result, share=share)
    with request_from(CANDIDATE_IP):
        share_revoke(actor=candidate, candidate=result.candidate, share=share)
    with request_from(STAFF_IP):
        organisation_set_status(actor=staff, organisation=org_a, status="suspended", reason=STAFF_REASON)
        organisation_set_status(actor=staff, organisation=org_a, status="active", reason="Cleared after review")
    return {"key": key}


def _csv(client: Client) -> list[dict[str, str]]:
    response = client.get(reverse("organisations:activity"), {"export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _assert_no_outsider_details(text: str, staff: Any) -> None:
    for secret in (CANDIDATE_EMAIL, CANDIDATE_IP, staff.email, STAFF_IP, STAFF_REASON, "Cleared after review"):
        assert secret not in text, secret
    assert f"req-{CANDIDATE_IP}" not in text
    assert f"req-{STAFF_IP}" not in text


class TestActivityPage:
    def test_it_shows_candidates_and_staff_without_their_details(
        self, primary: Any, member: Any, staff: Any, history: dict[str, Any]
    ) -> None:
        page = client_for(primary).get(reverse("organisations:activity")).content.decode()
        _assert_no_outsider_details(page, staff)
        assert "A candidate stopped sharing a result with your organisation." in page
        assert "The exam board suspended your organisation’s access." in page
        assert f"{member.full_name} viewed a result." in page
        assert "The API key ‘Admissions CRM’ viewed a result." in page  # the organisation's own API key
        assert "share.revoked" not in re.sub(r'value="[^"]*"', "", page)  # codes only as the filter's values

    def test_it_keeps_the_export_free_of_them_too(
        self, primary: Any, member: Any, staff: Any, history: dict[str, Any]
    ) -> None:
        client = client_for(primary)
        text = b"".join(client.get(reverse("organisations:activity"), {"export": "csv"}).streaming_content).decode(
            "utf-8-sig"
        )
        _assert_no_outsider_details(text, staff)
        rows = _csv(client)
        by_kind = {(row["kind"], row["person"]) for row in rows}
        assert ("Result shared by a candidate", "A candidate") in by_kind
        assert ("Sharing stopped by a candidate", "A candidate") in by_kind
        assert ("Organisation suspended", "The exam board") in by_kind
        assert ("Organisation reinstated", "The exam board") in by_kind
        assert f"API key “Admissions CRM” (rvs_{history['key'].prefix})" in {row["person"] for row in rows}
        # The organisation's own people keep their details: their address is theirs to see.
        own = [row for row in rows if row["person"] == member.full_name]
        assert own
        assert own[0]["ip"] == MEMBER_IP

    def test_it_names_a_staff_member_who_has_since_left_as_the_exam_board(
        self, primary: Any, staff: Any, history: dict[str, Any]
    ) -> None:
        staff.delete()  # the entries keep the label; the user behind it is gone
        client = client_for(primary)
        _assert_no_outsider_details(client.get(reverse("organisations:activity")).content.decode(), staff)
        assert ("Organisation suspended", "The exam board") in {(r["kind"], r["person"]) for r in _csv(client)}

    def test_it_shows_a_primary_user_change_by_staff_as_the_exam_board(
        self, org_a: Any, primary: Any, member: Any, staff: Any
    ) -> None:
        with request_from(STAFF_IP):
            primary_user_change(actor=staff, organisation=org_a, new_primary=member.membership)
        rows = _csv(client_for(member))
        changed = next(row for row in rows if row["kind"] == "Primary User changed")
        assert changed["person"] == "The exam board"
        assert changed["sentence"] == f"The exam board made {member.email} the Primary User instead of {primary.email}."
        assert changed["ip"] == ""
        assert changed["request id"] == ""
        assert staff.email not in str(rows)

    def test_it_keeps_showing_a_removed_user_of_the_organisation(
        self, org_a: Any, primary: Any, member: Any, history: dict[str, Any]
    ) -> None:
        email = member.email
        user_remove(actor=primary, organisation=org_a, membership=member.membership)
        client = client_for(primary)
        assert email in client.get(reverse("organisations:activity")).content.decode()
        viewed = [r for r in _csv(client) if r["kind"] == "Result viewed" and r["person"] == email]
        assert viewed
        assert viewed[0]["ip"] == MEMBER_IP

    def test_it_shows_what_the_service_did_by_itself(self, org_a: Any, primary: Any) -> None:
        from rvs.core.audit import log_action

        log_action("webhook.disabled", actor="system", organisation=org_a, data={"reason": "10 failures in a row"})
        rows = _csv(client_for(primary))
        assert (rows[0]["person"], rows[0]["sentence"]) == (
            "The service",
            "The service turned off a webhook after repeated failures (reason: 10 failures in a row).",
        )

    def test_it_reads_the_actors_of_a_page_in_a_fixed_number_of_queries(
        self, org_a: Any, primary: Any, member: Any, history: dict[str, Any], django_assert_max_num_queries: Any
    ) -> None:
        client = client_for(primary)
        client.get(reverse("organisations:activity"))
        for _ in range(30):
            result_open(actor=member, organisation=org_a, result=ResultFactory(), share=None)
        with django_assert_max_num_queries(10):
            assert client.get(reverse("organisations:activity")).status_code == 200

    def test_it_still_keeps_each_organisation_to_its_own_log(
        self, outsider: Any, staff: Any, history: dict[str, Any]
    ) -> None:
        MembershipFactory(organisation=outsider.membership.organisation)
        page = client_for(outsider).get(reverse("organisations:activity")).content.decode()
        assert "shared a result" not in page
        assert Client().get(reverse("organisations:activity")).status_code == 302
