"""Secret Numbers cannot be guessed (issue 15, item 6): one answer whatever was right, a Candidate
ID Number locked after a few failures until the candidate proves themselves, and an alert."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.candidates.models import CandidateAccount
from rvs.core.models import AuditEntry, OutboxEmail
from tests.factories import CandidateFactory, UserFactory
from tests.security.test_enumeration import assert_same

pytestmark = pytest.mark.django_db

PASSWORD = "my exam results are mine"
NUMBER = "ABC000001"  # CandidateFactory's Secret Number is 1234


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> None:
    # The hourly limits would stop these tests before the lock does; the lock is what is tested.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "candidate_pair": "1000/3600", "candidate_signup_ip": "1000/3600"}
    settings.CANDIDATE_SIGNUP_MAX_FAILURES = 5
    settings.SECURITY_ALERT_EMAIL = "security@board.example"


def _sign_up(number: str = NUMBER, secret: str = "1234", email: str = "lan@example.vn", **changes: str) -> Any:
    data = {
        "candidate_number": number, "secret_number": secret, "email": email, "password": PASSWORD,
        "terms": "on", "country": "", "first_language": "",
    }  # fmt: skip
    data.update(changes)
    return Client().post(reverse("candidates:sign_up"), data)


def _fail(times: int, number: str = NUMBER) -> None:
    for guess in range(times):
        assert _sign_up(number, f"{9000 + guess}").status_code == 400


def _unlock_link() -> str:
    body = OutboxEmail.objects.get(template="candidate_id_locked").body_text
    link = re.search(r"http://127\.0\.0\.1:8000(/\S+)", body)
    assert link, body
    return link.group(1)


class TestOneAnswer:
    def test_it_answers_a_right_number_with_an_account_like_a_wrong_one(self) -> None:
        candidate = CandidateFactory(candidate_number=NUMBER)
        holder = _sign_up(email="holder@example.vn")
        assert holder.status_code == 302
        wrong = _sign_up(secret="9876", email="guesser@example.vn")
        right = _sign_up(email="guesser@example.vn")
        assert right.status_code == 400
        assert_same(right, wrong, "9876", "1234")
        assert CandidateAccount.objects.get(candidate=candidate).user.email == "holder@example.vn"

    def test_it_tells_the_account_holder_by_email(self) -> None:
        CandidateFactory(candidate_number=NUMBER)
        assert _sign_up(email="holder@example.vn").status_code == 302
        _sign_up(email="guesser@example.vn")
        email = OutboxEmail.objects.get(template="candidate_sign_up_attempt")
        assert email.to == "holder@example.vn"
        assert "sign in" in email.body_text
        assert "reset your password" in email.body_text
        assert "guesser@example.vn" not in email.body_text

    def test_it_answers_a_right_number_with_a_taken_email_like_a_wrong_one(self) -> None:
        CandidateFactory(candidate_number=NUMBER)
        UserFactory(email="taken@example.vn")
        wrong = _sign_up(secret="9876", email="taken@example.vn")
        right = _sign_up(email="taken@example.vn")
        assert_same(right, wrong, "9876", "1234")
        assert not CandidateAccount.objects.exists()
        assert OutboxEmail.objects.get(template="candidate_sign_up_email_taken").to == "taken@example.vn"

    def test_it_judges_the_password_whatever_the_number(self) -> None:
        CandidateFactory(candidate_number=NUMBER)
        wrong = _sign_up(secret="9876", password="short one")
        right = _sign_up(password="short one")
        assert "at least 15 characters" in wrong.content.decode()
        assert_same(right, wrong, "9876", "1234")

    def test_it_keeps_the_record_of_a_refusal(self) -> None:
        CandidateFactory(candidate_number=NUMBER)
        _sign_up(secret="9876")
        assert AuditEntry.objects.filter(action="candidate.sign_up_refused").count() == 1


class TestLock:
    def test_it_locks_the_candidate_id_after_consecutive_failures(self) -> None:
        CandidateFactory(candidate_number=NUMBER)
        _fail(5)
        wrong = _sign_up(secret="9876")
        cache.clear()  # the lock lives in the database, not in the rate-limit counters
        right = _sign_up()
        assert right.status_code == 400
        assert_same(right, wrong, "9876", "1234")  # a guesser cannot tell the lock either
        assert not CandidateAccount.objects.exists()

    def test_it_counts_only_consecutive_failures(self) -> None:
        candidate = CandidateFactory(candidate_number=NUMBER)
        _fail(4)
        assert _sign_up(email="holder@example.vn").status_code == 302  # the right number: counter reset
        CandidateAccount.objects.filter(candidate=candidate).delete()
        _fail(4)
        assert _sign_up(email="again@example.vn").status_code == 302

    def test_it_alerts_when_it_locks(self, caplog: pytest.LogCaptureFixture) -> None:
        candidate = CandidateFactory(candidate_number=NUMBER, email="lan@board-records.example")
        with caplog.at_level(logging.WARNING, logger="rvs.candidates"):
            _fail(5)
        locked = AuditEntry.objects.get(action="candidate.secret_number_locked")
        assert locked.data["candidate_id_end"] == "001"
        alert = OutboxEmail.objects.get(template="candidate_id_locked_alert")
        assert alert.to == "security@board.example"
        assert NUMBER in alert.body_text
        assert OutboxEmail.objects.get(template="candidate_id_locked").to == candidate.email
        assert any("locked" in record.getMessage() and "001" in record.getMessage() for record in caplog.records)
        assert NUMBER not in caplog.text  # the log says which ID by its end only
        _fail(3)
        assert OutboxEmail.objects.filter(template="candidate_id_locked").count() == 1  # once per lock

    def test_it_unlocks_with_the_link_sent_to_the_candidate(self) -> None:
        CandidateFactory(candidate_number=NUMBER)
        _fail(5)
        link = _unlock_link()
        page = Client().get(link)
        assert page.status_code == 200
        assert "<form" in page.content.decode()  # a GET (a mail scanner's) changes nothing
        assert _sign_up().status_code == 400
        done = Client().post(link)
        assert done.status_code == 302
        assert done["Location"] == reverse("candidates:sign_up")
        assert _sign_up().status_code == 302
        assert AuditEntry.objects.filter(action="candidate.secret_number_unlocked").count() == 1

    def test_it_uses_an_unlock_link_once(self) -> None:
        CandidateFactory(candidate_number=NUMBER)
        _fail(5)
        link = _unlock_link()
        assert Client().post(link).status_code == 302
        _fail(5)
        assert OutboxEmail.objects.filter(template="candidate_id_locked").count() == 2
        reused = Client().post(link)
        assert reused.status_code == 400
        assert "not valid" in reused.content.decode()
        assert _sign_up().status_code == 400  # still locked

    @pytest.mark.parametrize("token", ["nonsense", "eyJnIjoxLCJuIjoiYSJ9:1abc:forged"])
    def test_it_refuses_a_forged_unlock_link(self, token: str) -> None:
        CandidateFactory(candidate_number=NUMBER)
        _fail(5)
        response = Client().post(reverse("candidates:unlock", args=[token]))
        assert response.status_code == 400
        assert _sign_up().status_code == 400

    def test_it_refuses_an_expired_unlock_link(self) -> None:
        CandidateFactory(candidate_number=NUMBER)
        _fail(5)
        link = _unlock_link()
        with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
            response = Client().post(link)
        assert response.status_code == 400
        assert "expired" in response.content.decode()

    def test_it_lifts_the_lock_after_the_lock_period(self, settings: Any) -> None:
        settings.CANDIDATE_SIGNUP_LOCK_DAYS = 30
        CandidateFactory(candidate_number=NUMBER)
        _fail(5)
        with time_machine.travel(timezone.now() + dt.timedelta(days=29)):
            assert _sign_up().status_code == 400
        with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
            assert _sign_up().status_code == 302

    def test_it_does_not_lock_unknown_numbers_differently(self) -> None:
        CandidateFactory(candidate_number=NUMBER)
        _fail(6, number="XYZ999999")
        _fail(6)
        assert_same(_sign_up("XYZ999999", "9876"), _sign_up(NUMBER, "9876"), "XYZ999999", NUMBER)
