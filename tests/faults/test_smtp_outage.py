"""SMTP down for 10 minutes: the outbox keeps every email, backs off, and sends each exactly once.

A real aiosmtpd server: first its port is closed (connection refused), then it answers every
message with a temporary failure (451), and after 10 minutes it accepts again. The clock is
moved by time-machine while the relay runs every 30 seconds, as ``send_outbox --loop`` would.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from rvs.core.emails import deliver, queue_email, relay_due
from rvs.core.models import OutboxEmail
from tests.smtp import SmtpServer

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]
ADDRESSES = [f"admissions{i}@faults.example" for i in range(5)]


class _Refusing:
    """Wraps the test server's inbox: while ``refuse`` is set every message gets a 451."""

    def __init__(self, server: SmtpServer) -> None:
        self.refuse = False
        self.refused = 0
        self._inbox = server.inbox
        server.inbox = self  # type: ignore[assignment]
        self.lock = self._inbox.lock
        self.messages = self._inbox.messages

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refused += 1
            return "451 4.3.0 Mail server temporarily unavailable"
        result: str = await self._inbox.handle_DATA(server, session, envelope)
        return result


def test_it_delivers_each_email_exactly_once_after_a_ten_minute_outage(
    smtp: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    refusing = _Refusing(smtp)
    smtp.stop()  # minutes 0-5: nothing listens on the port
    start = timezone.now().replace(microsecond=0)
    attempts_seen: dict[str, list[dt.datetime]] = {}
    with time_machine.travel(start, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            for address in ADDRESSES:
                queue_email(to=address, template="result_shared", context={"organisation": "Faults Test"})
        emails = list(OutboxEmail.objects.order_by("to"))
        assert len(emails) == len(ADDRESSES)
        # The first delivery (right after commit) already failed for each of them.
        assert all(e.status == OutboxEmail.Status.PENDING and e.attempts == 1 for e in emails)
        for email in emails:
            attempts_seen[str(email.pk)] = [start]

        elapsed = dt.timedelta(0)
        while elapsed < dt.timedelta(minutes=10):
            clock.shift(dt.timedelta(seconds=30))
            elapsed += dt.timedelta(seconds=30)
            if elapsed == dt.timedelta(minutes=5):
                smtp.start()  # minutes 5-10: the server is up but refuses every message
                refusing.refuse = True
            before = {str(e.pk): e.attempts for e in OutboxEmail.objects.all()}
            assert relay_due() == 0
            for email in OutboxEmail.objects.all():
                if email.attempts > before[str(email.pk)]:
                    attempts_seen[str(email.pk)].append(timezone.now())
        assert smtp.messages == []
        assert refusing.refused > 0

        # Backoff respected: 1, 2, 4 then 8 minutes between attempts, never sooner.
        for times in attempts_seen.values():
            gaps = [(b - a) for a, b in itertools.pairwise(times)]
            assert gaps == [dt.timedelta(minutes=m) for m in (1, 2, 4)], gaps
        for email in OutboxEmail.objects.all():
            assert email.status == OutboxEmail.Status.PENDING
            assert email.attempts == 4
            assert email.next_attempt_at == start + dt.timedelta(minutes=15)
            assert "451" in email.last_error

        refusing.refuse = False  # minute 10: the server accepts again
        assert relay_due() == 0  # nothing is due before its backoff ends
        clock.shift(dt.timedelta(minutes=5))
        assert relay_due() == len(ADDRESSES)
        assert relay_due() == 0
        # A late task for an email already sent (its deferred retry) sends nothing.
        assert not any(deliver(str(e.pk)) for e in OutboxEmail.objects.all())
        clock.shift(dt.timedelta(hours=2))
        assert relay_due() == 0

    received = smtp.messages
    assert Counter(str(m["To"]) for m in received) == Counter(ADDRESSES)
    message_ids = Counter(str(m["Message-ID"]) for m in received)
    assert set(message_ids.values()) == {1}
    assert set(message_ids) == {f"<{e.pk}@rvs.invalid>" for e in emails}
    for email in OutboxEmail.objects.all():
        assert email.status == OutboxEmail.Status.SENT
        assert email.attempts == 5
        assert email.sent_at == start + dt.timedelta(minutes=15)


def test_it_gives_up_and_says_why_after_the_retry_window(smtp: SmtpServer, settings: Any) -> None:
    settings.OUTBOX_RETRY_HOURS = 1
    smtp.stop()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        email = queue_email(to="late@faults.example", template="result_shared", context={"organisation": "X"})
        for _ in range(12):
            relay_due()
            clock.shift(dt.timedelta(minutes=10))
        email.refresh_from_db()
        assert email.status == OutboxEmail.Status.FAILED
        assert "ConnectionRefusedError" in email.last_error
        smtp.start()
        clock.shift(dt.timedelta(hours=2))
        assert relay_due() == 0
    assert smtp.messages == []
