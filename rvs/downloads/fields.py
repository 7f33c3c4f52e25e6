"""The columns a data file can hold: the default template is all of them, in this order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rvs.results.models import Result


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
