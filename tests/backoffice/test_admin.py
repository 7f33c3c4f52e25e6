"""Django's admin is no back door: second factor, the product's sign-in, no privilege editing,
no deletes of evidence, every change audited, and a setting that turns it off (issue 15, item 1)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django.urls import clear_url_caches

from rvs.core.models import AuditEntry
from rvs.organisations.models import Organisation
from rvs.results.models import Centre
from rvs.sharing.models import Share
from tests.conftest import client_for, staff_client_for
from tests.factories import PASSWORD, CentreFactory, ResultFactory, ShareFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


@pytest.fixture
def superuser(db: None) -> Any:
    return UserFactory(email="admin.person@board.example", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(superuser: Any) -> Client:
    """A superuser past the second factor: the most an admin page ever lets through."""
    return staff_client_for(superuser)


def _url(obj: Any, view: str = "change") -> str:
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/{view}/"


def _changelist(model: Any) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


class TestSignIn:
    def test_it_gives_staff_with_only_a_password_no_admin_page(self, superuser: Any) -> None:
        client = client_for(superuser)  # signed in with a password, no second factor
        for url in ("/admin/", "/admin/accounts/user/", _url(superuser)):
            response = client.get(url, follow=True)
            assert response.redirect_chain, url
            assert response.request["PATH_INFO"].startswith("/backoffice/two-factor/"), url
            assert "Site administration" not in response.content.decode()
        assert staff_client_for(superuser).get("/admin/").status_code == 200

    def test_it_sends_admin_login_to_the_product_sign_in(self, client: Client) -> None:
        response = client.get("/admin/login/?next=/admin/exams/exam/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/sign-in/?next=/admin/exams/exam/"
        followed = client.get("/admin/", follow=True)
        assert followed.request["PATH_INFO"] == "/accounts/sign-in/"

    def test_it_refuses_a_signed_in_non_staff_user_without_a_redirect_loop(self, primary: Any) -> None:
        client = client_for(primary)
        assert client.get("/admin/login/?next=/admin/").status_code == 403
        assert client.get("/admin/", follow=True).status_code == 403

    def test_it_signs_staff_in_through_the_product_then_asks_for_the_second_factor(self, superuser: Any) -> None:
        client = Client()
        response = client.post("/accounts/sign-in/?next=/admin/", {"username": superuser.email, "password": PASSWORD})
        assert response["Location"] == "/admin/"
        followed = client.get(response["Location"], follow=True)
        assert followed.request["PATH_INFO"].startswith("/backoffice/two-factor/")

    def test_it_checks_no_password_posted_to_the_admin_sign_in(self, superuser: Any) -> None:
        client = Client()
        response = client.post("/admin/login/?next=/admin/", {"username": superuser.email, "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/sign-in/?next=/admin/"
        assert "_auth_user_id" not in client.session

    def test_it_limits_password_spraying_through_the_admin_sign_in(self, settings: Any, db: None) -> None:
        # One address, 60 different accounts: the product sign-in answers 429 after signin_ip's 50.
        client = Client(REMOTE_ADDR="203.0.113.9")
        statuses = [
            client.post("/admin/login/", {"username": f"victim{n}@ro.example", "password": "Spring2026!"}).status_code
            for n in range(60)
        ]
        assert statuses[:50] == [302] * 50, statuses
        assert statuses[50:] == [429] * 10, statuses
        refused = client.post("/admin/login/", {"username": "one.more@ro.example", "password": "Spring2026!"})
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        product = Client(REMOTE_ADDR="203.0.113.9").post(
            "/accounts/sign-in/", {"username": "and.another@ro.example", "password": "Spring2026!"}
        )
        assert product.status_code == 429  # one budget for both addresses

    def test_it_sends_the_admin_password_change_to_the_product_page(self, admin_client: Client) -> None:
        response = admin_client.get("/admin/password_change/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/"


class TestPages:
    def test_it_shows_every_registered_model_to_a_verified_superuser(self, admin_client: Client, primary: Any) -> None:
        """A positive control for the refusals above: the pages still work, read-only ones included."""
        from django.contrib import admin

        ShareFactory()
        _protected("audit_entry")
        assert admin_client.get("/admin/").status_code == 200
        for model in admin.site._registry:
            assert admin_client.get(_changelist(model)).status_code == 200, model
            obj = model._default_manager.first()
            if obj is not None:
                assert admin_client.get(_url(obj)).status_code == 200, model


class TestUserForm:
    def test_it_has_no_privilege_fields(self, admin_client: Client, member: Any) -> None:
        response = admin_client.get(_url(member))
        assert response.status_code == 200
        fields = response.context["adminform"].form.fields
        assert not set(PRIVILEGE_FIELDS) & set(fields), list(fields)
        assert "password" not in fields

    def test_it_ignores_privilege_fields_posted_to_it(self, admin_client: Client, member: Any) -> None:
        group = Group.objects.create(name="Everything")
        response = admin_client.post(
            _url(member),
            {
                "email": member.email,
                "full_name": "Renamed Member",
                "job_title": "Registrar",
                "is_active": "on",
                "is_staff": "on",
                "is_superuser": "on",
                "groups": [str(group.pk)],
                "user_permissions": ["1", "2"],
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        member.refresh_from_db()
        assert member.full_name == "Renamed Member"  # the form itself was saved...
        # ...but not what it does not show.
        assert not member.is_staff
        assert not member.is_superuser
        assert not member.groups.exists()
        assert not member.user_permissions.exists()

    def test_it_adds_no_users(self, admin_client: Client) -> None:
        response = admin_client.post(
            "/admin/accounts/user/add/", {"email": "new.staff@board.example", "is_active": "on", "is_staff": "on"}
        )
        assert response.status_code == 403
        assert not Group.objects.exists()
        from rvs.accounts.models import User

        assert not User.objects.filter(email="new.staff@board.example").exists()

    def test_it_offers_no_group_admin(self, admin_client: Client) -> None:
        # A group's permissions would reach everyone in it: no page edits them.
        assert admin_client.get("/admin/auth/group/").status_code == 404


def _protected(kind: str) -> Any:
    if kind == "result":
        return ResultFactory()
    if kind == "candidate":
        return ResultFactory().candidate
    if kind == "share":
        return ShareFactory()
    from rvs.core.audit import log_action

    return log_action("test.something_happened", data={"why": "a row to keep"})


@pytest.mark.parametrize("kind", ["result", "candidate", "share", "audit_entry"])
class TestProtectedDeletes:
    def test_it_refuses_the_delete_view(self, admin_client: Client, kind: str) -> None:
        obj = _protected(kind)
        assert admin_client.get(_url(obj, "delete")).status_code == 403
        assert admin_client.post(_url(obj, "delete"), {"post": "yes"}).status_code == 403
        assert type(obj).objects.filter(pk=obj.pk).exists()

    def test_it_offers_no_delete_action(self, admin_client: Client, kind: str) -> None:
        obj = _protected(kind)
        changelist = admin_client.get(_changelist(type(obj)))
        assert changelist.status_code == 200
        action_form = changelist.context.get("action_form")
        actions = [name for name, _ in action_form.fields["action"].choices] if action_form else []
        assert "delete_selected" not in actions
        admin_client.post(
            _changelist(type(obj)), {"action": "delete_selected", "_selected_action": [str(obj.pk)], "post": "yes"}
        )
        assert type(obj).objects.filter(pk=obj.pk).exists()


class TestCascades:
    def test_it_refuses_deleting_an_organisation_that_would_take_shares_with_it(self, admin_client: Client) -> None:
        share = ShareFactory()
        organisation = share.organisation
        assert admin_client.post(_url(organisation, "delete"), {"post": "yes"}).status_code == 403
        assert Organisation.objects.filter(pk=organisation.pk).exists()
        assert Share.objects.filter(pk=share.pk).exists()


class TestAudit:
    def test_it_audits_a_change(self, admin_client: Client, superuser: Any) -> None:
        centre = CentreFactory()
        response = admin_client.post(
            _url(centre),
            {"number": centre.number, "name": "Renamed Centre", "city": centre.city, "country": centre.country},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        entry = AuditEntry.objects.get(action="admin.changed")
        assert entry.actor == superuser
        assert (entry.object_type, entry.object_id) == ("results.centre", str(centre.pk))
        assert entry.data["fields"] == ["Name"]  # the form label
        assert "Renamed Centre" not in str(entry.data)  # what changed, not the values

    def test_it_audits_an_addition_and_a_deletion(self, admin_client: Client, superuser: Any) -> None:
        added = admin_client.post(
            "/admin/results/centre/add/",
            {"number": "XY999", "name": "New Centre", "city": "Valletta", "country": "Malta"},
        )
        assert added.status_code == 302, added.content.decode()[:2000]
        centre = Centre.objects.get(number="XY999")
        assert AuditEntry.objects.filter(action="admin.added", object_id=str(centre.pk), actor=superuser).exists()
        other = CentreFactory()
        admin_client.post(
            _changelist(Centre), {"action": "delete_selected", "_selected_action": [centre.pk, other.pk], "post": "yes"}
        )
        assert not Centre.objects.exists()
        deleted = AuditEntry.objects.filter(action="admin.deleted", actor=superuser)
        assert sorted(deleted.values_list("object_id", flat=True)) == sorted([str(centre.pk), str(other.pk)])

    def test_it_audits_third_party_admins_too(self, admin_client: Client, superuser: Any) -> None:
        from axes.models import AccessAttempt

        attempt = AccessAttempt.objects.create(
            username="x@ro.example", ip_address="203.0.113.9", failures_since_start=3
        )
        admin_client.post(
            _changelist(AccessAttempt),
            {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
        )
        assert not AccessAttempt.objects.exists()
        assert AuditEntry.objects.filter(action="admin.deleted", object_type="axes.accessattempt").exists()


@pytest.fixture
def admin_disabled() -> Iterator[None]:
    import config.urls

    # The URLconf reads the setting when it is imported: import it again with the switch off,
    # and once more afterwards so the other tests see the admin again.
    try:
        with override_settings(ADMIN_ENABLED=False):
            importlib.reload(config.urls)
            clear_url_caches()
            yield
    finally:
        importlib.reload(config.urls)
        clear_url_caches()


class TestSwitch:
    def test_it_answers_404_everywhere_when_turned_off(self, admin_disabled: None, admin_client: Client) -> None:
        for url in ("/admin/", "/admin/login/", "/admin/accounts/user/", "/admin/results/result/"):
            assert admin_client.get(url).status_code == 404, url
        assert Client().get("/admin/login/").status_code == 404

    def test_it_warns_the_deploy_check_while_on_in_production(self) -> None:
        from django.core.checks import registry

        from rvs.backoffice.admin_apps import admin_served_in_production

        assert admin_served_in_production in registry.registry.get_checks(include_deployment_checks=True)
        with override_settings(PRODUCTION=True, ADMIN_ENABLED=True):
            assert [m.id for m in admin_served_in_production()] == ["rvs_admin.W001"]
        with override_settings(PRODUCTION=True, ADMIN_ENABLED=False):
            assert admin_served_in_production() == []
        with override_settings(PRODUCTION=False, ADMIN_ENABLED=True):
            assert admin_served_in_production() == []

    @pytest.mark.parametrize(("production", "expected"), [("true", "False"), ("false", "True")])
    def test_it_is_off_by_default_in_production_only(self, tmp_path: Path, production: str, expected: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != "RVS_ADMIN_ENABLED"}
        env.update(
            {
                "RVS_PRODUCTION": production,
                "SECRET_KEY": "x" * 20 + uuid.uuid4().hex + uuid.uuid4().hex,
                "RVS_SECRET_NUMBER_KEY": uuid.uuid4().hex,
                "RVS_DATA_DIR": str(tmp_path),
                "DJANGO_SETTINGS_MODULE": "config.settings",
            }
        )
        script = "import django; django.setup(); from django.conf import settings; print(settings.ADMIN_ENABLED)"
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected
