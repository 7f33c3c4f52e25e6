"""The rows of a bulk verification that did not verify, with the reason in plain words (issue 17, item 8).

The answer file holds a verdict for every row; the page after the upload lists the rows that did
not verify (line in the file, the Exam Reference Number as given, why), the first
``PROBLEMS_SHOWN`` of them, so an admissions officer sees what to follow up without opening it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rvs.bulk.verification import RowVerdict

PROBLEMS_SHOWN = 500
ERN_SHOWN = 40  # characters of the number as given: a pasted paragraph is cut, not echoed whole
NO_RESULT = "no result has this Exam Reference Number"
MATCHED_FIELDS = {"name": "name", "date of birth": "date of birth"}
STATUS_REASONS = {
    "withheld": "The result is withheld: the candidate should contact their exam centre.",
    "withdrawn": "The result was withdrawn by the exam board: it is no longer valid.",
    "pending": "The result is not released yet.",
}


@dataclass(frozen=True)
class Problem:
    line: int  # in the file (the sheet's row number in an XLSX file)
    ern: str  # as given, cut to ERN_SHOWN characters
    verdict: str  # the answer file's verdict: mismatch, not found, withheld ...
    reason: str  # in plain words


@dataclass(frozen=True)
class Problems:
    """The rows that did not verify: the first ``PROBLEMS_SHOWN`` and how many there are in all."""

    shown: list[Problem] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


def reason(verdict: RowVerdict) -> str:
    """Why a row did not verify, as a sentence for the person who uploaded the file."""
    if verdict.verdict == "invalid":
        return "There is no Exam Reference Number on this row."
    if verdict.verdict == "not found":
        if verdict.details == NO_RESULT:
            return "No result has this Exam Reference Number. Check it against the candidate’s Statement of Results."
        return verdict.details  # the number's own format error, in words ("… has 18 characters; this one has 5.")
    if verdict.verdict == "mismatch":
        return _mismatch(verdict.details)
    return STATUS_REASONS.get(verdict.verdict, f"The result’s status is: {verdict.details}.")


def _mismatch(details: str) -> str:
    problems = [p.strip() for p in details.removeprefix("differs:").split(";") if p.strip()]
    fields = [MATCHED_FIELDS[p] for p in problems if p in MATCHED_FIELDS]
    others = [p for p in problems if p not in MATCHED_FIELDS]
    sentences = []
    if fields:
        both = " and the ".join(fields)
        verb = "do" if len(fields) > 1 else "does"
        sentences.append(f"The Exam Reference Number exists, but the {both} given {verb} not match the result.")
    sentences += [f"{p[:1].upper()}{p[1:]}." for p in others]
    return " ".join(sentences) or "The details given do not match the result."


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
            shown.append(Problem(line, given, verdict.verdict, reason(verdict)))
    return Problems(shown, total)
