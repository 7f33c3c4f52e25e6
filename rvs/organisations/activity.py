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
from django.utils.translation import gettext as _

from rvs.core.models import AuditEntry
from rvs.organisations.activity_sentences import Who, describe, kind_of
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
    person: str = ""  # who, as the page names them: "Amélie Rousseau", "A candidate"
    kind: str = ""  # the action's plain-language name (rvs.organisations.activity_sentences)
    sentence: str = ""  # "Amélie Rousseau downloaded 3 Statements of Results."


def former_emails(organisation: Organisation) -> set[str]:
    """Addresses that were the organisation's users (casefolded), current ones included.

    Users removed from the organisation are deleted; their entries keep the label only, and the
    log itself says which addresses were the organisation's users.
    """
    known = AuditEntry.objects.filter(organisation=organisation, action__in=("user.added", "user.removed")).values_list(
        "data", flat=True
    )
    return {str(data.get("email", "")).casefold() for data in known if isinstance(data, dict)} - {""}


class _Actors:
    """Whether each entry's actor is one of the organisation's own, remembered across chunks."""

    def __init__(self, organisation: Organisation, former: set[str] | None = None) -> None:
        self.organisation = organisation
        self.kinds: dict[int, str] = {}  # user id -> "own", "staff" or "candidate"
        self.names: dict[int, str] = {}  # own user id -> full name (when they gave one)
        self.former = former_emails(organisation) if former is None else former

    def learn(self, entries: Iterable[AuditEntry]) -> None:
        ids = {entry.actor_id for entry in entries if entry.actor_id is not None} - self.kinds.keys()
        if not ids:
            return
        own = dict(
            Membership.objects.filter(organisation=self.organisation, user_id__in=ids).values_list(
                "user_id", "user__full_name"
            )
        )
        self.names.update((user_id, name) for user_id, name in own.items() if name)
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


def outsider_person(outsider: str) -> Who:
    """How an outsider is named as the subject of a sentence and in the "person" column (in the page's language)."""
    if outsider == THE_CANDIDATE:
        return Who(_("A candidate"), _("a candidate"))
    if outsider == THE_EXAM_BOARD:
        return Who(_("The exam board"), _("the exam board"))
    if outsider == THE_SERVICE:
        return Who(_("The service"), _("the service"))
    return Who(_("Someone outside your organisation"), _("someone outside your organisation"))


def key_person(label: str) -> str:
    """An API key's stored label ("API key “CRM” (rvs_ab12)", English) as the page's language writes it."""
    name, _quote, rest = label.removeprefix(API_KEY_LABEL).rpartition("”")
    prefix = rest.strip().removeprefix("(").removesuffix(")")
    if not name or not prefix:
        return label
    # Translators: an API key in the activity log's "person" column: its name and the start of the key
    return _("API key “%(name)s” (%(prefix)s)") % {"name": name, "prefix": prefix}


def _own_person(entry: AuditEntry, names: dict[int, str]) -> Who:
    label = entry.actor_label
    if label.startswith(API_KEY_LABEL):
        name = label.removeprefix(API_KEY_LABEL).rsplit("”", 1)[0]
        return Who(_("The API key ‘%(name)s’") % {"name": name}, _("the API key ‘%(name)s’") % {"name": name})
    name = names.get(entry.actor_id or 0) or label or _("Someone in your organisation")
    return Who(name, name)


def _row(entry: AuditEntry, outsider: str | None, names: dict[int, str]) -> ActivityRow:
    who = _own_person(entry, names) if outsider is None else outsider_person(outsider)
    what: dict[str, Any] = {
        "at": entry.at,
        "action": entry.action,
        "organisation": entry.organisation,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "kind": kind_of(entry.action).name,
    }
    if outsider is None:
        what["person"] = key_person(entry.actor_label) if entry.actor_label.startswith(API_KEY_LABEL) else who.subject
        what["sentence"] = describe(entry.action, who, entry.data)
        return ActivityRow(
            **what, actor_label=entry.actor_label, data=entry.data, ip=entry.ip or "", request_id=entry.request_id
        )
    data = {key: value for key, value in entry.data.items() if key in OUTSIDER_DATA_KEYS}
    if outsider == THE_SERVICE:
        data = entry.data  # the service's own reasons (a webhook turned off) are about the organisation's setup
    return ActivityRow(
        **what, actor_label=outsider, data=data, person=who.subject, sentence=describe(entry.action, who, data)
    )


def activity_rows(
    organisation: Organisation, entries: Iterable[AuditEntry], chunk: int = 2000, former: set[str] | None = None
) -> Iterator[ActivityRow]:
    """``entries`` of ``organisation``'s log as it may see them, read ``chunk`` at a time.

    ``former``: ``former_emails(organisation)`` when the caller has read it already.
    """
    actors = _Actors(organisation, former)
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
        yield _row(entry, actors.who(entry), actors.names)
