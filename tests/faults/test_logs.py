"""Structured logs: one JSON line per request, and no password, key, token, Secret Number or DOB.

Real requests seed each secret (sign-in, API calls, a set-password link, a candidate sign-up, a
search by date of birth, a key sent in the URL) while every record is captured at DEBUG: the
records themselves (caplog) and what the configured formatter and filter write (a handler built
from ``settings.LOGGING``). Then everything is searched for each secret.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import logging.config
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from rvs.api import keys
from rvs.core.models import OutboxEmail
from rvs.results.models import Result
from tests.factories import CandidateFactory, ShareFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple 17"
WRONG_PASSWORD = "incorrect mule battery stapler 99"
NEW_PASSWORD = "lantern orbit pebble violet 42"
CANDIDATE_PASSWORD = "candidate passphrase tangerine 8"
SECRET_NUMBER = "4821"
DOB = (1987, 3, 14)


@pytest.fixture
def log_output() -> Any:
    """A handler made like the production console one (JSON formatter, path filter) on the root logger."""
    config = settings.LOGGING
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.config.dictConfigClass(config).configure_custom(dict(config["formatters"]["json"])))
    handler.addFilter(logging.config.dictConfigClass(config).configure_custom(dict(config["filters"]["redact_paths"])))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def _secrets(api_key: str, token: str) -> dict[str, re.Pattern[str]]:
    year, month, day = DOB
    dates = [f"{year}-{month:02d}-{day:02d}", f"{day:02d}/{month:02d}/{year}", f"{day}.{month}.{year}",
             f"datetime.date({year}, {month}, {day})", f"{year}{month:02d}{day:02d}"]  # fmt: skip
    # An API key is rvs_<prefix>_<secret>, and the secret itself may hold "_".
    literal = {
        "password": PASSWORD, "wrong password": WRONG_PASSWORD, "new password": NEW_PASSWORD,
        "candidate password": CANDIDATE_PASSWORD, "API key": api_key, "API key secret": api_key.split("_", 2)[2],
        "set-password token": token,
    }  # fmt: skip
    patterns = {name: re.compile(re.escape(value)) for name, value in literal.items()}
    # A 4-digit number could appear inside a hex request id or a timing: match it standing alone.
    patterns["Secret Number"] = re.compile(rf"(?<![0-9a-fA-F.]){SECRET_NUMBER}(?![0-9a-fA-F])")
    for text in dates:
        patterns[f"date of birth {text}"] = re.compile(re.escape(text))
    return patterns


def test_it_logs_each_request_as_json_without_secrets_or_dates_of_birth(
    caplog: pytest.LogCaptureFixture,
    log_output: io.StringIO,
    member: Any,
    primary: Any,
    org_a: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    member.set_password(PASSWORD)
    member.save()
    share = ShareFactory(organisation=org_a, result__candidate__date_of_birth=dt.date(*DOB))
    CandidateFactory(candidate_number="LOG000001", secret_number=SECRET_NUMBER)
    _, api_key = keys.key_create(actor=primary, organisation=org_a, name="Admissions system", scope="read")
    # From here on only the service logs (factory_boy logs the test's own set-up at DEBUG).
    caplog.clear()
    log_output.seek(0)
    log_output.truncate()
    caplog.set_level(logging.DEBUG)
    for name in ("axes", "django", "django.request", "django.security", "rvs", "django_tasks"):
        caplog.set_level(logging.DEBUG, logger=name)

    # Sign-in: a wrong password, then the right one.
    browser = Client()
    assert (
        browser.post(reverse("accounts:login"), {"username": member.email, "password": WRONG_PASSWORD}).status_code
        == 200
    )
    assert browser.post(reverse("accounts:login"), {"username": member.email, "password": PASSWORD}).status_code == 302

    # Search by date of birth, in two spellings, and an ERN look-up with the date of birth.
    year, month, day = DOB
    for dob in (f"{year}-{month:02d}-{day:02d}", f"{day:02d}/{month:02d}/{year}"):
        assert browser.post(
            reverse("results:search"), {"name": share.result.candidate.last_name, "date_of_birth": dob}
        ).status_code in (200, 302, 400)
        browser.get(reverse("results:search"))
    browser.post(reverse("results:search"), {"ern": share.result.ern, "date_of_birth": f"{year}-{month:02d}-{day:02d}"})

    # API: a key in the header (accepted), in the URL (refused), and a wrong one.
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert api.get(reverse("api:results")).status_code == 200
    assert Client().get(reverse("api:results"), {"api_key": api_key}).status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Bearer {api_key}x").get(reverse("api:results")).status_code == 401

    # Set-password link: the token travels in the URL of the first request.
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post(reverse("accounts:forgot_password"), {"email": member.email}).status_code == 302
    body = OutboxEmail.objects.get(template="password_reset").body_text
    link = re.search(r"(/accounts/set-password/[^\s]+/)", body)
    assert link
    token = link.group(1).rstrip("/").rsplit("/", 1)[1]
    setter = Client()
    form = setter.get(link.group(1))
    assert form.status_code == 302
    done = setter.post(form["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302

    # Candidate sign-up with the Secret Number: a wrong one first, then the right one.
    sign_up = {"candidate_number": "LOG000001", "email": "logs@example.org", "password": CANDIDATE_PASSWORD,
               "terms": "on", "country": "Prefer not to say", "first_language": "English"}  # fmt: skip
    assert Client().post(reverse("candidates:sign_up"), {**sign_up, "secret_number": "9999"}).status_code == 400
    assert Client().post(reverse("candidates:sign_up"), {**sign_up, "secret_number": SECRET_NUMBER}).status_code == 302

    # An error page and a page that does not exist, with a date of birth in the query string.
    assert (
        Client()
        .get(f"/no-such-page/{year}-{month:02d}-{day:02d}/", {"dob": f"{year}-{month:02d}-{day:02d}"})
        .status_code
        == 404
    )

    output = log_output.getvalue()
    everything = "\n".join(
        [output, caplog.text]
        + [record.getMessage() for record in caplog.records]
        + [json.dumps({k: str(v) for k, v in vars(record).items() if k != "request"}) for record in caplog.records]
    )
    for name, pattern in _secrets(api_key, token).items():
        found = pattern.search(everything)
        assert found is None, f"the {name} was logged: …{everything[max(0, found.start() - 200) : found.end() + 50]}…"

    # One JSON line per request, with who asked and how it went.
    lines = [json.loads(line) for line in output.splitlines()]
    requests = [line for line in lines if line["logger"] == "rvs.request"]
    assert len(requests) >= 14
    for line in requests:
        assert {"time", "level", "request_id", "method", "route", "status", "duration_ms"} <= line.keys()
        assert "?" not in line["route"]
        assert re.fullmatch(r"[0-9a-f]{16}", line["request_id"])
    assert len({line["request_id"] for line in requests}) == len(requests)
    searches = [line for line in requests if line["route"] == "/search/" and line["method"] == "POST"]
    assert {line["user_id"] for line in searches} == {member.pk}
    assert {line["organisation_id"] for line in searches} == {org_a.pk}
    api_lines = [line for line in requests if line["route"].startswith("/api/v1/results")]
    assert [line["status"] for line in api_lines] == [200, 401, 401]
    assert api_lines[0]["organisation_id"] == org_a.pk
    assert "api_key_id" in api_lines[0]
    assert "user_id" not in api_lines[0]
    assert any(line["route"] == "/accounts/set-password/<uidb64>/<token>/" for line in requests)
    assert any(line["status"] == 404 and line["route"] == "(no route)" for line in requests)
    assert Result.objects.count() == 1
