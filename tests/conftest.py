"""Shared fixtures. Every test has a second organisation and an outsider at hand."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from rvs.organisations.models import Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, ShareFactory

# Playwright runs an event loop in the test thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # A fast hasher: tests create many users and sign in often; production keeps PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture(autouse=True)
def _language_not_carried_over() -> Iterator[None]:
    """A request's language stays active in its thread (LocaleMiddleware activates one per request,
    nothing deactivates it): the next test starts from the default again."""
    yield
    translation.deactivate()


@pytest.fixture
def org_a(db: None) -> Organisation:
    return OrganisationFactory(name="University of Aberdeen Test", city="Aberdeen")


@pytest.fixture
def org_b(db: None) -> Organisation:
    return OrganisationFactory(name="Bergen Business School", city="Bergen", country="Norway")


@pytest.fixture
def primary(org_a: Organisation) -> Any:
    return MembershipFactory(organisation=org_a, role=Membership.Role.PRIMARY).user


@pytest.fixture
def member(org_a: Organisation) -> Any:
    return MembershipFactory(organisation=org_a, role=Membership.Role.ADDITIONAL).user


@pytest.fixture
def outsider(org_b: Organisation) -> Any:
    """A Primary User of another organisation."""
    return MembershipFactory(organisation=org_b, role=Membership.Role.PRIMARY).user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def member_client(member: Any) -> Client:
    return client_for(member)


@pytest.fixture
def outsider_client(outsider: Any) -> Client:
    return client_for(outsider)


@pytest.fixture
def share_a(org_a: Organisation) -> Any:
    """A result shared with organisation A."""
    return ShareFactory(organisation=org_a)


@pytest.fixture
def smtp(settings: Any) -> Any:
    """A real SMTP server on 127.0.0.1 that the service's email backend talks to."""
    from tests.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


STAFF_PERMISSIONS = ("import_results", "correct_results", "manage_organisations", "view_audit")


def make_staff(*perms: str, email: str | None = None) -> Any:
    """A staff user with the given back-office permissions (all of them by default)."""
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    user = UserFactory(is_staff=True, **({"email": email} if email else {}))
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="backoffice", codename__in=perms or STAFF_PERMISSIONS)
    )
    return user


def staff_client_for(user: Any) -> Client:
    """Signed in and past the second factor (a confirmed TOTP device in the session)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    client = client_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def staff(db: None) -> Any:
    return make_staff(email="staff.member@board.example")
