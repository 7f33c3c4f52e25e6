"""Authorization matrix: every route (URL resolver) and API operation (OpenAPI schema) × every actor.

Routes are not listed here: they come from the resolver and from drf-spectacular's generator.
What *is* declared here is who may use each route (``EXPECT``) and how to fill each URL
argument with a resource of organisation A (``KWARGS``). A route missing from either fails
``test_it_declares_every_route``, so a new route cannot slip in without a decision.

For each route, every actor that may not use it is tried with GET and POST (API: the schema's
methods): no 2xx, and a refused POST changes nothing in the database. Actors that may use it
get past the check (a positive control: otherwise a wrong URL would make every refusal pass).
For routes naming an object, "not yours" and "does not exist" answer the same status and body.

One world (two organisations, a candidate, staff, keys and one of every object) is built per
module inside a transaction that is rolled back at the end; each test runs in a savepoint.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.security.test_security import _routes

ACTORS = ("anon", "candidate", "outsider", "member", "primary", "staff", "key_other", "key_read", "key_write")
# Who may use a route when it concerns organisation A. "outsider" (Primary User of organisation B)
# and "key_other" (organisation B's write key) count as their counterparts on routes that name no
# object: there they see their own organisation's data.
EVERYONE = frozenset(ACTORS)
ORG_USERS = frozenset({"member", "primary"})
PRIMARY = frozenset({"primary"})
STAFF = frozenset({"staff"})
CANDIDATE = frozenset({"candidate"})
SIGNED_IN = frozenset({"candidate", "outsider", "member", "primary", "staff"})
SECOND_FACTOR = frozenset({"outsider", "member", "primary", "staff"})  # staff and organisation users
KEY_READ = frozenset({"key_read", "key_write"})
KEY_WRITE = frozenset({"key_write"})

EXPECT: dict[str, frozenset[str]] = {
    # public pages
    **dict.fromkeys(
        ["home", "register", "register_done", "directory", "verify_statement", "verify_ern",
         "signing_certificate", "signing_certificate_pem", "signing_certificate_chain",
         "accounts:login", "accounts:logout", "accounts:forgot_password", "accounts:forgot_password_sent",
         "accounts:set_password", "accounts:set_password_done", "accounts:change_password_done",
         "candidates:sign_in", "candidates:sign_up", "candidates:confirm_email", "candidates:unlock",
         "candidates:help_sharing", "set_language",
         "api:schema", "api:docs", "api:redoc", "admin:logout",
         "developers:index", "developers:authentication", "developers:endpoints", "developers:errors",
         "developers:rate_limits", "developers:webhooks", "developers:changelog"],
        EVERYONE,
    ),
    "accounts:change_password": SIGNED_IN,
    "accounts:two_factor": SECOND_FACTOR,
    "accounts:two_factor_setup": SECOND_FACTOR,
    "backoffice:two_factor": SECOND_FACTOR,
    "backoffice:two_factor_setup": SECOND_FACTOR,
    # RO site
    **dict.fromkeys(
        ["results:dashboard", "results:search", "results:detail", "results:photo", "bulk:upload", "bulk:sample",
         "downloads:history", "downloads:create", "downloads:template_new", "downloads:template_edit",
         "downloads:template_delete", "downloads:job", "downloads:job_file", "downloads:again",
         "accounts:notifications", "api_web:overview", "requirements:index", "organisations:details",
         "organisations:users", "organisations:exams"],
        ORG_USERS,
    ),
    **dict.fromkeys(
        ["api_web:key_create", "api_web:key_rotate", "api_web:key_revoke", "api_web:webhook_create",
         "api_web:webhook", "api_web:webhook_action", "api_web:webhook_delete", "requirements:new", "requirements:edit",
         "requirements:delete", "organisations:details_edit", "organisations:user_add",
         "organisations:user_edit", "organisations:user_delete", "organisations:activity",
         "organisations:two_factor_policy"],
        PRIMARY,
    ),
    # back office
    **dict.fromkeys(
        ["backoffice:queue", "backoffice:registration", "backoffice:organisations", "backoffice:organisation",
         "backoffice:change_primary", "backoffice:organisation_status", "backoffice:results", "backoffice:result",
         "backoffice:audit", "backoffice:imports", "backoffice:import_job", "backoffice:import_start",
         "backoffice:import_problems"],
        STAFF,
    ),
    # Candidate Results Website
    **dict.fromkeys(
        ["candidates:results", "candidates:confirm_needed", "candidates:share", "candidates:organisation_options",
         "candidates:shared", "candidates:revoke", "candidates:invite", "candidates:statements"],
        CANDIDATE,
    ),
    # API: read-only keys read; downloads need a write key
    **dict.fromkeys(
        ["api:results", "api:result", "api:result_photo", "api:verify", "api:bulk_verify", "api:changes",
         "api:templates", "api:exams", "api:organisation", "api:requirements"],
        KEY_READ,
    ),
    **dict.fromkeys(["api:downloads", "api:download", "api:download_file"], KEY_WRITE),
}  # fmt: skip
# Django's admin: generated per registered model, guarded by the admin site (staff flag and second
# factor, then model permissions, which back-office staff do not get: a 403 for them is the admin's
# answer, not ours). admin:login is one of them: it signs nobody in, it forwards to the product's
# sign-in and second factor (issue 15, item 1).
ADMIN_PREFIX = "admin:"
ADMIN = STAFF


@dataclass
class World:
    objects: dict[str, Any] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # actor -> session key
    keys: dict[str, str] = field(default_factory=dict)  # actor -> API key text

    def __getattr__(self, name: str) -> Any:
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None


# URL argument -> a value naming organisation A's object (route-specific first, then by name).
ObjectGetter = Callable[[World], Any]
KWARGS_BY_ROUTE: dict[str, dict[str, ObjectGetter]] = {
    "downloads:template_edit": {"public_id": lambda w: w.template.public_id},
    "downloads:template_delete": {"public_id": lambda w: w.template.public_id},
    "downloads:job": {"public_id": lambda w: w.job.public_id},
    "downloads:job_file": {"public_id": lambda w: w.job.public_id},
    "downloads:again": {"public_id": lambda w: w.job.public_id},
    "api_web:key_rotate": {"public_id": lambda w: w.key.public_id},
    "api_web:key_revoke": {"public_id": lambda w: w.key.public_id},
    "api_web:webhook": {"public_id": lambda w: w.webhook.public_id},
    "api_web:webhook_action": {"public_id": lambda w: w.webhook.public_id, "action": lambda w: "test"},
    "api_web:webhook_delete": {"public_id": lambda w: w.webhook.public_id},
    "requirements:edit": {"public_id": lambda w: w.requirement.public_id},
    "requirements:delete": {"public_id": lambda w: w.requirement.public_id},
    "organisations:user_edit": {"public_id": lambda w: w.membership.public_id},
    "organisations:user_delete": {"public_id": lambda w: w.membership.public_id},
    "backoffice:registration": {"public_id": lambda w: w.registration.public_id},
    "backoffice:organisation": {"public_id": lambda w: w.org_a.public_id},
    "backoffice:change_primary": {"public_id": lambda w: w.org_a.public_id},
    "backoffice:organisation_status": {"public_id": lambda w: w.org_a.public_id},
    "backoffice:result": {"public_id": lambda w: w.result.public_id},
    "backoffice:import_job": {"public_id": lambda w: w.import_job.public_id},
    "backoffice:import_start": {"public_id": lambda w: w.import_job.public_id},
    "backoffice:import_problems": {"public_id": lambda w: w.import_job.public_id},
    "candidates:revoke": {"public_id": lambda w: w.share.public_id},
    "results:detail": {"public_id": lambda w: w.result.public_id},
    "results:photo": {"public_id": lambda w: w.result.public_id},
    "api:download": {"job_id": lambda w: w.job.public_id},
    "api:download_file": {"job_id": lambda w: w.job.public_id},
}
KWARGS_BY_NAME: dict[str, ObjectGetter] = {
    "result_id": lambda w: w.result.public_id,
    "ern": lambda w: w.result.ern,
    "uidb64": lambda w: urlsafe_base64_encode(force_bytes(w.member.pk)),
    "token": lambda w: "not-a-valid-token",  # public pages (set password, confirm email) that answer it themselves
    # the admin's own arguments: its site decides who may look
    "object_id": lambda w: w.org_a.pk,
    "content_type_id": lambda w: 1,
    "pk": lambda w: 1,
    "app_label": lambda w: "results",
}
# Arguments naming an object of organisation A: the routes where "not yours" must equal "does not exist".
OBJECT_KWARGS = {"public_id", "result_id", "job_id"}
# Whose "not yours" to try on an object route, by who may use it.
# "candidate_other" is a second candidate, used only here (their own shares are not the world's).
OTHER_PARTY = {
    ORG_USERS: "outsider", PRIMARY: "outsider", KEY_READ: "key_other", KEY_WRITE: "key_other",
    CANDIDATE: "candidate_other",
}  # fmt: skip
# Where a refused visitor may be redirected: the sign-in and second-factor pages, nowhere else.
SIGN_IN_PATHS = (
    "/accounts/sign-in/", "/admin/login/", "/accounts/two-factor/", "/backoffice/two-factor/", "/candidate/sign-in/"
)  # fmt: skip


def _fill(name: str, pattern: URLPattern, world: World) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for kwarg in pattern.pattern.regex.groupindex:
        getter = KWARGS_BY_ROUTE.get(name, {}).get(kwarg) or KWARGS_BY_NAME.get(kwarg)
        if getter is None:
            return None
        values[kwarg] = str(getter(world))
    return values


def _schema_operations() -> dict[str, list[str]]:
    """``{"/api/v1/results/{result_id}/": ["get"], ...}`` from drf-spectacular's generator."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    methods = {"get", "post", "put", "patch", "delete"}
    return {path: sorted(m for m in ops if m in methods) for path, ops in schema["paths"].items()}


def _as_schema_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


ROUTES = {name: (pattern, route) for name, pattern, route in _routes()}
SCHEMA = _schema_operations()
API_ROUTES = {name for name, (_, route) in ROUTES.items() if _as_schema_path(route) in SCHEMA}


def _expected(name: str) -> frozenset[str] | None:
    if name not in EXPECT and name.startswith(ADMIN_PREFIX):
        return ADMIN
    return EXPECT.get(name)


def _allowed(name: str, has_object: bool) -> frozenset[str]:
    allowed = set(_expected(name) or ())
    if not has_object:  # routes without an object: organisation B's actors see their own data
        if "primary" in allowed:
            allowed.add("outsider")
        if "key_write" in allowed:
            allowed.add("key_other")
    return frozenset(allowed)


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield _build_world()
        transaction.set_rollback(True)


def _build_world() -> World:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from rvs.api import keys
    from rvs.api.models import WebhookEndpoint
    from rvs.backoffice.models import ImportJob
    from rvs.candidates.services import candidate_sign_up
    from rvs.downloads.models import DownloadJob, DownloadTemplate
    from rvs.organisations.models import Membership, RegistrationRequest
    from rvs.requirements.models import EntryRequirement
    from tests.conftest import make_staff
    from tests.factories import (
        PASSWORD,
        CandidateFactory,
        MembershipFactory,
        OrganisationFactory,
        ResultFactory,
        ShareFactory,
    )

    w = World()
    o = w.objects
    o["org_a"] = OrganisationFactory(name="Matrix University A")
    o["org_b"] = OrganisationFactory(name="Matrix College B")
    users = {
        "primary": MembershipFactory(organisation=o["org_a"], role=Membership.Role.PRIMARY).user,
        "member": MembershipFactory(organisation=o["org_a"], role=Membership.Role.ADDITIONAL).user,
        "outsider": MembershipFactory(organisation=o["org_b"], role=Membership.Role.PRIMARY).user,
        "staff": make_staff(email="matrix.staff@board.example"),
    }
    o["member"] = users["member"]
    o["membership"] = users["member"].membership
    candidate = CandidateFactory()
    account = candidate_sign_up(
        candidate_number=candidate.candidate_number, secret_number="1234",
        email="matrix.candidate@cand.example", password=PASSWORD,
    )  # fmt: skip
    account.email_confirmed_at = timezone.now()
    account.save()
    users["candidate"] = account.user
    other = CandidateFactory()
    other_account = candidate_sign_up(
        candidate_number=other.candidate_number, secret_number="1234",
        email="matrix.other.candidate@cand.example", password=PASSWORD,
    )  # fmt: skip
    other_account.email_confirmed_at = timezone.now()
    other_account.save()
    users["candidate_other"] = other_account.user
    o["result"] = ResultFactory(candidate=candidate)
    o["result"].photo.name = PHOTO_NAME  # the file itself is written per test (MEDIA_ROOT is per test)
    o["result"].save(update_fields=["photo"])
    o["share"] = ShareFactory(result=o["result"], organisation=o["org_a"], include_photo=True)
    o["template"] = DownloadTemplate.objects.create(organisation=o["org_a"], name="Admissions", fields=["ern"])
    o["job"] = DownloadJob.objects.create(
        organisation=o["org_a"], requested_by=users["primary"], exporter="csv", result_ids=[o["result"].pk],
        requested=1, status=DownloadJob.Status.PENDING,
    )  # fmt: skip
    o["requirement"] = EntryRequirement.objects.create(organisation=o["org_a"], name="Undergraduate", min_overall=169)
    o["webhook"] = WebhookEndpoint.objects.create(
        organisation=o["org_a"], url="https://hooks.example.org/rvs", secret="s" * 32, events=["result.shared"]
    )
    o["registration"] = RegistrationRequest.objects.create(
        organisation_name="Pending Polytechnic", kind=o["org_a"].kind, country="Malta", city="Valletta",
        address="1 Main Street", website="https://pending.example.org", registrant_name="Pat Pending",
        job_title="Registrar", work_email="pat@pending.example.org", submitted_at=timezone.now(),
        due_by=dt.date.today() + dt.timedelta(days=2),
    )  # fmt: skip
    o["import_job"] = ImportJob.objects.create(uploaded_by=users["staff"], original_name="session.csv")
    for actor, user in users.items():
        client = Client()
        client.force_login(user)
        if actor == "staff":  # past the second factor, as staff always are
            device = TOTPDevice.objects.create(user=user, name="matrix", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        w.sessions[actor] = client.cookies[settings.SESSION_COOKIE_NAME].value
    o["key"], w.keys["key_write"] = keys.key_create(
        actor=users["primary"], organisation=o["org_a"], name="CRM", scope="write"
    )
    w.keys["key_read"] = keys.key_create(actor=users["primary"], organisation=o["org_a"], name="BI", scope="read")[1]
    w.keys["key_other"] = keys.key_create(actor=users["outsider"], organisation=o["org_b"], name="B", scope="write")[1]
    return w


PHOTO_NAME = "photos/matrix-candidate.png"
# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000005000157a3d6ad0000000049454e44ae426082"
)


@pytest.fixture
def photo_file(world: World) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    assert default_storage.save(PHOTO_NAME, ContentFile(PNG)) == PHOTO_NAME


def _client(world: World, actor: str) -> Client:
    client = Client()
    if actor in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[actor]
    if actor in world.keys:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world.keys[actor]}"
    return client


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the service's own tables (key use timestamps aside)."""
    snapshot = {}
    for model in apps.get_models():
        if not model.__module__.startswith("rvs.") or not model._meta.managed or model._meta.proxy:
            continue
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "last_used_at"]
        snapshot[model._meta.label] = list(model.objects.order_by("pk").values_list(*names))
    return snapshot


def _request(client: Client, method: str, url: str, api: bool) -> Any:
    if api and method != "get":
        return getattr(client, method)(url, data="{}", content_type="application/json")
    return getattr(client, method)(url)


def _methods(name: str, route: str) -> list[str]:
    if name in API_ROUTES:
        return SCHEMA[_as_schema_path(route)]
    return ["get", "post"]


def _normalised(response: Any, *ids: str) -> str:
    body = response.content.decode(errors="replace")
    for value in ids:
        body = body.replace(value, "<id>")
    if "X-Request-ID" in response:
        body = body.replace(response["X-Request-ID"], "<request-id>")
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="<csrf>"', body)
    return re.sub(r'nonce="[^"]+"', 'nonce="<nonce>"', body)


ROUTE_IDS = sorted(ROUTES)


def test_it_declares_every_route() -> None:
    """A new route (web or API) needs an expectation and a way to fill its URL; stale entries go too."""
    missing = [name for name in ROUTE_IDS if _expected(name) is None]
    assert missing == [], f"routes with no declared expectation in EXPECT: {missing}"
    resolver_api = {_as_schema_path(route) for name, (_, route) in ROUTES.items() if name in API_ROUTES}
    assert set(SCHEMA) == resolver_api, "schema operations and API routes differ"
    undocumented = [
        name for name, (_, route) in ROUTES.items()
        if name.startswith("api:") and name not in {"api:schema", "api:docs", "api:redoc"} and name not in API_ROUTES
    ]  # fmt: skip
    assert undocumented == [], f"API routes missing from the OpenAPI schema: {undocumented}"


def test_it_knows_how_to_fill_every_url(world: World, db: None) -> None:
    unfilled = [name for name in ROUTE_IDS if _fill(name, ROUTES[name][0], world) is None]
    assert unfilled == [], f"routes whose URL arguments KWARGS_BY_ROUTE / KWARGS_BY_NAME cannot fill: {unfilled}"


@pytest.mark.parametrize("name", ROUTE_IDS)
def test_it_refuses_everyone_not_allowed(name: str, world: World, db: None, photo_file: None) -> None:
    pattern, route = ROUTES[name]
    expected = _expected(name)
    assert expected is not None, f"{name}: no declared expectation"
    kwargs = _fill(name, pattern, world)
    assert kwargs is not None, f"{name}: cannot fill the URL arguments {list(pattern.pattern.regex.groupindex)}"
    url = reverse(name, kwargs=kwargs)
    has_object = bool(OBJECT_KWARGS & set(kwargs))
    allowed = _allowed(name, has_object)
    api = name in API_ROUTES
    methods = _methods(name, route)
    before = _snapshot()
    for actor in ACTORS:
        if actor in allowed:
            continue
        client = _client(world, actor)
        for method in methods:
            response = _request(client, method, url, api)
            status = response.status_code
            where = f"{name} {method.upper()} {url} as {actor}: {status}"
            assert not 200 <= status < 300, f"{where} (should be refused)"
            assert status in (302, 401, 403, 404, 405), where
            if status == 302:
                assert response["Location"].startswith(SIGN_IN_PATHS), f"{where} -> {response['Location']}"
            if api:
                assert status != 302, where
                if actor == "anon":
                    assert status == 401, where
                    assert response["WWW-Authenticate"], where
    assert _snapshot() == before, f"{name}: a refused request changed the database"
    # Positive control: those allowed get past the check (GET; the view may still want a POST).
    for actor in sorted(allowed):
        if name.startswith(ADMIN_PREFIX) and expected is ADMIN:
            continue  # see ADMIN
        if methods == ["post"] and api:
            continue  # API POSTs need a valid body; the refusals above already used the method
        response = _request(_client(world, actor), "get", url, api)
        status = response.status_code
        where = f"{name} GET {url} as {actor}: {status}"
        assert status not in (401, 403), where
        if status == 302:
            # Allowed means past sign-in and the second factor; the two-factor pages send to each other.
            refusals = SIGN_IN_PATHS[:2] if name.endswith(("two_factor", "two_factor_setup")) else SIGN_IN_PATHS
            assert not response["Location"].startswith(refusals), f"{where} -> {response['Location']}"
        if has_object and expected is not EVERYONE:
            assert status != 404, f"{where} (the world's object should be found)"


OBJECT_ROUTES = sorted(
    name for name in ROUTE_IDS
    if OBJECT_KWARGS & set(ROUTES[name][0].pattern.regex.groupindex) and _expected(name) in OTHER_PARTY
)  # fmt: skip


@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_it_answers_not_yours_as_does_not_exist(name: str, world: World, db: None) -> None:
    pattern, route = ROUTES[name]
    expected = _expected(name)
    assert expected is not None
    actor = OTHER_PARTY[expected]
    kwargs = _fill(name, pattern, world)
    assert kwargs is not None
    missing = {k: (str(uuid.uuid4()) if k in OBJECT_KWARGS else v) for k, v in kwargs.items()}
    api = name in API_ROUTES
    client = _client(world, actor)
    for method in _methods(name, route):
        theirs = _request(client, method, reverse(name, kwargs=kwargs), api)
        nothing = _request(client, method, reverse(name, kwargs=missing), api)
        where = f"{name} {method.upper()} as {actor}"
        assert theirs.status_code == nothing.status_code, f"{where}: {theirs.status_code} != {nothing.status_code}"
        assert theirs.status_code in (404, 405), f"{where}: not yours gave {theirs.status_code}"  # 405: GET on a form
        ids = [kwargs[k] for k in OBJECT_KWARGS & set(kwargs)] + [missing[k] for k in OBJECT_KWARGS & set(kwargs)]
        assert _normalised(theirs, *ids) == _normalised(nothing, *ids), f"{where}: the two 404s differ"
