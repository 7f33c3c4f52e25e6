"""Issue 16 item 2: core knows no feature; the apps fill its registries at start-up (decision 0023).

The home page's redirects, the relays ``send_outbox`` runs and the handlers of recorded events
used to be imported by core from the apps (candidates, api, backoffice, downloads); now each app
registers them in its ``AppConfig.ready()``. These tests hold the behaviour to what it was.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.timezone import now

from rvs.api import webhooks
from rvs.core import events, home, relays
from rvs.core.models import Event, OutboxEmail
from tests.candidates.test_candidate_site import _account
from tests.conftest import client_for, make_staff


def test_every_app_registered_its_home_page_relay_and_event_handler() -> None:
    assert home.registered() == ["organisation", "candidate", "staff"]
    assert [(relay.name, relay.line) for relay in relays.registered()] == [
        ("emails", "outbox"),
        ("webhooks", "outbox"),
        ("downloads", "downloads"),
        ("imports", "imports"),
    ]
    assert webhooks.dispatch_event in events._HANDLERS


@pytest.mark.django_db
def test_home_sends_each_kind_of_user_to_their_start_page(member: Any) -> None:
    assert Client().get(reverse("home")).status_code == 200  # visitors: the public page
    assert client_for(member).get(reverse("home")).url == reverse("results:dashboard")
    assert client_for(make_staff()).get(reverse("home")).url == reverse("backoffice:queue")
    assert client_for(_account().user).get(reverse("home")).url == reverse("candidates:results")


def test_relays_on_one_line_are_reported_together_and_only_when_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def relay(name: str, report: relays.Report) -> Any:
        def run() -> relays.Report:
            ran.append(name)
            return report

        return run

    monkeypatch.setattr(relays, "_RELAYS", {})
    relays.register("b", relay("b", relays.Report("delivered 0 thing(s)", False)), order=2, line="first")
    relays.register("c", relay("c", relays.counts_report("jobs", {"requeued": 0, "failed": 0})), order=3)
    relays.register("a", relay("a", relays.Report("sent 2 email(s)", True)), order=1, line="first")
    relays.register("d", relay("d", relays.counts_report("files", {"requeued": 1, "failed": 0})), order=4)

    assert relays.run_all() == ["sent 2 email(s), delivered 0 thing(s)", "files: 1 queued again, 0 failed"]
    assert ran == ["a", "b", "c", "d"]


@pytest.mark.django_db
def test_send_outbox_prints_nothing_when_idle_and_the_outbox_line_when_an_email_went() -> None:
    out = io.StringIO()
    call_command("send_outbox", stdout=out)
    assert out.getvalue() == ""
    OutboxEmail.objects.create(
        to="someone@example.org", subject="s", body_text="b", template="t", next_attempt_at=now()
    )
    call_command("send_outbox", stdout=out)
    assert out.getvalue() == "sent 1 email(s), delivered 0 webhook(s)\n"


@pytest.mark.django_db(transaction=True)
def test_an_event_is_handed_to_the_registered_handlers_after_its_commit(
    org_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    monkeypatch.setattr(events, "_HANDLERS", [])
    events.on_event(seen.append)
    events.on_event(seen.append)  # registered once
    with transaction.atomic():
        event = events.record_event(Event.Kind.TEST, organisation=org_a)
        assert seen == []
    assert seen == [event.pk]
