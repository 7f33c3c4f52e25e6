"""Which exams a demo candidate sits, and when: levels from the catalogue, sessions in the calendar."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass

from rvs.demo.places import WeightedChoice
from rvs.exams.models import Exam
from rvs.exams.scoring import CesScheme, scheme_for

# A fixed "today" keeps the data identical whichever day it is seeded; it is the project's
# reference date, so no exam date is ever in the future.
DEMO_TODAY = dt.date(2026, 11, 29)
DEMO_NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)
FIRST_EXAM_DATE = dt.date(2019, 1, 5)
_MONTH_WEIGHTS = [0.5, 0.6, 1.0, 0.8, 1.4, 1.6, 1.0, 0.4, 0.5, 0.8, 1.2, 1.2]


# --- exams ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamChoice:
    exam: Exam
    level: int
    variant: str  # "general", "schools" or "business"


class ExamPlanner:
    """Verifiable exams of the catalogue grouped into levels by their pass mark (grade C)."""

    def __init__(self) -> None:
        exams = [e for e in Exam.objects.filter(verifiable=True).order_by("position") if self._pass_mark(e)]
        self.pass_marks = sorted({self._pass_mark(exam) for exam in exams})
        self.by_level: dict[int, dict[str, Exam]] = {}
        for exam in exams:
            variant = "schools" if "schools" in exam.code else ("business" if "business" in exam.code else "general")
            self.by_level.setdefault(self.pass_marks.index(self._pass_mark(exam)), {}).setdefault(variant, exam)
        self.levels = {exam.code: level for level, variants in self.by_level.items() for exam in variants.values()}
        self._schemes: dict[tuple[int, dt.date], CesScheme | None] = {}

    @staticmethod
    def _pass_mark(exam: Exam) -> int:
        scheme = scheme_for(exam.scoring, FIRST_EXAM_DATE)  # only exams scored since the first demo date
        current = scheme_for(exam.scoring, DEMO_TODAY)
        if scheme is None or current is None:
            return 0
        return min(band.min for band in current.bands if band.grade)

    def scheme(self, exam: Exam, exam_date: dt.date) -> CesScheme:
        # scheme_for parses JSON on each call; a million results share some 30,000 (exam, date) pairs.
        key = (exam.pk, exam_date)
        if key not in self._schemes:
            self._schemes[key] = scheme_for(exam.scoring, exam_date)
        scheme = self._schemes[key]
        assert scheme is not None  # the planner only offers exams with rules over the whole demo period
        return scheme

    def choose(self, rng: random.Random, ability: float, age: int, floor: int = 0) -> ExamChoice:
        """The hardest level (``floor`` at least) the candidate expects to pass, in the version for their age."""
        hope = ability + rng.gauss(0, 6)
        level = floor
        for index, mark in enumerate(self.pass_marks):
            if mark + 6 <= hope and index > level:
                level = index
        variants = self.by_level[level]
        variant = "general"
        if age <= 17 and "schools" in variants and rng.random() < 0.85:
            variant = "schools"
        elif age >= 21 and "business" in variants and rng.random() < 0.15:
            variant = "business"
        if variant not in variants:
            variant = next(iter(variants))
        return ExamChoice(variants[variant], level, variant)


# --- dates ----------------------------------------------------------------------------------


def session_dates(rng: random.Random) -> tuple[list[dt.date], WeightedChoice[dt.date]]:
    """Exam days: every Saturday (paper-based) and three weekdays a month (computer-based)."""
    days: list[dt.date] = []
    weights: list[float] = []
    growth = {2019: 1.0, 2020: 0.55, 2021: 0.85, 2022: 1.0, 2023: 1.05, 2024: 1.1, 2025: 1.15}
    for year in range(FIRST_EXAM_DATE.year, DEMO_TODAY.year + 1):
        for month in range(1, 13):
            weight = _MONTH_WEIGHTS[month - 1] * growth.get(year, 1.2)
            if year == 2020 and 4 <= month <= 6:
                weight *= 0.05  # centres closed in the first lockdown
            _, last_day = calendar.monthrange(year, month)
            weekdays = rng.sample(range(1, last_day + 1), 3)
            for day in range(1, last_day + 1):
                date = dt.date(year, month, day)
                if not FIRST_EXAM_DATE <= date <= DEMO_TODAY:
                    continue
                if date.weekday() == 5:
                    days.append(date)
                    weights.append(3 * weight)
                elif day in weekdays and date.weekday() < 5:
                    days.append(date)
                    weights.append(weight)
    return days, WeightedChoice(days, weights)
