"""Filtering an organisation's activity log by person, kind and dates (issue 17, item 7).

The form is read from the query string (a GET form: a filtered page can be bookmarked and its
export link carries the same filters). Every choice narrows the organisation's own entries: the
queryset it filters is ``AuditEntry.objects.filter(organisation=...)``, never a wider one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rvs.core.date_parts import DatePartsField
from rvs.core.form_errors import NamedErrors
from rvs.core.models import AuditEntry
from rvs.organisations.activity import CANDIDATE_ACTIONS, STAFF_ACTIONS
from rvs.organisations.activity_sentences import organisation_kinds
from rvs.organisations.models import Membership, Organisation


@dataclass(frozen=True)
class KeyChoice:
    """One of the organisation's API keys, as the audit log labels it (``rvs.core.actors.actor_label``)."""

    public_id: str
    name: str
    prefix: str

    @property
    def label(self) -> str:
        return f"API key “{self.name}” (rvs_{self.prefix})"

    @property
    def display(self) -> str:
        """``label`` as the page's language writes it (the stored label stays English)."""
        return gettext("API key “%(name)s” (%(prefix)s)") % {"name": self.name, "prefix": f"rvs_{self.prefix}"}


def people(organisation: Organisation, keys: Iterable[KeyChoice], former: set[str]) -> dict[str, tuple[str, Q]]:
    """value -> (label, condition) for the "Person" choice: own users, removed users, keys, outsiders.

    ``former``: ``former_emails(organisation)``, the addresses that were the organisation's users.
    """
    choices: dict[str, tuple[str, Q]] = {}
    members = Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__full_name")
    current = set()
    for membership in members:
        user = membership.user
        current.add(user.email.casefold())
        label = f"{user.full_name} ({user.email})" if user.full_name else user.email  # data, not words
        choices[f"user-{membership.public_id}"] = (label, Q(actor_id=user.pk))
    for email in sorted(former - current):
        label = gettext("%(email)s (deleted user)") % {"email": email}
        choices[f"former-{email}"] = (label, Q(actor__isnull=True, actor_label__iexact=email))
    for key in keys:
        choices[f"key-{key.public_id}"] = (key.display, Q(actor__isnull=True, actor_label=key.label))
    choices["candidates"] = (gettext("Candidates"), Q(action__in=CANDIDATE_ACTIONS))
    choices["exam-board"] = (gettext("The exam board"), Q(action__in=STAFF_ACTIONS))
    return choices


class ActivityFilterForm(NamedErrors, forms.Form):
    error_phrases = {"person": _("a person"), "kind": _("a kind of activity")}

    person = forms.ChoiceField(label=_("Person"), required=False)
    kind = forms.ChoiceField(label=_("Kind of activity"), required=False)
    # Three boxes (day, month, year), as every date typed in the service (decision 0031); ISO works too.
    start = DatePartsField(label=_("From"), subject=_("The ‘From’ date"), required=False)
    end = DatePartsField(label=_("To"), subject=_("The ‘To’ date"), required=False)

    def __init__(self, data: object, *, people: dict[str, tuple[str, Q]]) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        self.people = people
        everyone = [("", gettext("Everyone")), *((value, label) for value, (label, _q) in people.items())]
        self.fields["person"].choices = everyone  # type: ignore[attr-defined]
        self.fields["kind"].choices = [("", gettext("All kinds")), *organisation_kinds()]  # type: ignore[attr-defined]
        self.fields["person"].error_messages["invalid_choice"] = gettext("Choose a person from the list.")
        self.fields["kind"].error_messages["invalid_choice"] = gettext("Choose a kind of activity from the list.")

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.add_error("end", gettext("The ‘To’ date must be the same as or after the ‘From’ date."))
        return cleaned

    @property
    def active(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.get(name) for name in ("person", "kind", "start", "end"))

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """``entries`` narrowed by the valid choices (an invalid form filters nothing: its errors show)."""
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        if data.get("person"):
            entries = entries.filter(self.people[data["person"]][1])
        if data.get("kind"):
            entries = entries.filter(action=data["kind"])
        zone = timezone.get_current_timezone()
        if data.get("start"):
            entries = entries.filter(at__gte=dt.datetime.combine(data["start"], dt.time.min, tzinfo=zone))
        if data.get("end"):
            day_after = data["end"] + dt.timedelta(days=1)
            entries = entries.filter(at__lt=dt.datetime.combine(day_after, dt.time.min, tzinfo=zone))
        return entries
