"""Redis down in the scale-out shape: the documented behaviour, against a real redis-server.

A private ``redis-server`` on a free port is the cache (rate-limit counters) and the RQ queue.
While it runs, limits count in it. Once it is stopped:

* guess-guarding limits fail closed: ERN look-ups and candidate sign-ups get a clear 503 page
  with ``Retry-After`` (and no look-up is made);
* other limits fail open with a warning: the dashboard and search keep working;
* work that queues a task after commit is kept, not half-written: a share is saved and its email
  waits in the outbox (the relay sends it, exactly once); a background download waits as
  "pending" and the relay queues it again once Redis is back.

Started again, Redis takes the counters and the queue back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.api import keys
from rvs.core.emails import relay_due
from rvs.core.models import AuditEntry, OutboxEmail
from rvs.downloads import services as downloads
from rvs.downloads.models import DownloadJob
from rvs.sharing.models import Share
from rvs.sharing.services import share_create
from tests.conftest import client_for
from tests.factories import CandidateFactory, MembershipFactory, ResultFactory, ShareFactory
from tests.faults.conftest import RedisServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_server(settings: Any, tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{server.port}/1", "SOCKET_TIMEOUT": 0.5}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ern_lookup_user": "3/3600"}
    settings.DOWNLOAD_STREAM_LIMIT = 1
    yield server
    server.stop()


def _lookup(client: Any, ern: str) -> Any:
    return client.post(reverse("results:search"), {"ern": ern})


def test_it_fails_closed_on_guessing_open_elsewhere_and_loses_nothing(
    redis_server: RedisServer,
    member: Any,
    primary: Any,
    org_a: Any,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    shares = [ShareFactory(organisation=org_a) for _ in range(3)]
    client = client_for(member)
    notified = MembershipFactory(organisation=org_a, notify_on_share=True).user

    # Redis up: the look-up limit counts in Redis (3 an hour here).
    assert [_lookup(client, shares[0].result.ern).status_code for _ in range(4)] == [302, 302, 302, 429]

    redis_server.stop()
    lookups_before = AuditEntry.objects.filter(action__startswith="result.ern").count()

    # Guessing guards fail closed, with a clear page.
    refused = _lookup(client, shares[1].result.ern)
    assert refused.status_code == 503
    assert refused["Retry-After"] == "60"
    page = refused.content.decode()
    assert "Temporarily unavailable" in page
    assert "Traceback" not in page
    assert AuditEntry.objects.filter(action__startswith="result.ern").count() == lookups_before
    CandidateFactory(candidate_number="RED000001", secret_number="1234")
    sign_up = client_for(member).post(reverse("candidates:sign_up"), {
        "candidate_number": "RED000001", "secret_number": "1234", "email": "red@example.org",
        "password": "a long enough candidate passphrase", "terms": "on", "country": "Prefer not to say",
        "first_language": "English",
    })  # fmt: skip
    assert sign_up.status_code == 503
    _, key = keys.key_create(actor=primary, organisation=org_a, name="Admissions system", scope="read")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(
        reverse("api:verify"), {"ern": shares[1].result.ern}, content_type="application/json"
    )
    assert api.status_code == 503
    assert api["Content-Type"] == "application/problem+json"
    assert api["Retry-After"] == "60"
    assert api.json()["title"] == "Temporarily unavailable"

    # Everything else fails open and says so in the log.
    caplog.set_level(logging.WARNING, logger="rvs.core.ratelimit")
    assert client.get(reverse("results:dashboard")).status_code == 200
    search = client.post(reverse("results:search"), {"name": shares[2].result.candidate.last_name})
    assert search.status_code == 302
    found = client.get(search["Location"])
    assert found.status_code == 200
    assert shares[2].result.candidate.last_name in found.content.decode()
    assert "search_user not checked: the counter store is unreachable" in caplog.text

    # A share made while the queue is down is kept; its email waits in the outbox.
    candidate = CandidateFactory(candidate_number="RED000002", secret_number="1234")
    result = ResultFactory(candidate=candidate)

    with django_capture_on_commit_callbacks(execute=True):
        share_create(actor=None, candidate=candidate, organisation=org_a, results=[result], include_photo=False)
    assert Share.objects.filter(result=result, organisation=org_a).exists()
    waiting = OutboxEmail.objects.get(template="result_shared", to=notified.email)
    assert waiting.status == OutboxEmail.Status.PENDING
    assert waiting.attempts == 0

    # A background download is recorded and waits; the page says so instead of failing.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("downloads:create"),
            {"format": "csv", "results": [str(s.result.public_id) for s in shares]},
        )
    assert response.status_code == 302
    job = DownloadJob.objects.get()
    assert job.status == DownloadJob.Status.PENDING
    assert client.get(response["Location"]).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3), tick=False):
        assert downloads.downloads_reap()["requeued"] == 0  # still cannot be queued

    # The relay sends the email without Redis (it does not go through the queue), once.
    mail.outbox.clear()
    assert relay_due() == 1
    assert relay_due() == 0
    assert [m.to for m in mail.outbox] == [[notified.email]]

    # Redis is back: a fresh counter store, and the download is queued again by the relay.
    redis_server.start()
    assert _lookup(client, shares[1].result.ern).status_code == 302
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6), tick=False):
        assert downloads.downloads_reap()["requeued"] == 1
    assert redis_server.queued() == 1


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."), 503),
        (redis.TimeoutError("Timeout reading from socket"), 503),
        (ConnectionRefusedError(111, "Connection refused"), 503),
        (OSError(28, "No space left on device"), None),  # not an outage of a service: a 500 as usual
        (ValueError("a bug"), None),
    ],
)
def test_it_answers_503_when_redis_fails_under_a_view(rf: Any, error: Exception, status: int | None) -> None:
    """Anything queued by code that does not catch the error itself (e.g. an import) gets the page."""
    from rvs.core.outage import OutageMiddleware

    request = rf.post("/backoffice/imports/")
    request.request_id = "0123456789abcdef"
    response = OutageMiddleware(lambda r: None).process_exception(request, error)  # type: ignore[arg-type,return-value]
    if status is None:
        assert response is None
        return
    assert response is not None
    assert response.status_code == status
    assert response["Retry-After"] == "60"
    body = response.content.decode()
    assert "Please try again in a minute" in body
    assert "0123456789abcdef" in body
    assert "6379" not in body
