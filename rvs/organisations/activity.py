"""An organisation's own activity log, as its Primary User may read it (issue 15, item 5).

The log of an organisation also holds what others did to it: candidates sharing and revoking,
the exam board's staff suspending it or changing its Primary User. Those people are not the
organisation's: they appear as "the candidate" and "the exam board", without their email, address,
request id or written reason. Decided per entry from who acted, deny by default: only the
organisation's own users (current, or removed ones it added) and its own API keys keep their
details. The staff's search of the whole log is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model

from rvs.core.models import AuditEntry
from rvs.organisations.models import Membership, Organisation

THE_CANDIDATE = "the candidate"
THE_EXAM_BOARD = "the exam board"
THE_SERVICE = "the service"
SOMEONE_ELSE = "someone outside your organisation"

# Only staff can do these to an organisation: the actor is the exam board even if that staff
# member's user has since been deleted and only the label is left.
STAFF_ACTIONS = frozenset(
    {"organisation.suspended", "organisation.reinstated", "organisation.primary_changed", "registration.approved"}
)
# Only candidates do these; the same reasoning for a candidate whose account is gone.
CANDIDATE_ACTIONS = frozenset({"share.created", "share.revoked"})
# What an outsider's entry may still show in its details: about the organisation's own share or users.
OUTSIDER_DATA_KEYS = frozenset({"result", "share", "include_photo", "from", "to"})
# actor_label() of an API key: only the organisation's own keys act within it.
API_KEY_LABEL = "API key “"


@dataclass(frozen=True)
class ActivityRow:
    """One entry as shown to the organisation; the attribute names are those of ``AuditEntry``."""

    at: Any
    action: str
    actor_label: str
    organisation: Organisation | None
    object_type: str
    object_id: str
    data: dict[str, Any] = field(default_factory=dict)
    ip: str = ""
    request_id: str = ""


class _Actors:
    """Whether each entry's actor is one of the organisation's own, remembered across chunks."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.kinds: dict[int, str] = {}  # user id -> "own", "staff" or "candidate"
        # Users removed from the organisation are deleted; their entries keep the label only, and
        # the log itself says which addresses were the organisation's users.
        known = AuditEntry.objects.filter(
            organisation=organisation, action__in=("user.added", "user.removed")
        ).values_list("data", flat=True)
        self.former = {str(data.get("email", "")).casefold() for data in known if isinstance(data, dict)} - {""}

    def learn(self, entries: Iterable[AuditEntry]) -> None:
        ids = {entry.actor_id for entry in entries if entry.actor_id is not None} - self.kinds.keys()
        if not ids:
            return
        own = set(
            Membership.objects.filter(organisation=self.organisation, user_id__in=ids).values_list("user_id", flat=True)
        )
        staff = set(get_user_model().objects.filter(pk__in=ids, is_staff=True).values_list("pk", flat=True))
        for user_id in ids:
            self.kinds[user_id] = "own" if user_id in own else "staff" if user_id in staff else "candidate"

    def who(self, entry: AuditEntry) -> str | None:
        """The label an outsider is shown as, or None when the actor is the organisation's own."""
        if entry.actor_id is not None:
            kind = self.kinds[entry.actor_id]
            return None if kind == "own" else THE_EXAM_BOARD if kind == "staff" else THE_CANDIDATE
        label = entry.actor_label
        if label.startswith(API_KEY_LABEL) or (label and label.casefold() in self.former):
            return None
        if entry.action in STAFF_ACTIONS:
            return THE_EXAM_BOARD
        if entry.action in CANDIDATE_ACTIONS:
            return THE_CANDIDATE
        if label in ("", "system"):
            return THE_SERVICE
        return SOMEONE_ELSE


def _row(entry: AuditEntry, outsider: str | None) -> ActivityRow:
    what: dict[str, Any] = {
        "at": entry.at,
        "action": entry.action,
        "organisation": entry.organisation,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
    }
    if outsider is None:
        return ActivityRow(
            **what, actor_label=entry.actor_label, data=entry.data, ip=entry.ip or "", request_id=entry.request_id
        )
    data = {key: value for key, value in entry.data.items() if key in OUTSIDER_DATA_KEYS}
    if outsider == THE_SERVICE:
        data = entry.data  # the service's own reasons (a webhook turned off) are about the organisation's setup
    return ActivityRow(**what, actor_label=outsider, data=data)


def activity_rows(
    organisation: Organisation, entries: Iterable[AuditEntry], chunk: int = 2000
) -> Iterator[ActivityRow]:
    """``entries`` of ``organisation``'s log as it may see them, read ``chunk`` at a time."""
    actors = _Actors(organisation)
    batch: list[AuditEntry] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) >= chunk:
            yield from _rows(actors, batch)
            batch = []
    yield from _rows(actors, batch)


def _rows(actors: _Actors, batch: list[AuditEntry]) -> Iterator[ActivityRow]:
    actors.learn(batch)
    for entry in batch:
        yield _row(entry, actors.who(entry))
