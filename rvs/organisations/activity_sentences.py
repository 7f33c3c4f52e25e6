"""Each kind of audit entry as a sentence about what a person did (issue 17, item 7).

The activity log of an organisation reads "Amélie Rousseau downloaded 3 Statements of Results",
not ``download.created`` with the entry's data. ``KINDS`` holds one ``Kind`` per action code
written anywhere in ``rvs/`` (``tests/organisations/test_activity_sentences.py`` fails when a
code has none): a plain-language name (the filter and the export's "kind" column) and a sentence
builder. A builder reads only the entry's data as the organisation may see it
(``rvs.organisations.activity``); an action without a builder still gets a readable sentence,
never the code or the raw data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Who:
    """The person (or key, or service) an entry names, as the subject and as the object of a sentence."""

    subject: str  # "Amélie Rousseau", "The API key ‘Admissions CRM’", "A candidate"
    object: str  # "Amélie Rousseau", "the API key ‘Admissions CRM’", "a candidate"


Sentence = Callable[[Who, Mapping[str, Any]], str]


@dataclass(frozen=True)
class Kind:
    name: str  # plain-language name: "Download", "API key revoked"
    sentence: Sentence
    organisation: bool = True  # may appear in an organisation's log (offered in its filter)


def _text(data: Mapping[str, Any], key: str, limit: int = 120) -> str:
    value = data.get(key)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _number(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _quoted(text: str) -> str:
    return f"‘{text}’"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def _listed(values: Any) -> str:
    items = [str(v) for v in values if isinstance(v, str | int)] if isinstance(values, list) else []
    if len(items) > 6:
        items = [*items[:6], f"{len(items) - 6} more"]
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def _named(data: Mapping[str, Any], what: str) -> str:
    name = _text(data, "name")
    return f"{what} {_quoted(name)}" if name else f"a {what}" if not what.startswith("the ") else what


def fixed(text: str) -> Sentence:
    """A sentence that names the person at its start: ``fixed("viewed a result")``."""
    return lambda who, data: f"{who.subject} {text}"


# ---- builders that read the entry's data ------------------------------------------------------


def _download(who: Who, data: Mapping[str, Any]) -> str:
    count = _number(data, "results")
    fmt = _text(data, "format", 12).upper()
    if fmt == "PDF":
        what = (
            plural(count, "Statement of Results", "Statements of Results")
            if count is not None
            else "Statements of Results"
        )
        text = f"{who.subject} downloaded {what}"
    else:
        what = plural(count, "result") if count is not None else "results"
        text = f"{who.subject} downloaded {what}" + (f" as {fmt}" if fmt else "")
        template = _text(data, "template")
        if template:
            text += f" with the template {_quoted(template)}"
    omitted = _number(data, "omitted")
    if omitted:
        text += f" ({plural(omitted, 'result')} left out: no longer shared)"
    return text


def _bulk(who: Who, data: Mapping[str, Any]) -> str:
    rows = _number(data, "rows")
    counts = data.get("counts") if isinstance(data.get("counts"), dict) else {}
    assert isinstance(counts, dict)
    verified = counts.get("verified", 0) if isinstance(counts.get("verified", 0), int) else 0
    file = _text(data, "file", 80)
    text = (
        f"{who.subject} checked {plural(rows, 'applicant') if rows is not None else 'applicants'} by bulk verification"
    )
    text += f" (file {_quoted(file)})" if file else " through the API"
    if rows is not None:
        text += f": {verified:,} verified, {rows - verified:,} not"
    return text


def _ern(found: bool) -> Sentence:
    def build(who: Who, data: Mapping[str, Any]) -> str:
        end = _text(data, "ern_end", 8)
        ending = f" ending {end}" if end else ""
        if found:
            return f"{who.subject} found a result by its Exam Reference Number{ending}"
        return f"{who.subject} looked up the Exam Reference Number{ending}: no result matched"

    return build


def _share_created(who: Who, data: Mapping[str, Any]) -> str:
    photo = " with the candidate’s photo" if data.get("include_photo") is True else ""
    return f"{who.subject} shared a result with your organisation{photo}"


def _user_added(who: Who, data: Mapping[str, Any]) -> str:
    person = _text(data, "name") or _text(data, "email") or "a user"
    role = _text(data, "role", 40)
    return f"{who.subject} added the user {person}" + (f" ({role})" if role else "")


def _user(verb: str) -> Sentence:
    def build(who: Who, data: Mapping[str, Any]) -> str:
        person = _text(data, "name") or _text(data, "email")
        return f"{who.subject} {verb} " + (f"the user {person}" if person else "a user")

    return build


def _notifications(who: Who, data: Mapping[str, Any]) -> str:
    state = "on" if data.get("notify_on_share") is True else "off"
    return f"{who.subject} turned {state} their emails about newly shared results"


def _organisation_updated(who: Who, data: Mapping[str, Any]) -> str:
    fields = data.get("fields")
    named = _listed([str(f).replace("_", " ") for f in fields] if isinstance(fields, list) else [])
    return f"{who.subject} changed your organisation’s details" + (f" ({named})" if named else "")


def _exams_updated(who: Who, data: Mapping[str, Any]) -> str:
    parts = [f"added {_listed(data.get('added'))}" if data.get("added") else ""]
    parts.append(f"removed {_listed(data.get('removed'))}" if data.get("removed") else "")
    changes = "; ".join(p for p in parts if p)
    return f"{who.subject} changed the exams your organisation recognises" + (f" ({changes})" if changes else "")


def _primary_changed(who: Who, data: Mapping[str, Any]) -> str:
    new, old = _text(data, "to"), _text(data, "from")
    text = f"{who.subject} made {new or 'another user'} the Primary User"
    return text + (f" instead of {old}" if old else "")


def _with_reason(text: str) -> Sentence:
    def build(who: Who, data: Mapping[str, Any]) -> str:
        reason = _text(data, "reason", 200)
        return f"{who.subject} {text}" + (f" (reason: {reason})" if reason else "")

    return build


def _key_created(who: Who, data: Mapping[str, Any]) -> str:
    scope = _text(data, "scope", 20)
    access = {"read": "read-only", "write": "read and download"}.get(scope, "")
    return f"{who.subject} created {_named(data, 'the API key')}" + (f" ({access} access)" if access else "")


def _key_rotated(who: Who, data: Mapping[str, Any]) -> str:
    hours = _number(data, "overlap_hours")
    text = f"{who.subject} replaced {_named(data, 'the API key')} with a new key"
    return text + (f"; the old one kept working for {plural(hours, 'hour')}" if hours else "")


def _key_revoked(who: Who, data: Mapping[str, Any]) -> str:
    named = _named(data, "API key")
    return f"The {named.removeprefix('a ')} was revoked by {who.object}"


def _webhook(verb: str) -> Sentence:
    def build(who: Who, data: Mapping[str, Any]) -> str:
        url = _text(data, "url", 200)
        events = _listed(data.get("events"))
        text = f"{who.subject} {verb} " + (f"the webhook to {url}" if url else "a webhook")
        return text + (f" (events: {events})" if events else "")

    return build


def _named_thing(verb: str, what: str) -> Sentence:
    return lambda who, data: f"{who.subject} {verb} {_named(data, what)}"


def _statement(who: Who, data: Mapping[str, Any]) -> str:
    verdict = "authentic" if data.get("authentic") is True else "not authentic"
    return f"{who.subject} checked a Statement of Results on the public page: {verdict}"


def _invited(who: Who, data: Mapping[str, Any]) -> str:
    name = _text(data, "organisation")
    return (
        f"{who.subject} invited "
        + (f"the organisation {_quoted(name)}" if name else "an organisation")
        + " to the service"
    )


def _registration(verb: str) -> Sentence:
    def build(who: Who, data: Mapping[str, Any]) -> str:
        name = _text(data, "organisation")
        return f"{who.subject} {verb} " + (
            f"the registration of {_quoted(name)}" if name else "your organisation’s registration"
        )

    return build


def _import(who: Who, data: Mapping[str, Any]) -> str:
    file = _text(data, "file", 80)
    return "A results import that was never confirmed expired" + (f" (file {_quoted(file)})" if file else "")


def _import_checked(who: Who, data: Mapping[str, Any]) -> str:
    file, rows, problems = _text(data, "file", 80), _number(data, "rows"), _number(data, "problems")
    text = f"{who.subject} checked a results file" + (f" ({_quoted(file)})" if file else "")
    if rows is not None:
        text += f": {plural(rows, 'row')}, {plural(problems or 0, 'problem')}"
    return text


def _imported(who: Who, data: Mapping[str, Any]) -> str:
    created = _number(data, "created")
    return f"{who.subject} imported " + (plural(created, "new result") if created is not None else "results")


def _seeded(who: Who, data: Mapping[str, Any]) -> str:
    count = _number(data, "results")
    return "The demonstration data was loaded" + (f" ({plural(count, 'result')})" if count is not None else "")


KINDS: dict[str, Kind] = {
    # What an organisation's people and keys do
    "download.created": Kind("Download", _download),
    "bulk.verified": Kind("Bulk verification", _bulk),
    "ern.looked_up": Kind("Exam Reference Number look-up", _ern(found=True)),
    "ern.lookup_missed": Kind("Exam Reference Number look-up without a match", _ern(found=False)),
    "result.viewed": Kind("Result viewed", fixed("viewed a result")),
    "template.created": Kind("Download template created", _named_thing("created", "the download template")),
    "template.updated": Kind("Download template changed", _named_thing("changed", "the download template")),
    "template.deleted": Kind("Download template deleted", _named_thing("deleted", "the download template")),
    "requirement.saved": Kind("Entry requirement saved", _named_thing("saved", "the entry requirement")),
    "requirement.deleted": Kind("Entry requirement deleted", _named_thing("deleted", "the entry requirement")),
    "user.added": Kind("User added", _user_added),
    "user.updated": Kind("User changed", _user("changed the details of")),
    "user.removed": Kind("User deleted", _user("deleted")),
    "user.notifications_changed": Kind("Email notifications changed", _notifications),
    "organisation.updated": Kind("Organisation details changed", _organisation_updated),
    "organisation.exams_updated": Kind("Recognised exams changed", _exams_updated),
    "organisation.two_factor_required": Kind(
        "Two-factor sign-in required", fixed("made two-factor sign-in required for every user")
    ),
    "organisation.two_factor_optional": Kind(
        "Two-factor sign-in optional", fixed("made two-factor sign-in optional for the organisation’s users")
    ),
    "api_key.created": Kind("API key created", _key_created),
    "api_key.rotated": Kind("API key replaced", _key_rotated),
    "api_key.revoked": Kind("API key revoked", _key_revoked),
    "webhook.created": Kind("Webhook added", _webhook("added")),
    "webhook.deleted": Kind("Webhook deleted", _webhook("deleted")),
    "webhook.enabled": Kind("Webhook turned back on", _webhook("turned back on")),
    "webhook.disabled": Kind("Webhook turned off", _with_reason("turned off a webhook after repeated failures")),
    # What candidates and the exam board do concerning the organisation
    "share.created": Kind("Result shared by a candidate", _share_created),
    "share.revoked": Kind("Sharing stopped by a candidate", fixed("stopped sharing a result with your organisation")),
    "registration.approved": Kind("Registration approved", _registration("approved")),
    "organisation.suspended": Kind("Organisation suspended", _with_reason("suspended your organisation’s access")),
    "organisation.reinstated": Kind("Organisation reinstated", _with_reason("reinstated your organisation’s access")),
    "organisation.primary_changed": Kind("Primary User changed", _primary_changed),
    # Entries of the exam board's own log (never in an organisation's): sentences all the same
    "registration.submitted": Kind("Registration submitted", _registration("submitted"), organisation=False),
    "registration.rejected": Kind("Registration rejected", _registration("rejected"), organisation=False),
    "result.withdrawn": Kind("Result withdrawn", _with_reason("withdrew a result"), organisation=False),
    "result.corrected": Kind("Result corrected", _with_reason("corrected a result"), organisation=False),
    "results.import_queued": Kind("Results import started", fixed("started a results import"), organisation=False),
    "results.import_expired": Kind("Results import expired", _import, organisation=False),
    "results.import_checked": Kind("Results import checked", _import_checked, organisation=False),
    "results.imported": Kind("Results imported", _imported, organisation=False),
    "statement.verified": Kind("Statement of Results checked", _statement, organisation=False),
    "audit.exported": Kind("Audit log exported", fixed("exported the audit log"), organisation=False),
    "demo.seeded": Kind("Demonstration data loaded", _seeded, organisation=False),
    "user.password_set": Kind("Password set", fixed("set their password"), organisation=False),
    "user.password_changed": Kind("Password changed", fixed("changed their password"), organisation=False),
    "candidate.signed_up": Kind("Candidate account created", fixed("created a candidate account"), organisation=False),
    "candidate.sign_up_refused": Kind(
        "Candidate account refused", _with_reason("was refused a candidate account"), organisation=False
    ),
    "candidate.email_confirmed": Kind(
        "Email address confirmed", fixed("confirmed their email address"), organisation=False
    ),
    "candidate.invited_organisation": Kind("Organisation invited", _invited, organisation=False),
    "candidate.secret_number_locked": Kind(
        "Candidate sign-up locked", fixed("locked a candidate’s sign-up after wrong numbers"), organisation=False
    ),
    "candidate.secret_number_unlocked": Kind(
        "Candidate sign-up unlocked", fixed("unlocked a candidate’s sign-up"), organisation=False
    ),
    "staff.second_factor_enrolled": Kind(
        "Second factor set up", fixed("set up their second sign-in factor"), organisation=False
    ),
    "staff.second_factor_passed": Kind(
        "Second factor passed", fixed("signed in with their second factor"), organisation=False
    ),
    "staff.second_factor_failed": Kind(
        "Second factor failed", fixed("entered a wrong second-factor code"), organisation=False
    ),
    "admin.added": Kind(
        "Record added (administration)", fixed("added a record in the administration site"), organisation=False
    ),
    "admin.changed": Kind(
        "Record changed (administration)", fixed("changed a record in the administration site"), organisation=False
    ),
    "admin.deleted": Kind(
        "Record deleted (administration)", fixed("deleted a record in the administration site"), organisation=False
    ),
    "admin.action": Kind(
        "Action run (administration)", fixed("ran an action on records in the administration site"), organisation=False
    ),
}

UNKNOWN = Kind("Other activity", fixed("did something this log cannot describe in words yet"))


def kind_of(action: str) -> Kind:
    return KINDS.get(action, UNKNOWN)


def describe(action: str, who: Who, data: Any) -> str:
    """The sentence for one entry; a builder that cannot read odd data falls back to the generic one."""
    mapping = data if isinstance(data, Mapping) else {}
    try:
        text = kind_of(action).sentence(who, mapping)
    except (TypeError, ValueError, AttributeError):
        text = UNKNOWN.sentence(who, mapping)
    return text + "."  # each subject is written capitalised where it needs to be (never an email address)


def organisation_kinds() -> list[tuple[str, str]]:
    """(action, plain name) of what an organisation's log may hold, by name: the filter's choices."""
    return sorted(((action, kind.name) for action, kind in KINDS.items() if kind.organisation), key=lambda c: c[1])
