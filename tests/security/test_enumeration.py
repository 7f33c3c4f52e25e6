"""No enumeration: "does not exist" and "exists but wrong" give the same status, the same body,
and run the same code.

Bodies are compared after replacing what the visitor typed (it is echoed back in the form) and
what changes on every request (CSRF token, CSP nonce, request id). Timing is checked without
stopwatches where possible (the same expensive step runs in both cases: the password hasher,
the Secret Number's HMAC, the same database queries), so the tests hold on a loaded machine;
the one stopwatch check (forgotten password) compares medians with a generous bound.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rvs.core import ern as ern_codec
from rvs.downloads.pdf import verification_code
from tests.api.conftest import api_client
from tests.factories import PASSWORD, CandidateFactory, ResultFactory

pytestmark = pytest.mark.django_db


def normalised(response: Any, *typed: str) -> str:
    body = response.content.decode()
    for value in typed:
        body = body.replace(value, "<typed>")
    if "X-Request-ID" in response:
        body = body.replace(response["X-Request-ID"], "<request-id>")
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="<csrf>"', body)
    return re.sub(r'nonce="[^"]+"', 'nonce="<nonce>"', body)


def assert_same(a: Any, b: Any, *typed: str) -> None:
    assert a.status_code == b.status_code
    assert a.get("Location") == b.get("Location")
    assert normalised(a, *typed) == normalised(b, *typed)


def queries(action: Callable[[], Any]) -> list[str]:
    """The tables each query touches, in order: the same code path reads and writes the same tables."""
    with CaptureQueriesContext(connection) as captured:
        action()
    return [" ".join(sorted(set(re.findall(r'(?:FROM|INTO|UPDATE|JOIN) "(\w+)"', q["sql"])))) for q in captured]


class CountingHasher(MD5PasswordHasher):
    """Django's MD5 test hasher that counts how often a password is hashed."""

    calls = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


class TestSignIn:
    def _sign_in(self, email: str, password: str) -> Any:
        return Client().post(reverse("accounts:login"), {"username": email, "password": password})

    def test_it_answers_unknown_user_and_wrong_password_alike(self, member: Any) -> None:
        unknown = self._sign_in("nobody.at.all@example.org", "not the password at all")
        wrong = self._sign_in(member.email, "not the password at all")
        assert unknown.status_code == 200
        assert_same(unknown, wrong, "nobody.at.all@example.org", member.email)

    def test_it_hashes_the_password_for_an_unknown_user_too(self, member: Any, settings: Any) -> None:
        settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
        calls = {}
        for label, email in (("wrong", member.email), ("unknown", "nobody.at.all@example.org")):
            CountingHasher.calls = 0
            self._sign_in(email, "not the password at all")
            calls[label] = CountingHasher.calls
        assert calls["wrong"] == calls["unknown"] == 1


class TestForgottenPassword:
    def _ask(self, email: str, follow: bool = True) -> Any:
        return Client().post(reverse("accounts:forgot_password"), {"email": email}, follow=follow)

    def test_it_answers_any_address_alike(self, member: Any) -> None:
        known = self._ask(member.email)
        unknown = self._ask("nobody.at.all@example.org")
        assert known.redirect_chain == unknown.redirect_chain == [(reverse("accounts:forgot_password_sent"), 302)]
        assert_same(known, unknown, member.email, "nobody.at.all@example.org")

    def test_it_takes_about_as_long_for_any_address(self, member: Any, settings: Any) -> None:
        """Medians of interleaved tries; the bound is loose, but a synchronous send (an SMTP wait) would break it."""
        settings.RATE_LIMITS = {
            **settings.RATE_LIMITS,
            "password_reset_ip": "1000/60",
            "password_reset_email": "1000/60",
        }
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for _ in range(11):
            for label, email in (("known", member.email), ("unknown", "nobody.at.all@example.org")):
                start = time.perf_counter()
                self._ask(email, follow=False)
                times[label].append(time.perf_counter() - start)
        known, unknown = statistics.median(times["known"]), statistics.median(times["unknown"])
        # 100 ms, or half the faster median on a machine so loaded that requests take longer than that.
        bound = max(0.1, min(known, unknown) / 2)
        assert abs(known - unknown) < bound, f"known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms"


class TestErnLookup:
    def test_it_answers_unknown_and_not_matching_alike_on_the_website(self, member_client: Client) -> None:
        result = ResultFactory()
        unknown_ern = ern_codec.generate()

        def look_up(ern: str) -> Any:
            return member_client.post(reverse("results:search"), {"ern": ern, "date_of_birth": "1990-01-01"})

        unknown, wrong = look_up(unknown_ern), look_up(result.ern)
        assert unknown.status_code == 404
        assert_same(unknown, wrong, unknown_ern, result.ern)
        assert queries(lambda: look_up(ern_codec.generate())) == queries(lambda: look_up(result.ern))

    def test_it_answers_unknown_and_not_matching_alike_in_the_api(self, org_a: Any, primary: Any) -> None:
        from rvs.api import keys

        client = api_client(keys.key_create(actor=primary, organisation=org_a, name="CRM", scope="read")[1])
        result = ResultFactory()

        def verify(ern: str) -> Any:
            return client.post(
                reverse("api:verify"), {"ern": ern, "last_name": "Somebody-Else"}, format="json"
            )  # fmt: skip

        unknown, wrong = verify(ern_codec.generate()), verify(result.ern)
        assert unknown.status_code == wrong.status_code == 404
        assert unknown.json() == wrong.json()
        assert queries(lambda: verify(ern_codec.generate())) == queries(lambda: verify(result.ern))

    def test_it_answers_unknown_and_wrong_code_alike_behind_the_qr_code(self) -> None:
        result = ResultFactory()
        unknown_ern = ern_codec.generate()
        unknown = Client().get(reverse("verify_ern", args=[unknown_ern]), {"c": verification_code(unknown_ern)})
        wrong_code = Client().get(reverse("verify_ern", args=[result.ern]), {"c": "0" * 16})
        assert unknown.status_code == 404
        assert_same(unknown, wrong_code, unknown_ern, result.ern)


class TestCandidateSignUp:
    def _sign_up(self, number: str, secret: str) -> Any:
        data = {
            "candidate_number": number, "secret_number": secret, "email": "lan@example.vn",
            "password": PASSWORD, "terms": "on", "country": "Prefer not to say", "first_language": "Vietnamese",
        }  # fmt: skip
        return Client().post(reverse("candidates:sign_up"), data)

    def test_it_answers_unknown_number_and_wrong_secret_alike(self) -> None:
        CandidateFactory(candidate_number="ABC000001")  # Secret Number 1234
        unknown = self._sign_up("XYZ999999", "1234")
        wrong = self._sign_up("ABC000001", "9876")
        assert unknown.status_code == 400
        assert_same(unknown, wrong, "XYZ999999", "ABC000001", "9876", "1234")

    def test_it_computes_the_keyed_hash_for_an_unknown_number_too(self, monkeypatch: Any) -> None:
        from rvs.candidates import services as candidate_services
        from rvs.results import services as result_services

        CandidateFactory(candidate_number="ABC000001")
        calls: list[str] = []
        real = result_services.secret_number_hash

        def counting(number: str, secret: str) -> str:
            calls.append(number)
            return real(number, secret)

        monkeypatch.setattr(result_services, "secret_number_hash", counting)
        monkeypatch.setattr(candidate_services, "secret_number_hash", counting)
        self._sign_up("ABC000001", "9876")
        self._sign_up("XYZ999999", "9876")
        assert calls == ["ABC000001", "XYZ999999"]
