"""Recording events for the changes feed and webhooks, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from rvs.core.models import Event


def record_event(kind: str, *, organisation: Any, result: Any = None, data: dict[str, Any] | None = None) -> Event:
    """Store the event now; webhook deliveries are queued only once the transaction commits."""
    event = Event.objects.create(organisation=organisation, kind=kind, result=result, data=data or {})
    event_id = event.pk
    transaction.on_commit(lambda: _dispatch(event_id))
    return event


def _dispatch(event_id: int) -> None:
    from rvs.api.webhooks import dispatch_event

    dispatch_event(event_id)
