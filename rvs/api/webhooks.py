"""Webhooks: signed deliveries of events (Standard Webhooks), retried with backoff, SSRF-guarded.

Each delivery is signed over ``{id}.{timestamp}.{body}`` with HMAC-SHA256 and the endpoint's
secret, sent with the ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` headers.
Failures are retried with exponential backoff for ``WEBHOOK_RETRY_HOURS``; an endpoint that keeps
failing is disabled and its organisation's Primary User emailed. URLs that resolve to private,
loopback, link-local or reserved addresses are refused when registered and again at each send;
each send connects to an address that check saw, ignores proxy settings and follows no redirect
(``rvs.api.ssrf``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time

import httpx
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from django_tasks.exceptions import InvalidTaskError

from rvs.accounts.models import User
from rvs.api import ssrf
from rvs.api.models import WebhookDelivery, WebhookEndpoint
from rvs.core.audit import log_action
from rvs.core.emails import queue_email
from rvs.core.i18n import language_of
from rvs.core.models import Event
from rvs.core.permissions import Perm, has_perm
from rvs.organisations.models import Membership, Organisation

logger = logging.getLogger(__name__)
EVENT_TYPES = [
    Event.Kind.RESULT_SHARED,
    Event.Kind.SHARE_REVOKED,
    Event.Kind.RESULT_CORRECTED,
    Event.Kind.RESULT_WITHDRAWN,
]
LEASE = dt.timedelta(minutes=2)
MAX_DELAY = dt.timedelta(hours=1)


def url_problem(url: str) -> str | None:
    """Why ``url`` may not receive webhooks, or None when it may (see ``rvs.api.ssrf``)."""
    try:
        ssrf.check_url(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE)
    except ssrf.UnsafeUrl as exc:
        return str(exc)
    return None


def _require(actor: User, organisation: Organisation) -> None:
    if not has_perm(actor, organisation, Perm.API_KEYS):
        raise PermissionDenied


@transaction.atomic
def endpoint_create(
    *, actor: User, organisation: Organisation, url: str, events: list[str]
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret, shown once."""
    _require(actor, organisation)
    problem = url_problem(url)
    if problem:
        raise ValidationError({"url": problem})
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown or not events:
        raise ValidationError({"events": _("Choose at least one of the event types.")})
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation, url=url, secret=secret, events=events, created_by=actor
    )
    log_action(
        "webhook.created", actor=actor, organisation=organisation, obj=endpoint, data={"url": url, "events": events}
    )
    return endpoint, secret


@transaction.atomic
def endpoint_delete(*, actor: User, organisation: Organisation, endpoint: WebhookEndpoint) -> None:
    _require(actor, organisation)
    if endpoint.organisation_id != organisation.pk:
        raise PermissionDenied
    log_action("webhook.deleted", actor=actor, organisation=organisation, obj=endpoint, data={"url": endpoint.url})
    endpoint.delete()


@transaction.atomic
def endpoint_enable(*, actor: User, organisation: Organisation, endpoint: WebhookEndpoint) -> None:
    _require(actor, organisation)
    if endpoint.organisation_id != organisation.pk:
        raise PermissionDenied
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(disabled_at=None, disabled_reason="", consecutive_failures=0)
    log_action("webhook.enabled", actor=actor, organisation=organisation, obj=endpoint)


@transaction.atomic
def send_test_event(*, actor: User, organisation: Organisation, endpoint: WebhookEndpoint) -> WebhookDelivery:
    _require(actor, organisation)
    if endpoint.organisation_id != organisation.pk:
        raise PermissionDenied
    event = Event.objects.create(organisation=organisation, kind=Event.Kind.TEST, data={"message": "A test event."})
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=timezone.now())
    delivery_id = delivery.pk
    transaction.on_commit(lambda: _enqueue(delivery_id))
    return delivery


def dispatch_event(event_id: int) -> None:
    """Create one delivery per active endpoint subscribed to the event's type, then send them."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None or event.kind == Event.Kind.TEST:
        return
    endpoints = WebhookEndpoint.objects.filter(organisation_id=event.organisation_id, disabled_at__isnull=True)
    for endpoint in endpoints:
        if event.kind not in endpoint.events:
            continue
        delivery, created = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint, event=event, defaults={"next_attempt_at": timezone.now()}
        )
        if created:
            _enqueue(delivery.pk)


def _enqueue(delivery_id: int, run_after: dt.datetime | None = None) -> None:
    try:
        if run_after is None:
            deliver_webhook.enqueue(delivery_id)
        else:
            deliver_webhook.using(run_after=run_after).enqueue(delivery_id)
    except InvalidTaskError:
        logger.info("webhook delivery %s: retry left to the relay", delivery_id)
    except Exception as exc:
        # The queue (Redis) is down: the delivery row is committed and the relay sends it when due.
        logger.warning("webhook delivery %s: could not be queued (%s)", delivery_id, type(exc).__name__)


def payload(event: Event) -> bytes:
    data = {
        "id": str(event.public_id),
        "type": event.kind,
        "created_at": event.created_at.isoformat(),
        "data": {**event.data, "result_id": str(event.result.public_id) if event.result is not None else None},
    }
    return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _claim(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .exclude(claimed_until__gt=now)
        .update(claimed_until=now + LEASE)
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint", "event__result").get(pk=delivery_id)


def deliver(delivery_id: int) -> bool:
    """Send one delivery if it is due; True when the receiver answered 2xx."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return False
    endpoint, event = delivery.endpoint, delivery.event
    if endpoint.disabled_at is not None:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.FAILED, last_error="endpoint disabled", claimed_until=None
        )
        return False
    body = payload(event)
    timestamp = int(time.time())
    message_id = str(event.public_id)
    headers = {
        "content-type": "application/json",
        "user-agent": "rvs-webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(endpoint.secret, message_id, timestamp, body),
    }
    started = time.monotonic()
    status_code: int | None = None
    error: str | None = None
    try:
        # Checked again at send time (DNS may have changed since registration), and the request
        # goes to an address this check saw.
        target = ssrf.check_url(endpoint.url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE)
    except ssrf.UnsafeUrl as exc:
        error = str(exc)
    else:
        try:
            response = ssrf.post(target, content=body, headers=headers, timeout=10.0)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"the receiver answered {status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
    duration = int((time.monotonic() - started) * 1000)
    if error is None:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.DELIVERED, attempts=F("attempts") + 1, last_status_code=status_code,
            last_error="", last_duration_ms=duration, delivered_at=timezone.now(), claimed_until=None,
        )  # fmt: skip
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        return True
    _failed(delivery, status_code, error, duration)
    return False


def _failed(delivery: WebhookDelivery, status_code: int | None, error: str, duration: int) -> None:
    attempts = delivery.attempts + 1
    now = timezone.now()
    give_up = now - delivery.created_at > dt.timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    delay = min(dt.timedelta(seconds=30 * 2 ** (attempts - 1)), MAX_DELAY)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.FAILED if give_up else WebhookDelivery.Status.PENDING,
        attempts=attempts, last_status_code=status_code, last_error=error[:500], last_duration_ms=duration,
        next_attempt_at=now + delay, claimed_until=None,
    )  # fmt: skip
    endpoint = delivery.endpoint
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    endpoint.refresh_from_db()
    if endpoint.disabled_at is None and endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER:
        _disable(endpoint, error)
    elif not give_up:
        delivery_id = delivery.pk
        transaction.on_commit(lambda: _enqueue(delivery_id, run_after=now + delay))


@transaction.atomic
def _disable(endpoint: WebhookEndpoint, error: str) -> None:
    reason = f"Disabled after {endpoint.consecutive_failures} failed deliveries in a row (last: {error})"[:200]
    updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, disabled_at__isnull=True).update(
        disabled_at=timezone.now(), disabled_reason=reason
    )
    if not updated:
        return
    log_action(
        "webhook.disabled", actor="system", organisation=endpoint.organisation, obj=endpoint, data={"reason": reason}
    )
    primary = Membership.objects.filter(organisation=endpoint.organisation, role=Membership.Role.PRIMARY).first()
    if primary is not None:
        queue_email(
            to=primary.user.email,
            template="webhook_disabled",
            context={"endpoint": endpoint, "organisation": endpoint.organisation, "reason": reason},
            language=language_of(primary.user),
        )


def relay_due(limit: int = 500) -> int:
    """Send every delivery that is due (used by ``manage.py send_outbox``)."""
    now = timezone.now()
    due = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now).exclude(
        claimed_until__gt=now
    )
    return sum(deliver(pk) for pk in list(due.values_list("pk", flat=True)[:limit]))


@task()
def deliver_webhook(delivery_id: int) -> bool:
    return deliver(delivery_id)
