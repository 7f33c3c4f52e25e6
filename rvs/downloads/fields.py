"""The columns a data file can hold: the default template is all of them, in this order.

``FIELDS`` are the result's own; each ``value`` is the reference definition of its cell for one
result (``rows.data_table`` builds the same cells from plain SQL rows, checked by tests). An
organisation's entry requirements add one column each ("Meets: MSc entry"), keyed
``requirement:<its public id>`` so that renaming the requirement renames the column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rvs.results.models import Result

REQUIREMENT_PREFIX = "requirement:"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    value: Callable[[Result], Any]


def _score(code: str) -> Callable[[Result], Any]:
    def value(result: Result) -> Any:
        if not result.shows_scores:
            return None
        for component in result.components.all():  # prefetched
            if component.code == code:
                return component.score
        return None

    return value


_FIELDS = [
    Field("last_name", "Surname", lambda r: r.candidate.last_name),
    Field("first_name", "First name", lambda r: r.candidate.first_name),
    Field("date_of_birth", "Date of birth", lambda r: r.candidate.date_of_birth.isoformat()),
    Field("candidate_number", "Candidate ID Number", lambda r: r.candidate.candidate_number),
    Field("email", "Candidate email address", lambda r: r.candidate.email),
    Field("exam", "Exam", lambda r: r.exam.name),
    Field("exam_date", "Date of exam", lambda r: r.exam_date.isoformat()),
    Field("centre_name", "Exam centre", lambda r: r.centre.name),
    Field("centre_number", "Centre number", lambda r: r.centre.number),
    Field("place_of_entry", "Place of entry", lambda r: r.centre.city),
    Field("country", "Country", lambda r: r.centre.country),
    Field("status", "Status", lambda r: r.get_status_display()),
    Field("overall_score", "Overall score", lambda r: r.overall_score if r.shows_scores else None),
    Field("cefr", "CEFR level", lambda r: r.cefr if r.shows_scores else ""),
    Field("grade", "Grade", lambda r: (r.grade or r.result_label) if r.shows_scores else ""),
    Field("reading", "Reading", _score("reading")),
    Field("reading_and_writing", "Reading and Writing", _score("reading_and_writing")),
    Field("use_of_english", "Use of English", _score("use_of_english")),
    Field("writing", "Writing", _score("writing")),
    Field("listening", "Listening", _score("listening")),
    Field("speaking", "Speaking", _score("speaking")),
    Field("ern", "Exam Reference Number", lambda r: r.ern_display),
]
FIELDS: dict[str, Field] = {field.key: field for field in _FIELDS}
DEFAULT_FIELDS: list[str] = list(FIELDS)
DEFAULT_TEMPLATE_NAME = "Default template (all fields)"


def requirement_key(requirement: Any) -> str:
    return f"{REQUIREMENT_PREFIX}{requirement.public_id}"


def requirement_label(requirement: Any) -> str:
    return f"Meets: {requirement.name}"


def available_fields(*, organisation: Any) -> dict[str, str]:
    """Every column the organisation can choose, key to label: the result fields, then its requirements."""
    from rvs.requirements.models import EntryRequirement

    columns = {key: field.label for key, field in FIELDS.items()}
    for requirement in EntryRequirement.objects.filter(organisation=organisation).only("public_id", "name"):
        columns[requirement_key(requirement)] = requirement_label(requirement)
    return columns


def default_fields(*, organisation: Any) -> list[str]:
    """The default template: every available field."""
    return list(available_fields(organisation=organisation))
