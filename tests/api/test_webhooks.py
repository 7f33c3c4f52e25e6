"""Webhooks received by a real HTTP server; SSRF refusals; the API tab of Your Organisation."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from rvs.api import keys, webhooks
from rvs.api.models import ApiKey, WebhookDelivery, WebhookEndpoint
from rvs.core.models import OutboxEmail
from rvs.sharing.services import share_create
from tests.conftest import client_for
from tests.factories import CandidateFactory, ResultFactory

pytestmark = pytest.mark.django_db


def _verify(secret: str, request: Request) -> dict[str, Any]:
    """What a receiver does (Standard Webhooks), written independently of the service's code."""
    message_id = request.headers["webhook-id"]
    timestamp = request.headers["webhook-timestamp"]
    assert abs(int(timestamp) - timezone.now().timestamp()) < 300
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{message_id}.{timestamp}.".encode() + request.get_data(), hashlib.sha256).digest()
    ).decode()
    signatures = [part.split(",", 1)[1] for part in request.headers["webhook-signature"].split(" ")]
    assert any(hmac.compare_digest(expected, sig) for sig in signatures)
    return json.loads(request.get_data())


@pytest.fixture
def allow_local(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True


def _share(org: Any, captured: Any) -> Any:
    candidate = CandidateFactory()
    result = ResultFactory(candidate=candidate)
    with captured(execute=True):
        share_create(actor=None, candidate=candidate, organisation=org, results=[result], include_photo=False)
    return result


class TestSsrf:
    @pytest.mark.parametrize(
        "url",
        [
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://localhost/hook",
            "http://93.184.216.34/hook",
            "file:///etc/passwd",
            "https://user:pw@93.184.216.34/",
        ],
    )
    def test_it_refuses_private_and_unsafe_urls(self, org_a: Any, primary: Any, url: str) -> None:
        with pytest.raises(ValidationError):
            webhooks.endpoint_create(actor=primary, organisation=org_a, url=url, events=["result.shared"])
        assert not WebhookEndpoint.objects.exists()

    def test_it_checks_again_at_delivery(
        self, org_a: Any, primary: Any, settings: Any, django_capture_on_commit_callbacks: Any, httpserver: HTTPServer
    ) -> None:
        settings.WEBHOOK_ALLOW_PRIVATE = True
        webhooks.endpoint_create(
            actor=primary, organisation=org_a, url=httpserver.url_for("/hook"), events=["result.shared"]
        )
        settings.WEBHOOK_ALLOW_PRIVATE = False
        _share(org_a, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDelivery.Status.PENDING
        assert "https://" in delivery.last_error  # a plain-http loopback URL: refused twice over
        assert not httpserver.log


class TestDelivery:
    def test_it_delivers_signed_events(
        self,
        org_a: Any,
        primary: Any,
        allow_local: None,
        httpserver: HTTPServer,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        endpoint, secret = webhooks.endpoint_create(
            actor=primary,
            organisation=org_a,
            url=httpserver.url_for("/hook"),
            events=["result.shared", "share.revoked"],
        )
        received: list[dict[str, Any]] = []

        def handler(request: Request) -> Response:
            received.append(_verify(secret, request))
            return Response("ok", status=200)

        httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
        result = _share(org_a, django_capture_on_commit_callbacks)
        assert [event["type"] for event in received] == ["result.shared"]
        assert received[0]["data"]["result_id"] == str(result.public_id)
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDelivery.Status.DELIVERED
        assert delivery.last_status_code == 200
        assert endpoint.secret not in json.dumps(received)

    def test_it_retries_a_failing_receiver_then_delivers(
        self,
        org_a: Any,
        primary: Any,
        allow_local: None,
        httpserver: HTTPServer,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        webhooks.endpoint_create(
            actor=primary, organisation=org_a, url=httpserver.url_for("/hook"), events=["result.shared"]
        )
        httpserver.expect_oneshot_request("/hook").respond_with_data("down", status=500)
        _share(org_a, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDelivery.Status.PENDING
        assert delivery.attempts == 1
        assert delivery.last_status_code == 500
        httpserver.expect_request("/hook").respond_with_data("ok", status=200)
        assert webhooks.relay_due() == 0  # backing off
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
            assert webhooks.relay_due() == 1
        delivery.refresh_from_db()
        assert delivery.status == WebhookDelivery.Status.DELIVERED
        assert delivery.attempts == 2

    def test_it_does_not_follow_redirects(
        self,
        org_a: Any,
        primary: Any,
        allow_local: None,
        httpserver: HTTPServer,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        webhooks.endpoint_create(
            actor=primary, organisation=org_a, url=httpserver.url_for("/hook"), events=["result.shared"]
        )
        httpserver.expect_request("/hook").respond_with_data("", status=302, headers={"Location": "http://10.0.0.1/"})
        _share(org_a, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDelivery.Status.PENDING
        assert delivery.last_status_code == 302

    def test_it_disables_an_endpoint_that_keeps_failing_and_emails_the_primary_user(
        self, org_a: Any, primary: Any, allow_local: None, settings: Any, httpserver: HTTPServer,
        django_capture_on_commit_callbacks: Any,
    ) -> None:  # fmt: skip
        settings.WEBHOOK_DISABLE_AFTER = 3
        endpoint, _ = webhooks.endpoint_create(
            actor=primary, organisation=org_a, url=httpserver.url_for("/hook"), events=["result.shared"]
        )
        httpserver.expect_request("/hook").respond_with_data("down", status=503)
        for _ in range(3):
            _share(org_a, django_capture_on_commit_callbacks)
        endpoint.refresh_from_db()
        assert endpoint.disabled_at is not None
        assert "3 failed deliveries" in endpoint.disabled_reason
        email = OutboxEmail.objects.get(template="webhook_disabled")
        assert email.to == primary.email
        webhooks.endpoint_enable(actor=primary, organisation=org_a, endpoint=endpoint)
        endpoint.refresh_from_db()
        assert endpoint.disabled_at is None

    def test_it_sends_a_test_event_to_one_endpoint(
        self,
        org_a: Any,
        primary: Any,
        allow_local: None,
        httpserver: HTTPServer,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        endpoint, secret = webhooks.endpoint_create(
            actor=primary, organisation=org_a, url=httpserver.url_for("/hook"), events=["result.shared"]
        )
        received: list[dict[str, Any]] = []
        httpserver.expect_request("/hook").respond_with_handler(
            lambda r: (received.append(_verify(secret, r)), Response("ok"))[1]
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(primary).post(reverse("api_web:webhook_action", args=[endpoint.public_id, "test"]))
        assert response.status_code == 302
        assert [event["type"] for event in received] == ["test"]
        page = client_for(primary).get(reverse("api_web:webhook", args=[endpoint.public_id])).content.decode()
        assert "Delivered" in page
        assert "HTTP 200" in page


class TestApiTab:
    def test_it_shows_a_new_key_once(self, primary: Any, org_a: Any) -> None:
        client = client_for(primary)
        response = client.post(reverse("api_web:key_create"), {"name": "CRM", "scope": "read"})
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        key = ApiKey.objects.get()
        page = response.content.decode()
        text = page.split('id="secret" type="text" readonly value="', 1)[1].split('"', 1)[0]
        assert text.startswith(f"rvs_{key.prefix}_")
        assert keys.authenticate(text) == key
        overview = client.get(reverse("api_web:overview")).content.decode()
        assert text not in overview
        assert f"rvs_{key.prefix}_" in overview

    def test_it_rotates_and_revokes(self, primary: Any, org_a: Any) -> None:
        client = client_for(primary)
        client.post(reverse("api_web:key_create"), {"name": "CRM", "scope": "write"})
        key = ApiKey.objects.get()
        confirmed = {"confirmed": "yes"}  # the buttons first ask (decision 0029: tests/core/test_confirmations.py)
        assert client.post(reverse("api_web:key_rotate", args=[key.public_id]), confirmed).status_code == 200
        assert ApiKey.objects.count() == 2
        key.refresh_from_db()
        assert key.expires_at is not None
        assert client.post(reverse("api_web:key_revoke", args=[key.public_id]), confirmed).status_code == 302
        key.refresh_from_db()
        assert key.revoked_at is not None

    def test_it_lets_only_the_primary_user_manage_keys_and_webhooks(
        self, member: Any, primary: Any, org_a: Any
    ) -> None:
        client = client_for(member)
        page = client.get(reverse("api_web:overview")).content.decode()
        assert "Only the Primary User can create API keys" in page
        assert "Create key" not in page
        assert client.post(reverse("api_web:key_create"), {"name": "x", "scope": "read"}).status_code == 403
        assert (
            client.post(
                reverse("api_web:webhook_create"), {"url": "https://example.org/", "events": ["test"]}
            ).status_code
            == 403
        )
        assert not ApiKey.objects.exists()

    def test_it_refuses_other_organisations_and_signed_out_visitors(
        self, primary: Any, org_a: Any, outsider_client: Client, client: Client, settings: Any
    ) -> None:
        settings.WEBHOOK_ALLOW_PRIVATE = True
        key, _ = keys.key_create(actor=primary, organisation=org_a, name="CRM", scope="read")
        endpoint, _ = webhooks.endpoint_create(
            actor=primary, organisation=org_a, url="http://127.0.0.1:9/hook", events=["result.shared"]
        )
        for url in [
            reverse("api_web:key_rotate", args=[key.public_id]),
            reverse("api_web:key_revoke", args=[key.public_id]),
            reverse("api_web:webhook_action", args=[endpoint.public_id, "delete"]),
        ]:
            assert outsider_client.post(url).status_code == 404, url
            assert client.post(url).status_code == 302, url
        assert outsider_client.get(reverse("api_web:webhook", args=[endpoint.public_id])).status_code == 404
        assert client.get(reverse("api_web:overview")).status_code == 302
        key.refresh_from_db()
        assert key.revoked_at is None
        assert WebhookEndpoint.objects.exists()

    def test_it_explains_a_refused_webhook_url(self, primary: Any) -> None:
        response = client_for(primary).post(
            reverse("api_web:webhook_create"), {"url": "https://127.0.0.1/hook", "events": ["result.shared"]}
        )
        assert response.status_code == 400
        assert "private, loopback or reserved address" in response.content.decode()
