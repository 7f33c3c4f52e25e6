"""Scores of a row: the scoring rules in force for its exam and date, and the outcome its scores give.

A large file has thousands of (exam, date) pairs but a handful of versions of each exam's rules: one
``Scoring`` per version, shared by every date it covers, and within it the outcome of every plain
overall score computed once (decision 0009).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from rvs.exams.models import Exam
from rvs.exams.scoring import CesScheme, Outcome, ScoreError, Status, compute, round_half_up, scheme_for
from rvs.results.importer.model import SCORE_COLUMNS

_DIGITS = re.compile(r"[0-9]{1,6}")


class Rules:
    """The ``Scoring`` of each (exam, date) of a file, one per version of an exam's rules."""

    def __init__(self) -> None:
        self.schemes: dict[tuple[int, dt.date], Scoring | None] = {}
        self.versions: dict[tuple[int, dt.date | None], Scoring | None] = {}
        self.version_starts: dict[int, list[dt.date]] = {}

    def scoring(self, exam: Exam, exam_date: dt.date) -> Scoring | None:
        key = (exam.pk, exam_date)
        if key not in self.schemes:
            # The version in force (the latest start on or before the date) picks the Scoring, so
            # scheme_for() parses the rules once per version, not once per date.
            starts = [start for start in self._starts(exam) if start <= exam_date]
            version = (exam.pk, max(starts) if starts else None)
            if version not in self.versions:
                scheme = scheme_for(exam.scoring, exam_date)
                if scheme is not None and scheme.valid_from != version[1]:  # pragma: no cover - scheme_for changed
                    version = (exam.pk, scheme.valid_from)
                self.versions[version] = Scoring(scheme, exam.pk) if scheme is not None else None
            self.schemes[key] = self.versions[version]
        return self.schemes[key]

    def _starts(self, exam: Exam) -> list[dt.date]:
        starts = self.version_starts.get(exam.pk)
        if starts is None:
            starts = self.version_starts[exam.pk] = [dt.date.fromisoformat(v["from"]) for v in exam.scoring]
        return starts


class Scoring:
    """A scheme with the positions of its components among the score columns, worked out once."""

    def __init__(self, scheme: CesScheme, exam_id: int) -> None:
        self.scheme = scheme
        self.exam_id = exam_id
        used = [component.code for component in scheme.components]
        self.used = [(SCORE_COLUMNS.index(code), code) for code in used]
        self.unused = [(index, column) for index, column in enumerate(SCORE_COLUMNS) if column not in used]
        self.weighted = [(SCORE_COLUMNS.index(c.code), c.code, c.weight) for c in scheme.components]
        self.weights = sum(component.weight for component in scheme.components)
        self.unused_indexes = [index for index, _ in self.unused]
        # Score texts seen, as the whole numbers they hold (only plain digits on the scale).
        self.score_of: dict[str, int] = {}
        # compute() of every component at the same score: the band of that overall score (see _plain).
        self.bands: dict[int, Outcome] = {}

    def _plain(self, scores: list[str]) -> Outcome | None:
        """compute() for the common row, every score a whole number on the scale and the columns
        this exam does not use empty; None for any other.

        The overall score is the weighted mean, rounded as compute() rounds it; what that overall
        shows (status, grade, CEFR, label) is read off compute() itself, called once per overall
        score with every component at that score, whose mean is that score. A test holds the two equal.
        """
        score_of = self.score_of
        values: dict[str, int | None] = {}
        total = 0
        for index, code, weight in self.weighted:
            text = scores[index]
            value = score_of.get(text)
            if value is None:
                value = self._score(text)
                if value is None:
                    return None
            values[code] = value
            total += weight * value
        for index in self.unused_indexes:
            if scores[index]:
                return None
        overall = round_half_up(total, self.weights)
        band = self.bands.get(overall)
        if band is None:
            band = self.bands[overall] = compute(self.scheme, {code: overall for _, code, _ in self.weighted})
        if band.status != Status.RESULT:
            return band  # no score reported: no components either
        return Outcome(band.status, overall, band.grade, band.cefr, band.label, values)

    def _score(self, text: str) -> int | None:
        """The whole number ``text`` holds when it is plain digits on the scale (remembered), else None."""
        if not _DIGITS.fullmatch(text):
            return None
        value = int(text)
        if not self.scheme.component_min <= value <= self.scheme.scale_max:
            return None
        self.score_of[text] = value
        return value

    def outcome(self, scores: list[str], status: str, fail: Callable[[str, str], None]) -> Outcome | None:
        if not status:
            plain = self._plain(scores)
            if plain is not None:
                return plain
        ok = True
        for index, column in self.unused:
            if scores[index]:
                fail(column, "must be empty for this exam")
                ok = False
        if status:
            for index, column in self.used:
                if scores[index]:
                    fail(column, f"must be empty when the status is {status}")
                    ok = False
        try:
            # Plain digits go as numbers: compute() would read them the same way, a little more slowly.
            values = {code: int(value) if _DIGITS.fullmatch(value := scores[index]) else value
                      for index, code in self.used}  # fmt: skip
            outcome = compute(self.scheme, values, status=status)
        except ScoreError as exc:
            for problem in exc.errors:
                fail(problem.component, problem.message)
            return None
        return outcome if ok else None
