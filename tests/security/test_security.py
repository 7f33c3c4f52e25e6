"""Production readiness: deploy checks, headers, error pages, and every route declaring who may use it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]

# Views anyone may open. Every other route must declare its permission (deny by default).
PUBLIC = {
    "home", "register", "register_done", "directory", "verify_statement", "verify_ern",
    "accounts:login", "accounts:logout", "accounts:forgot_password", "accounts:forgot_password_sent",
    "accounts:set_password", "accounts:set_password_done", "accounts:change_password_done",
    "candidates:sign_in", "candidates:sign_up", "candidates:confirm_email", "candidates:help_sharing",
    "candidates:unlock", "set_language",
    "signing_certificate", "signing_certificate_pem", "signing_certificate_chain",
    "api:schema", "api:docs", "api:redoc",
}  # fmt: skip
# Routes whose own framework enforces access (Django's admin), and the public developer portal.
OWN_ACCESS_CONTROL_PREFIXES = ("admin:", "developers:")
SELF_SERVICE = {"accounts:change_password"}  # login_required inside Django's view


def _routes() -> list[tuple[str, URLPattern, str]]:
    found: list[tuple[str, URLPattern, str]] = []

    def walk(patterns: list[Any], namespace: str, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, ns, prefix + str(pattern.pattern))
            elif pattern.name:
                found.append((namespace + pattern.name, pattern, prefix + str(pattern.pattern)))

    walk(get_resolver().url_patterns, "", "")
    return found


def _declared(callback: Any) -> str | None:
    for candidate in (callback, getattr(callback, "view_class", None), getattr(callback, "cls", None)):
        perm = getattr(candidate, "required_permission", None)
        if perm is not None:
            return str(perm)
        wrapped = getattr(candidate, "__wrapped__", None)
        while wrapped is not None:
            perm = getattr(wrapped, "required_permission", None)
            if perm is not None:
                return str(perm)
            wrapped = getattr(wrapped, "__wrapped__", None)
    return None


def test_it_makes_every_route_declare_who_may_use_it() -> None:
    undeclared = [
        name
        for name, pattern, _ in _routes()
        if name not in PUBLIC
        and name not in SELF_SERVICE
        and not name.startswith(OWN_ACCESS_CONTROL_PREFIXES)
        and _declared(pattern.callback) is None
    ]
    assert undeclared == [], f"routes without a declared permission: {undeclared}"


@pytest.mark.django_db
def test_it_refuses_signed_out_visitors_on_every_protected_route(client: Client) -> None:
    checked = 0
    for name, pattern, route in _routes():
        if name in PUBLIC or name.startswith(OWN_ACCESS_CONTROL_PREFIXES):
            continue
        url = "/" + route
        for key in pattern.pattern.converters:
            url = url.replace(f"<{key}>", "x").replace(f"<str:{key}>", "x").replace(f"<uuid:{key}>", str(uuid.uuid4()))
        for placeholder in ("<str:public_id>", "<uuid:result_id>", "<uuid:job_id>", "<str:action>", "<str:token>"):
            url = url.replace(placeholder, str(uuid.uuid4()))
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (302, 401, 404, 405), (name, method, url, response.status_code)
            if response.status_code == 302:
                assert "/sign-in/" in response["Location"] or "/admin/login/" in response["Location"], (name, url)
            assert response.status_code != 200
        checked += 1
    assert checked > 40


@pytest.mark.django_db
def test_it_sends_the_security_headers(client: Client, member: Any) -> None:
    from tests.conftest import client_for

    for response in (client.get("/accounts/sign-in/"), client_for(member).get("/search/")):
        csp = response["Content-Security-Policy"]
        assert "unsafe-inline" not in csp
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Request-ID"]
    page = client_for(member).get("/search/")
    assert "no-store" in page["Cache-Control"]


@pytest.mark.django_db
def test_it_marks_cookies_httponly_and_samesite(client: Client, member: Any) -> None:
    from tests.factories import PASSWORD

    response = client.post("/accounts/sign-in/", {"username": member.email, "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_it_shows_a_generic_error_page_with_a_request_id(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.security.boom_urls"
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "secret internal detail" not in body
    assert "Traceback" not in body
    assert response["X-Request-ID"] in body


def test_it_passes_the_deploy_check_with_production_settings(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # set for Playwright only
        "RVS_PRODUCTION": "true",
        "SECRET_KEY": "x" * 20 + uuid.uuid4().hex + uuid.uuid4().hex,
        "RVS_SECRET_NUMBER_KEY": uuid.uuid4().hex,
        "ALLOWED_HOSTS": "verify.example.org",
        "RVS_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SECRET_KEY_FILE")}
    env.update({"RVS_PRODUCTION": "true", "RVS_DATA_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [("DEBUG", "maybe", "is not a boolean"), ("EMAIL_PORT", "twenty-five", "is not a whole number"),
     ("DATABASE_URL", "mysql://x/y", "only sqlite:// and postgres://"), ("REDIS_URL", "http://x", "must start with redis://")],
)  # fmt: skip
def test_it_fails_fast_on_bad_settings(tmp_path: Path, name: str, value: str, message: str) -> None:
    env = {**os.environ, name: value, "RVS_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert message in result.stderr
