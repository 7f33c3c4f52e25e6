"""The sentence builders of the activity log (``rvs.organisations.activity_sentences`` names the kinds).

A builder reads only the entry's data as the organisation may see it and writes one sentence.
Translation (issue 18): each sentence is one msgid with named placeholders (``%(who)s`` the
person, the entry's data as ``%(name)s``, ``%(count)s``…), in the language of the page; the codes
and the stored data stay as they are. An optional remark (a reason, the events of a webhook) is a
pattern around the whole sentence (``%(sentence)s (reason: %(reason)s)``), so a translator can
place it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Who:
    """The person (or key, or service) an entry names, as the subject and as the object of a sentence."""

    subject: str  # "Amélie Rousseau", "The API key ‘Admissions CRM’", "A candidate"
    object: str  # "Amélie Rousseau", "the API key ‘Admissions CRM’", "a candidate"


Sentence = Callable[[Who, Mapping[str, Any]], str]


def _text(data: Mapping[str, Any], key: str, limit: int = 120) -> str:
    value = data.get(key)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _number(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _n(count: int) -> str:
    """A count as the page's language writes it: "1,200" (British English)."""
    return number_format(count, force_grouping=True)


def _quoted(text: str) -> str:
    # Translators: quotation marks around a name or a file name inside an activity sentence
    return gettext("‘%(text)s’") % {"text": text}


def _listed(values: Any) -> str:
    items = [str(v) for v in values if isinstance(v, str | int)] if isinstance(values, list) else []
    if len(items) > 6:
        items = [*items[:6], gettext("%(count)s more") % {"count": _n(len(items) - 6)}]
    if len(items) < 2:
        return "".join(items)
    # Translators: the separator of a list ("A, B and C"): the comma
    separator = pgettext("list separator", ", ")
    # Translators: the end of a list ("A, B and C")
    return gettext("%(items)s and %(last)s") % {"items": separator.join(items[:-1]), "last": items[-1]}


def _say(pattern: StrOrPromise, who: Who, **values: Any) -> str:
    return str(pattern) % {"who": who.subject, **values}


def _with(sentence: str, pattern: StrOrPromise, **values: Any) -> str:
    """An optional remark around the whole sentence: ``pattern`` holds ``%(sentence)s``."""
    return str(pattern) % {"sentence": sentence, **values}


def fixed(pattern: StrOrPromise) -> Sentence:
    """A sentence that names the person at its start: ``fixed(_("%(who)s viewed a result"))``."""
    return lambda who, data: _say(pattern, who)


def named(named: StrOrPromise, unnamed: StrOrPromise) -> Sentence:
    """``named`` when the entry's data names the thing (``%(name)s``), else ``unnamed``."""

    def build(who: Who, data: Mapping[str, Any]) -> str:
        name = _text(data, "name")
        return _say(named, who, name=_quoted(name)) if name else _say(unnamed, who)

    return build


# ---- builders that read the entry's data ------------------------------------------------------


def _download_pdf(who: Who, count: int | None) -> str:
    if count is None:
        return _say(gettext("%(who)s downloaded Statements of Results"), who)
    pattern = ngettext(
        "%(who)s downloaded %(count)s Statement of Results", "%(who)s downloaded %(count)s Statements of Results", count
    )
    return _say(pattern, who, count=_n(count))


def _download_file(who: Who, count: int | None, fmt: str, template: str) -> str:
    values = {"count": _n(count or 0), "format": fmt, "template": _quoted(template)}
    n = count or 0
    if count is not None and fmt and template:
        pattern = ngettext(
            "%(who)s downloaded %(count)s result as %(format)s with the template %(template)s",
            "%(who)s downloaded %(count)s results as %(format)s with the template %(template)s",
            n,
        )
    elif count is not None and fmt:
        pattern = ngettext(
            "%(who)s downloaded %(count)s result as %(format)s", "%(who)s downloaded %(count)s results as %(format)s", n
        )
    elif count is not None and template:
        pattern = ngettext(
            "%(who)s downloaded %(count)s result with the template %(template)s",
            "%(who)s downloaded %(count)s results with the template %(template)s",
            n,
        )
    elif count is not None:
        pattern = ngettext("%(who)s downloaded %(count)s result", "%(who)s downloaded %(count)s results", n)
    elif fmt and template:
        pattern = gettext("%(who)s downloaded results as %(format)s with the template %(template)s")
    elif fmt:
        pattern = gettext("%(who)s downloaded results as %(format)s")
    elif template:
        pattern = gettext("%(who)s downloaded results with the template %(template)s")
    else:
        pattern = gettext("%(who)s downloaded results")
    return _say(pattern, who, **values)


def download(who: Who, data: Mapping[str, Any]) -> str:
    count = _number(data, "results")
    fmt = _text(data, "format", 12).upper()
    text = _download_pdf(who, count) if fmt == "PDF" else _download_file(who, count, fmt, _text(data, "template"))
    omitted = _number(data, "omitted")
    if omitted:
        pattern = ngettext(
            "%(sentence)s (%(count)s result left out: no longer shared)",
            "%(sentence)s (%(count)s results left out: no longer shared)",
            omitted,
        )
        text = _with(text, pattern, count=_n(omitted))
    return text


def bulk(who: Who, data: Mapping[str, Any]) -> str:
    rows = _number(data, "rows")
    counts = data.get("counts") if isinstance(data.get("counts"), dict) else {}
    assert isinstance(counts, dict)
    verified = counts.get("verified", 0) if isinstance(counts.get("verified", 0), int) else 0
    file = _text(data, "file", 80)
    if rows is None:
        if file:
            return _say(
                gettext("%(who)s checked applicants by bulk verification (file %(file)s)"), who, file=_quoted(file)
            )
        return _say(gettext("%(who)s checked applicants by bulk verification through the API"), who)
    values = {"count": _n(rows), "file": _quoted(file), "verified": _n(verified), "not": _n(rows - verified)}
    if file:
        pattern = ngettext(
            "%(who)s checked %(count)s applicant by bulk verification (file %(file)s): "
            "%(verified)s verified, %(not)s not",
            "%(who)s checked %(count)s applicants by bulk verification (file %(file)s): "
            "%(verified)s verified, %(not)s not",
            rows,
        )
    else:
        pattern = ngettext(
            "%(who)s checked %(count)s applicant by bulk verification through the API: "
            "%(verified)s verified, %(not)s not",
            "%(who)s checked %(count)s applicants by bulk verification through the API: "
            "%(verified)s verified, %(not)s not",
            rows,
        )
    return _say(pattern, who, **values)


def ern(found: bool) -> Sentence:
    def build(who: Who, data: Mapping[str, Any]) -> str:
        end = _text(data, "ern_end", 8)
        if found:
            if end:
                return _say(gettext("%(who)s found a result by its Exam Reference Number ending %(end)s"), who, end=end)
            return _say(gettext("%(who)s found a result by its Exam Reference Number"), who)
        if end:
            pattern = gettext("%(who)s looked up the Exam Reference Number ending %(end)s: no result matched")
            return _say(pattern, who, end=end)
        return _say(gettext("%(who)s looked up the Exam Reference Number: no result matched"), who)

    return build


def share_created(who: Who, data: Mapping[str, Any]) -> str:
    if data.get("include_photo") is True:
        return _say(gettext("%(who)s shared a result with your organisation with the candidate’s photo"), who)
    return _say(gettext("%(who)s shared a result with your organisation"), who)


def user_added(who: Who, data: Mapping[str, Any]) -> str:
    person = _text(data, "name") or _text(data, "email")
    if person:
        text = _say(gettext("%(who)s added the user %(person)s"), who, person=person)
    else:
        text = _say(gettext("%(who)s added a user"), who)
    role = _text(data, "role", 40)
    # The role is stored in English ("Additional user"): the model's choice label, translated here.
    # Translators: a user's role after the sentence, e.g. "… added the user Jo Bloggs (Additional user)"
    return _with(text, gettext("%(sentence)s (%(role)s)"), role=gettext(role)) if role else text


def user(named: StrOrPromise, unnamed: StrOrPromise) -> Sentence:
    def build(who: Who, data: Mapping[str, Any]) -> str:
        person = _text(data, "name") or _text(data, "email")
        return _say(named, who, person=person) if person else _say(unnamed, who)

    return build


def notifications(who: Who, data: Mapping[str, Any]) -> str:
    if data.get("notify_on_share") is True:
        return _say(gettext("%(who)s turned on their emails about newly shared results"), who)
    return _say(gettext("%(who)s turned off their emails about newly shared results"), who)


# The organisation's fields as the "details changed" sentence names them (other fields: their code in words).
FIELD_NAMES = {
    # Translators: fields listed in "… changed your organisation’s details (name, website and city)"
    "name": _("name"), "kind": _("kind"), "country": _("country"), "city": _("city"),
    "address": _("address"), "website": _("website"),
}  # fmt: skip


def organisation_updated(who: Who, data: Mapping[str, Any]) -> str:
    fields = data.get("fields")
    names = [str(FIELD_NAMES.get(str(f), str(f).replace("_", " "))) for f in fields] if isinstance(fields, list) else []
    text = _say(gettext("%(who)s changed your organisation’s details"), who)
    named = _listed(names)
    return _with(text, gettext("%(sentence)s (%(fields)s)"), fields=named) if named else text


def exams_updated(who: Who, data: Mapping[str, Any]) -> str:
    parts = [gettext("added %(exams)s") % {"exams": _listed(data.get("added"))}] if data.get("added") else []
    if data.get("removed"):
        parts.append(gettext("removed %(exams)s") % {"exams": _listed(data.get("removed"))})
    text = _say(gettext("%(who)s changed the exams your organisation recognises"), who)
    # Translators: between "added …" and "removed …" in the exams an organisation recognises
    changes = pgettext("between changes", "; ").join(parts)
    return _with(text, gettext("%(sentence)s (%(changes)s)"), changes=changes) if changes else text


def primary_changed(who: Who, data: Mapping[str, Any]) -> str:
    new, old = _text(data, "to"), _text(data, "from")
    if new and old:
        pattern = gettext("%(who)s made %(new)s the Primary User instead of %(old)s")
    elif new:
        pattern = gettext("%(who)s made %(new)s the Primary User")
    elif old:
        pattern = gettext("%(who)s made another user the Primary User instead of %(old)s")
    else:
        pattern = gettext("%(who)s made another user the Primary User")
    return _say(pattern, who, new=new, old=old)


def with_reason(pattern: StrOrPromise) -> Sentence:
    def build(who: Who, data: Mapping[str, Any]) -> str:
        reason = _text(data, "reason", 200)
        text = _say(pattern, who)
        return _with(text, gettext("%(sentence)s (reason: %(reason)s)"), reason=reason) if reason else text

    return build


def key_created(who: Who, data: Mapping[str, Any]) -> str:
    text = named(_("%(who)s created the API key %(name)s"), _("%(who)s created the API key"))(who, data)
    scope = _text(data, "scope", 20)
    if scope == "read":
        return _with(text, gettext("%(sentence)s (read-only access)"))
    if scope == "write":
        return _with(text, gettext("%(sentence)s (read and download access)"))
    return text


def key_rotated(who: Who, data: Mapping[str, Any]) -> str:
    replaced = named(
        _("%(who)s replaced the API key %(name)s with a new key"), _("%(who)s replaced the API key with a new key")
    )
    text = replaced(who, data)
    hours = _number(data, "overlap_hours")
    if not hours:
        return text
    pattern = ngettext(
        "%(sentence)s; the old one kept working for %(count)s hour",
        "%(sentence)s; the old one kept working for %(count)s hours",
        hours,
    )
    return _with(text, pattern, count=_n(hours))


def key_revoked(who: Who, data: Mapping[str, Any]) -> str:
    name = _text(data, "name")
    if name:
        return gettext("The API key %(name)s was revoked by %(who)s") % {"name": _quoted(name), "who": who.object}
    return gettext("The API key was revoked by %(who)s") % {"who": who.object}


def webhook(to_url: StrOrPromise, unnamed: StrOrPromise) -> Sentence:
    def build(who: Who, data: Mapping[str, Any]) -> str:
        url = _text(data, "url", 200)
        text = _say(to_url, who, url=url) if url else _say(unnamed, who)
        events = _listed(data.get("events"))
        return _with(text, gettext("%(sentence)s (events: %(events)s)"), events=events) if events else text

    return build


def statement(who: Who, data: Mapping[str, Any]) -> str:
    if data.get("authentic") is True:
        return _say(gettext("%(who)s checked a Statement of Results on the public page: authentic"), who)
    return _say(gettext("%(who)s checked a Statement of Results on the public page: not authentic"), who)


def invited(who: Who, data: Mapping[str, Any]) -> str:
    name = _text(data, "organisation")
    if name:
        return _say(gettext("%(who)s invited the organisation %(name)s to the service"), who, name=_quoted(name))
    return _say(gettext("%(who)s invited an organisation to the service"), who)


def registration(named: StrOrPromise, unnamed: StrOrPromise) -> Sentence:
    def build(who: Who, data: Mapping[str, Any]) -> str:
        name = _text(data, "organisation")
        return _say(named, who, name=_quoted(name)) if name else _say(unnamed, who)

    return build


def import_expired(who: Who, data: Mapping[str, Any]) -> str:
    file = _text(data, "file", 80)
    if file:
        return gettext("A results import that was never confirmed expired (file %(file)s)") % {"file": _quoted(file)}
    return gettext("A results import that was never confirmed expired")


def import_checked(who: Who, data: Mapping[str, Any]) -> str:
    file, rows, problems = _text(data, "file", 80), _number(data, "rows"), _number(data, "problems")
    if file:
        text = _say(gettext("%(who)s checked a results file (%(file)s)"), who, file=_quoted(file))
    else:
        text = _say(gettext("%(who)s checked a results file"), who)
    if rows is None:
        return text
    rows_text = ngettext("%(count)s row", "%(count)s rows", rows) % {"count": _n(rows)}
    problems_text = ngettext("%(count)s problem", "%(count)s problems", problems or 0) % {"count": _n(problems or 0)}
    return _with(text, gettext("%(sentence)s: %(rows)s, %(problems)s"), rows=rows_text, problems=problems_text)


def imported(who: Who, data: Mapping[str, Any]) -> str:
    created = _number(data, "created")
    if created is None:
        return _say(gettext("%(who)s imported results"), who)
    pattern = ngettext("%(who)s imported %(count)s new result", "%(who)s imported %(count)s new results", created)
    return _say(pattern, who, count=_n(created))


def seeded(who: Who, data: Mapping[str, Any]) -> str:
    count = _number(data, "results")
    if count is None:
        return gettext("The demonstration data was loaded")
    pattern = ngettext(
        "The demonstration data was loaded (%(count)s result)",
        "The demonstration data was loaded (%(count)s results)",
        count,
    )
    return pattern % {"count": _n(count)}
