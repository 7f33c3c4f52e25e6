"""Email through a transactional outbox: write the row with the change, deliver after commit.

``queue_email`` renders ``emails/<template>_subject.txt``, ``_body.txt`` and (optionally)
``_body.html`` and stores an ``OutboxEmail`` in the caller's transaction. After commit a task
delivers it. A failed send is retried with exponential backoff (1 minute doubling to 1 hour)
for ``OUTBOX_RETRY_HOURS``; ``manage.py send_outbox`` (or the periodic relay) also picks up
anything due, so a worker that died or an SMTP server that was down loses nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task
from django_tasks.exceptions import InvalidTaskError

from rvs.core.i18n import supported
from rvs.core.models import OutboxEmail

logger = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)
MAX_DELAY = dt.timedelta(hours=1)


def queue_email(*, to: str, template: str, context: dict[str, Any], language: str | None = None) -> OutboxEmail:
    """Store an email to ``to`` in the outbox and deliver it once the transaction commits.

    Written in ``language``, the recipient's (``rvs.core.i18n.language_of`` / ``request_language``;
    English when not given): subject and bodies are rendered with it active (decision 0033).
    """
    full_context = {"brand": settings.RVS_BRAND, "site_url": settings.RVS_SITE_URL, **context}
    with translation.override(supported(language) or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", full_context).split())
        body_text = render_to_string(f"emails/{template}_body.txt", full_context)
        body_html: str = ""
        with contextlib.suppress(TemplateDoesNotExist):  # most emails are text only
            body_html = render_to_string(f"emails/{template}_body.html", full_context)
    email = OutboxEmail.objects.create(
        to=to,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        template=template,
        next_attempt_at=timezone.now(),
    )
    email_id = str(email.pk)
    transaction.on_commit(lambda: _enqueue(email_id))
    return email


def _enqueue(email_id: str, run_after: dt.datetime | None = None) -> None:
    try:
        if run_after is None:
            deliver_email.enqueue(email_id)
        else:
            deliver_email.using(run_after=run_after).enqueue(email_id)
    except InvalidTaskError:
        # A backend without deferred tasks: the relay (send_outbox) retries when due.
        logger.info("outbox %s: retry left to the relay", email_id)
    except Exception as exc:
        # The queue (Redis) is down: the row is committed and the relay sends it when due.
        logger.warning("outbox %s: could not be queued (%s); the relay will send it", email_id, type(exc).__name__)


def _claim(email_id: str) -> OutboxEmail | None:
    """Take the row for this sender only; a second sender of the same id gets None."""
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            OutboxEmail.objects.filter(pk=email_id, next_attempt_at__lte=now)
            .filter(
                status__in=[OutboxEmail.Status.PENDING, OutboxEmail.Status.SENDING],
            )
            .exclude(status=OutboxEmail.Status.SENDING, claimed_until__gt=now)
            .update(status=OutboxEmail.Status.SENDING, claimed_until=now + LEASE)
        )
    if not claimed:
        return None
    return OutboxEmail.objects.get(pk=email_id)


def deliver(email_id: str) -> bool:
    """Send one outbox email if it is due; True when it was sent by this call."""
    email = _claim(email_id)
    if email is None:
        return False
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": f"<{email.pk}@{settings.RVS_MESSAGE_ID_DOMAIN}>"},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        _failed(email, exc)
        return False
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=OutboxEmail.Status.SENT, sent_at=timezone.now(), attempts=email.attempts + 1, last_error=""
    )
    return True


def _failed(email: OutboxEmail, exc: BaseException) -> None:
    attempts = email.attempts + 1
    now = timezone.now()
    delay = min(dt.timedelta(minutes=2 ** (attempts - 1)), MAX_DELAY)
    give_up = now - email.created_at > dt.timedelta(hours=settings.OUTBOX_RETRY_HOURS)
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=OutboxEmail.Status.FAILED if give_up else OutboxEmail.Status.PENDING,
        attempts=attempts,
        next_attempt_at=now + delay,
        claimed_until=None,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
    logger.warning("outbox %s: attempt %d failed (%s)", email.pk, attempts, type(exc).__name__)
    if not give_up:
        email_id = str(email.pk)
        transaction.on_commit(lambda: _enqueue(email_id, run_after=now + delay))


def relay_due(limit: int = 500) -> int:
    """Deliver every email that is due (pending, or sending with an expired lease)."""
    now = timezone.now()
    due = (
        OutboxEmail.objects.filter(next_attempt_at__lte=now, status=OutboxEmail.Status.PENDING)
        | OutboxEmail.objects.filter(status=OutboxEmail.Status.SENDING, claimed_until__lte=now)
    ).values_list("pk", flat=True)[:limit]
    return sum(deliver(str(pk)) for pk in list(due))


@task()
def deliver_email(email_id: str) -> bool:
    return deliver(email_id)
