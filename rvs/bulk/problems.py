"""The rows of a bulk verification that did not verify, with the reason in plain words (issue 17, item 8).

The answer file holds a verdict for every row; the page after the upload lists the rows that did
not verify (line in the file, the Exam Reference Number as given, why), the first
``PROBLEMS_SHOWN`` of them, so an admissions officer sees what to follow up without opening it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from rvs.core import ern as ern_codec

if TYPE_CHECKING:
    from rvs.bulk.verification import RowVerdict

PROBLEMS_SHOWN = 500
ERN_SHOWN = 40  # characters of the number as given: a pasted paragraph is cut, not echoed whole
NO_RESULT = "no result has this Exam Reference Number"
MATCHED_FIELDS = {"name": "name", "date of birth": "date of birth"}
_NOT_A_DATE = re.compile(r"date of birth (?P<value>.*) is not a date \(use YYYY-MM-DD\)", re.DOTALL)
# The answer file's verdicts (English, as in the file) as the page names them.
VERDICT_LABELS = {
    "verified": pgettext_lazy("bulk verification verdict", "verified"),
    "mismatch": pgettext_lazy("bulk verification verdict", "mismatch"),
    "not found": pgettext_lazy("bulk verification verdict", "not found"),
    "invalid": pgettext_lazy("bulk verification verdict", "invalid"),
    "withheld": pgettext_lazy("bulk verification verdict", "withheld"),
    "withdrawn": pgettext_lazy("bulk verification verdict", "withdrawn"),
    "pending": pgettext_lazy("bulk verification verdict", "pending"),
}


def verdict_label(verdict: str) -> str:
    """A verdict of the answer file as the page shows it, in the reader's language."""
    return str(VERDICT_LABELS.get(verdict, verdict))


def _status_reason(verdict: str) -> str | None:
    if verdict == "withheld":
        return _("The result is withheld: the candidate should contact their exam centre.")
    if verdict == "withdrawn":
        return _("The result was withdrawn by the exam board: it is no longer valid.")
    if verdict == "pending":
        return _("The result is not released yet.")
    return None


@dataclass(frozen=True)
class Problem:
    line: int  # in the file (the sheet's row number in an XLSX file)
    ern: str  # as given, cut to ERN_SHOWN characters
    verdict: str  # the answer file's verdict: mismatch, not found, withheld ...
    reason: str  # in plain words

    @property
    def verdict_label(self) -> str:
        return verdict_label(self.verdict)


@dataclass(frozen=True)
class Problems:
    """The rows that did not verify: the first ``PROBLEMS_SHOWN`` and how many there are in all."""

    shown: list[Problem] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


def reason(verdict: RowVerdict, given: str = "") -> str:
    """Why a row did not verify, as a sentence for the person who uploaded the file (``given``: the
    row's Exam Reference Number as written, whose format error is said again in the reader's language)."""
    if verdict.verdict == "invalid":
        return _("There is no Exam Reference Number on this row.")
    if verdict.verdict == "not found":
        if verdict.details == NO_RESULT:
            return _("No result has this Exam Reference Number. Check it against the candidate’s Statement of Results.")
        try:  # the number's own format error, in words ("… has 18 characters; this one has 5.")
            ern_codec.normalise(given)
        except ern_codec.ErnFormatError as exc:
            return str(exc)
        return verdict.details
    if verdict.verdict == "mismatch":
        return _mismatch(verdict.details)
    return _status_reason(verdict.verdict) or _("The result’s status is: %(status)s.") % {"status": verdict.details}


def _mismatch(details: str) -> str:
    problems = [p.strip() for p in details.removeprefix("differs:").split(";") if p.strip()]
    fields = [MATCHED_FIELDS[p] for p in problems if p in MATCHED_FIELDS]
    others = [p for p in problems if p not in MATCHED_FIELDS]
    sentences = []
    if len(fields) > 1:
        sentences.append(
            _("The Exam Reference Number exists, but the name and the date of birth given do not match the result.")
        )
    elif fields == ["name"]:
        sentences.append(_("The Exam Reference Number exists, but the name given does not match the result."))
    elif fields:
        sentences.append(_("The Exam Reference Number exists, but the date of birth given does not match the result."))
    for other in others:
        not_a_date = _NOT_A_DATE.fullmatch(other)
        if not_a_date:
            value = not_a_date["value"]
            sentences.append(_("Date of birth %(value)s is not a date (use YYYY-MM-DD).") % {"value": value})
        else:
            sentences.append(f"{other[:1].upper()}{other[1:]}.")
    return " ".join(sentences) or _("The details given do not match the result.")


def not_verified(lines: Sequence[int], erns: Sequence[str], verdicts: Sequence[RowVerdict]) -> Problems:
    """The rows whose verdict is not "verified", in file order; ``lines`` may be empty (line = row number)."""
    shown: list[Problem] = []
    total = 0
    for index, (ern, verdict) in enumerate(zip(erns, verdicts, strict=True)):
        if verdict.verdict == "verified":
            continue
        total += 1
        if len(shown) < PROBLEMS_SHOWN:
            line = lines[index] if index < len(lines) else index + 1
            given = ern if len(ern) <= ERN_SHOWN else ern[: ERN_SHOWN - 1] + "…"
            shown.append(Problem(line, given, verdict.verdict, reason(verdict, ern)))
    return Problems(shown, total)
