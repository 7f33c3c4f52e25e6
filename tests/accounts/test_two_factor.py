"""Two-factor sign-in for organisation users; the Primary User can make it mandatory."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from rvs.core.models import AuditEntry
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_it_enforces_a_second_factor_when_the_primary_user_requires_it(primary: Any, member: Any, org_a: Any) -> None:
    client = client_for(member)
    assert client.get(reverse("results:dashboard")).status_code == 200
    assert (
        client_for(member).post(reverse("organisations:two_factor_policy"), {"require_two_factor": "on"}).status_code
        == 403
    )
    response = client_for(primary).post(reverse("organisations:two_factor_policy"), {"require_two_factor": "on"})
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.require_two_factor
    blocked = client.get(reverse("results:dashboard"))
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("accounts:two_factor"))
    setup = client.get(reverse("accounts:two_factor"), follow=True)
    assert "Set up your second factor" in setup.content.decode()
    device = TOTPDevice.objects.get(user=member, confirmed=False)
    codes = client.post(reverse("accounts:two_factor_setup"), {"code": _code(device), "next": "/dashboard/"})
    assert "Your backup codes" in codes.content.decode()
    assert client.get(reverse("results:dashboard")).status_code == 200
    assert AuditEntry.objects.filter(action="organisation.two_factor_required").exists()


def test_it_asks_a_user_who_turned_it_on_for_the_code_at_each_sign_in(member: Any) -> None:
    device = TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    client = client_for(member)
    assert client.get(reverse("results:dashboard")).status_code == 302
    wrong = client.post(reverse("accounts:two_factor"), {"code": "000000"})
    assert wrong.status_code == 400
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    assert (
        client.post(reverse("accounts:two_factor"), {"code": _code(device), "next": "/dashboard/"}).status_code == 302
    )
    assert client.get(reverse("results:dashboard")).status_code == 200


def test_it_refuses_candidates_and_signed_out_visitors(client: Client) -> None:
    assert client.get(reverse("accounts:two_factor")).status_code == 302
    from tests.factories import UserFactory

    assert client_for(UserFactory()).get(reverse("accounts:two_factor_setup")).status_code == 403
    assert client.post(reverse("organisations:two_factor_policy"), {"require_two_factor": "on"}).status_code == 302
