"""Sign in, lockout, no enumeration, password rules, forgotten and changed passwords."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rvs.core.models import OutboxEmail
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client: Client, email: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


class TestSignIn:
    def test_it_signs_in_with_any_capitals_and_signs_out(self, member: Any) -> None:
        client = Client()
        response = _sign_in(client, member.email.upper(), PASSWORD)
        assert response.status_code == 302
        assert client.get(reverse("results:dashboard")).status_code == 200
        assert client.post(reverse("accounts:logout")).status_code == 302
        assert client.get(reverse("results:dashboard")).status_code == 302

    def test_it_gives_one_answer_for_unknown_user_and_wrong_password(self, member: Any) -> None:
        unknown = _sign_in(Client(), "nobody@example.org", PASSWORD)
        wrong = _sign_in(Client(), member.email, "not the password at all")
        assert unknown.status_code == wrong.status_code == 200
        assert unknown.context["form"].errors == wrong.context["form"].errors

    def test_it_changes_the_session_key_at_sign_in(self, member: Any) -> None:
        client = Client()
        client.get(reverse("accounts:login"))
        client.session.save()
        before = client.session.session_key
        _sign_in(client, member.email, PASSWORD)
        assert client.session.session_key != before

    def test_it_locks_out_after_ten_failures_from_one_address_only(self, member: Any, settings: Any) -> None:
        attacker = Client()
        for _ in range(10):
            _sign_in(attacker, member.email, "wrong password guess", ip="203.0.113.9")
        locked = _sign_in(attacker, member.email, PASSWORD, ip="203.0.113.9")
        assert locked.status_code == 429
        assert "Too many sign-in attempts" in locked.content.decode()
        # The user, from their own address, is not locked out by the attacker.
        assert _sign_in(Client(), member.email, PASSWORD, ip="198.51.100.7").status_code == 302


class TestPasswords:
    @pytest.mark.parametrize(
        ("password", "ok"),
        [
            ("fourteen chars", False),
            ("fifteen chars!!", True),
            ("yfdbufnjh10305070", False),  # on Django's list of 20,000 common passwords
            ("ça marche très bien, naïve façade " * 4, True),  # long and Unicode
        ],
    )
    def test_it_applies_length_and_blocklist_without_composition_rules(
        self, member: Any, password: str, ok: bool
    ) -> None:
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        if ok:
            validate_password(password, member)
        else:
            with pytest.raises(ValidationError):
                validate_password(password, member)

    def test_it_does_not_truncate_long_passwords(self, member: Any) -> None:
        long_password = "a" * 64 + "b" * 64
        member.set_password(long_password)
        member.save()
        assert _sign_in(Client(), member.email, "a" * 64 + "c" * 64).status_code == 200
        assert _sign_in(Client(), member.email, long_password).status_code == 302

    def test_it_changes_the_password(self, member: Any) -> None:
        client = Client()
        _sign_in(client, member.email, PASSWORD)
        new = "a brand new passphrase here"
        response = client.post(
            reverse("accounts:change_password"),
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        assert response.status_code == 302
        assert _sign_in(Client(), member.email, new, ip="10.0.0.2").status_code == 302

    def test_it_answers_forgotten_password_the_same_for_unknown_addresses(self, member: Any) -> None:
        known = Client().post(reverse("accounts:forgot_password"), {"email": member.email})
        unknown = Client().post(reverse("accounts:forgot_password"), {"email": "nobody@example.org"})
        assert known.status_code == unknown.status_code == 302
        assert known["Location"] == unknown["Location"]
        [email] = OutboxEmail.objects.filter(template="password_reset")
        assert email.to == member.email
        assert "/accounts/set-password/" in email.body_text

    def test_it_reaches_users_who_never_set_a_password(self, member: Any) -> None:
        member.set_unusable_password()
        member.save()
        Client().post(reverse("accounts:forgot_password"), {"email": member.email})
        assert OutboxEmail.objects.filter(template="password_reset", to=member.email).exists()

    def test_it_limits_reset_emails_per_address(self, member: Any, settings: Any) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_email": "2/3600"}
        for _ in range(4):
            response = Client().post(reverse("accounts:forgot_password"), {"email": member.email})
            assert response.status_code == 302
        assert OutboxEmail.objects.filter(template="password_reset").count() == 2
