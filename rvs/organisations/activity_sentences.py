"""Each kind of audit entry as a sentence about what a person did (issue 17, item 7).

The activity log of an organisation reads "Amélie Rousseau downloaded 3 Statements of Results",
not ``download.created`` with the entry's data. ``KINDS`` holds one ``Kind`` per action code
written anywhere in ``rvs/`` (``tests/organisations/test_activity_sentences.py`` fails when a
code has none): a plain-language name (the filter and the export's "kind" column) and a sentence
builder (``rvs.organisations.activity_builders``). A builder reads only the entry's data as the
organisation may see it (``rvs.organisations.activity``); an action without a builder still gets
a readable sentence, never the code or the raw data. Names and sentences are translated when
read (issue 18); the action codes and the stored data are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rvs.organisations import activity_builders as b
from rvs.organisations.activity_builders import Sentence, Who, fixed

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["KINDS", "UNKNOWN", "Kind", "Who", "describe", "kind_of", "organisation_kinds"]


@dataclass(frozen=True)
class Kind:
    label: StrOrPromise  # plain-language name: "Download", "API key revoked" (translated when read)
    sentence: Sentence
    organisation: bool = True  # may appear in an organisation's log (offered in its filter)

    @property
    def name(self) -> str:
        return str(self.label)


def _thing(verb_named: StrOrPromise, verb_unnamed: StrOrPromise) -> Sentence:
    return b.named(verb_named, verb_unnamed)


KINDS: dict[str, Kind] = {
    # What an organisation's people and keys do
    "download.created": Kind(_("Download"), b.download),
    "bulk.verified": Kind(_("Bulk verification"), b.bulk),
    "ern.looked_up": Kind(_("Exam Reference Number look-up"), b.ern(found=True)),
    "ern.lookup_missed": Kind(_("Exam Reference Number look-up without a match"), b.ern(found=False)),
    "result.viewed": Kind(_("Result viewed"), fixed(_("%(who)s viewed a result"))),
    "template.created": Kind(_("Download template created"), _thing(
        _("%(who)s created the download template %(name)s"), _("%(who)s created the download template"))),
    "template.updated": Kind(_("Download template changed"), _thing(
        _("%(who)s changed the download template %(name)s"), _("%(who)s changed the download template"))),
    "template.deleted": Kind(_("Download template deleted"), _thing(
        _("%(who)s deleted the download template %(name)s"), _("%(who)s deleted the download template"))),
    "requirement.saved": Kind(_("Entry requirement saved"), _thing(
        _("%(who)s saved the entry requirement %(name)s"), _("%(who)s saved the entry requirement"))),
    "requirement.deleted": Kind(_("Entry requirement deleted"), _thing(
        _("%(who)s deleted the entry requirement %(name)s"), _("%(who)s deleted the entry requirement"))),
    "user.added": Kind(_("User added"), b.user_added),
    "user.updated": Kind(_("User changed"), b.user(
        _("%(who)s changed the details of the user %(person)s"), _("%(who)s changed the details of a user"))),
    "user.removed": Kind(_("User deleted"), b.user(
        _("%(who)s deleted the user %(person)s"), _("%(who)s deleted a user"))),
    "user.notifications_changed": Kind(_("Email notifications changed"), b.notifications),
    "organisation.updated": Kind(_("Organisation details changed"), b.organisation_updated),
    "organisation.exams_updated": Kind(_("Recognised exams changed"), b.exams_updated),
    "organisation.two_factor_required": Kind(
        _("Two-factor sign-in required"), fixed(_("%(who)s made two-factor sign-in required for every user"))
    ),
    "organisation.two_factor_optional": Kind(
        _("Two-factor sign-in optional"),
        fixed(_("%(who)s made two-factor sign-in optional for the organisation’s users")),
    ),
    "api_key.created": Kind(_("API key created"), b.key_created),
    "api_key.rotated": Kind(_("API key replaced"), b.key_rotated),
    "api_key.revoked": Kind(_("API key revoked"), b.key_revoked),
    "webhook.created": Kind(_("Webhook added"), b.webhook(
        _("%(who)s added the webhook to %(url)s"), _("%(who)s added a webhook"))),
    "webhook.deleted": Kind(_("Webhook deleted"), b.webhook(
        _("%(who)s deleted the webhook to %(url)s"), _("%(who)s deleted a webhook"))),
    "webhook.enabled": Kind(_("Webhook turned back on"), b.webhook(
        _("%(who)s turned back on the webhook to %(url)s"), _("%(who)s turned back on a webhook"))),
    "webhook.disabled": Kind(
        _("Webhook turned off"), b.with_reason(_("%(who)s turned off a webhook after repeated failures"))
    ),
    # What candidates and the exam board do concerning the organisation
    "share.created": Kind(_("Result shared by a candidate"), b.share_created),
    "share.revoked": Kind(
        _("Sharing stopped by a candidate"), fixed(_("%(who)s stopped sharing a result with your organisation"))
    ),
    "registration.approved": Kind(_("Registration approved"), b.registration(
        _("%(who)s approved the registration of %(name)s"), _("%(who)s approved your organisation’s registration"))),
    "organisation.suspended": Kind(
        _("Organisation suspended"), b.with_reason(_("%(who)s suspended your organisation’s access"))
    ),
    "organisation.reinstated": Kind(
        _("Organisation reinstated"), b.with_reason(_("%(who)s reinstated your organisation’s access"))
    ),
    "organisation.primary_changed": Kind(_("Primary User changed"), b.primary_changed),
    # Entries of the exam board's own log (never in an organisation's): sentences all the same
    "registration.submitted": Kind(_("Registration submitted"), b.registration(
        _("%(who)s submitted the registration of %(name)s"), _("%(who)s submitted your organisation’s registration")),
        organisation=False),
    "registration.rejected": Kind(_("Registration rejected"), b.registration(
        _("%(who)s rejected the registration of %(name)s"), _("%(who)s rejected your organisation’s registration")),
        organisation=False),
    "result.withdrawn": Kind(_("Result withdrawn"), b.with_reason(_("%(who)s withdrew a result")), organisation=False),
    "result.corrected": Kind(_("Result corrected"), b.with_reason(_("%(who)s corrected a result")), organisation=False),
    "results.import_queued": Kind(
        _("Results import started"), fixed(_("%(who)s started a results import")), organisation=False
    ),
    "results.import_expired": Kind(_("Results import expired"), b.import_expired, organisation=False),
    "results.import_checked": Kind(_("Results import checked"), b.import_checked, organisation=False),
    "results.imported": Kind(_("Results imported"), b.imported, organisation=False),
    "statement.verified": Kind(_("Statement of Results checked"), b.statement, organisation=False),
    "audit.exported": Kind(_("Audit log exported"), fixed(_("%(who)s exported the audit log")), organisation=False),
    "demo.seeded": Kind(_("Demonstration data loaded"), b.seeded, organisation=False),
    "user.password_set": Kind(_("Password set"), fixed(_("%(who)s set their password")), organisation=False),
    "user.password_changed": Kind(
        _("Password changed"), fixed(_("%(who)s changed their password")), organisation=False
    ),
    "candidate.signed_up": Kind(
        _("Candidate account created"), fixed(_("%(who)s created a candidate account")), organisation=False
    ),
    "candidate.sign_up_refused": Kind(
        _("Candidate account refused"), b.with_reason(_("%(who)s was refused a candidate account")), organisation=False
    ),
    "candidate.email_confirmed": Kind(
        _("Email address confirmed"), fixed(_("%(who)s confirmed their email address")), organisation=False
    ),
    "candidate.invited_organisation": Kind(_("Organisation invited"), b.invited, organisation=False),
    "candidate.secret_number_locked": Kind(
        _("Candidate sign-up locked"), fixed(_("%(who)s locked a candidate’s sign-up after wrong numbers")),
        organisation=False,
    ),
    "candidate.secret_number_unlocked": Kind(
        _("Candidate sign-up unlocked"), fixed(_("%(who)s unlocked a candidate’s sign-up")), organisation=False
    ),
    "staff.second_factor_enrolled": Kind(
        _("Second factor set up"), fixed(_("%(who)s set up their second sign-in factor")), organisation=False
    ),
    "staff.second_factor_passed": Kind(
        _("Second factor passed"), fixed(_("%(who)s signed in with their second factor")), organisation=False
    ),
    "staff.second_factor_failed": Kind(
        _("Second factor failed"), fixed(_("%(who)s entered a wrong second-factor code")), organisation=False
    ),
    "admin.added": Kind(
        _("Record added (administration)"), fixed(_("%(who)s added a record in the administration site")),
        organisation=False,
    ),
    "admin.changed": Kind(
        _("Record changed (administration)"), fixed(_("%(who)s changed a record in the administration site")),
        organisation=False,
    ),
    "admin.deleted": Kind(
        _("Record deleted (administration)"), fixed(_("%(who)s deleted a record in the administration site")),
        organisation=False,
    ),
    "admin.action": Kind(
        _("Action run (administration)"), fixed(_("%(who)s ran an action on records in the administration site")),
        organisation=False,
    ),
}  # fmt: skip

UNKNOWN = Kind(_("Other activity"), fixed(_("%(who)s did something this log cannot describe in words yet")))


def kind_of(action: str) -> Kind:
    return KINDS.get(action, UNKNOWN)


def describe(action: str, who: Who, data: Any) -> str:
    """The sentence for one entry; a builder that cannot read odd data falls back to the generic one."""
    mapping = data if isinstance(data, Mapping) else {}
    try:
        text = kind_of(action).sentence(who, mapping)
    except (TypeError, ValueError, AttributeError):
        text = UNKNOWN.sentence(who, mapping)
    # Each subject is written capitalised where it needs to be (never an email address).
    # Translators: the end of an activity sentence ("Amélie Rousseau viewed a result.")
    return gettext("%(sentence)s.") % {"sentence": text}


def organisation_kinds() -> list[tuple[str, str]]:
    """(action, plain name) of what an organisation's log may hold, by name: the filter's choices."""
    return sorted(((action, kind.name) for action, kind in KINDS.items() if kind.organisation), key=lambda c: c[1])
