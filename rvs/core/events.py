"""Recording events for the changes feed and webhooks, in the caller's transaction.

Core knows no feature (decision 0023): what happens to an event once its transaction commits is
up to the handlers the apps register with ``on_event`` in their ``AppConfig.ready()`` (the API
registers its webhook dispatch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models, transaction

from rvs.core.models import Event
from rvs.core.permissions import OrganisationLike

EventHandler = Callable[[int], None]  # called with the event's id, after the commit

_HANDLERS: list[EventHandler] = []


def on_event(handler: EventHandler) -> None:
    """Call ``handler(event_id)`` for every event once its transaction commits (registered once)."""
    if handler not in _HANDLERS:
        _HANDLERS.append(handler)


def record_event(
    kind: str, *, organisation: OrganisationLike, result: models.Model | None = None, data: dict[str, Any] | None = None
) -> Event:
    """Store the event now; its handlers (webhook deliveries) run only once the transaction commits.

    By key: core knows the organisation and the result only as what permissions read and a row (decision 0026).
    """
    event = Event.objects.create(
        organisation_id=organisation.pk,
        kind=kind,
        result_id=result.pk if result is not None else None,
        data=data or {},
    )
    event_id = event.pk
    transaction.on_commit(lambda: _dispatch(event_id))
    return event


def _dispatch(event_id: int) -> None:
    for handler in list(_HANDLERS):
        handler(event_id)
