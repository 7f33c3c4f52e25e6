"""Scoring rules: overall Cambridge English Scale score, grade and CEFR level from components.

The rules are data (``data/catalogue.json`` loaded into ``Exam.scoring``) and versioned by
date, so a grade label that changed in 2020 is a new version, not an ``if`` in code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ABSENT_PART = "X"
ABSENT_ALL = "Z"
# ASCII digits only: int() would also take "1_50", "+150" and "١٥٠" (Arabic-Indic digits).
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,100}")


class ScoreError(ValueError):
    """A component score that cannot be used; ``component`` names the column at fault.

    ``errors`` holds this problem and any others found in the same scores (``more``), so a
    caller can report every bad component at once.
    """

    def __init__(self, component: str, message: str, *, more: Sequence[ScoreError] = ()) -> None:
        super().__init__(message)
        self.component = component
        self.message = message
        self.errors: tuple[ScoreError, ...] = (self, *more)


@dataclass(frozen=True)
class Component:
    code: str
    label: str
    weight: int


@dataclass(frozen=True)
class Band:
    min: int
    max: int
    grade: str | None
    cefr: str | None
    label: str


@dataclass(frozen=True)
class CesScheme:
    valid_from: dt.date
    components: tuple[Component, ...]
    component_min: int
    scale_max: int
    reported_from: int
    bands: tuple[Band, ...]

    def band_for(self, overall: int) -> Band | None:
        for band in self.bands:
            if band.min <= overall <= band.max:
                return band
        return None


@dataclass(frozen=True)
class Outcome:
    """What a result shows. ``status`` is one of the ``Status`` values below."""

    status: str
    overall: int | None
    grade: str | None
    cefr: str | None
    label: str
    components: dict[str, int | None]


class Status:
    RESULT = "result"
    NOT_REPORTED = "not_reported"
    ABSENT_PART = "absent_part"
    ABSENT_ALL = "absent_all"
    PENDING = "pending"
    WITHHELD = "withheld"


def parse_scheme(valid_from: str, data: Mapping[str, Any]) -> CesScheme:
    if data.get("kind") != "ces":
        raise ValueError(f"scheme kind {data.get('kind')!r} has no Cambridge English Scale scoring")
    return CesScheme(
        valid_from=dt.date.fromisoformat(valid_from),
        components=tuple(Component(c["code"], c["label"], int(c["weight"])) for c in data["components"]),
        component_min=int(data["component_min"]),
        scale_max=int(data["scale_max"]),
        reported_from=int(data["reported_from"]),
        bands=tuple(Band(b["min"], b["max"], b["grade"], b["cefr"], b["label"]) for b in data["bands"]),
    )


def scheme_for(scoring: list[dict[str, Any]], exam_date: dt.date) -> CesScheme | None:
    """The version of the rules in force on ``exam_date`` (None when none applies)."""
    versions = sorted(scoring, key=lambda v: v["from"], reverse=True)
    for version in versions:
        if dt.date.fromisoformat(version["from"]) <= exam_date:
            if version["scheme"].get("kind") != "ces":
                return None
            return parse_scheme(version["from"], version["scheme"])
    return None


def round_half_up(numerator: int, denominator: int) -> int:
    """Nearest whole number, halves rounded up, in integers so no float ever decides a grade."""
    return (2 * numerator + denominator) // (2 * denominator)


def compute(scheme: CesScheme, scores: Mapping[str, int | str | None], *, status: str = "") -> Outcome:
    """Overall score, grade and CEFR level from component scores.

    ``scores`` maps component codes to a whole number, ``"X"`` (absent from this part) or
    ``"Z"`` (absent from all). ``status`` may force ``pending`` or ``withheld``, which show
    no scores at all. Raises ``ScoreError`` naming the component when a value is unusable.
    """
    if status in (Status.PENDING, Status.WITHHELD):
        return Outcome(status, None, None, None, status.capitalize(), {})
    values: dict[str, int] = {}
    flags: dict[str, list[str]] = {ABSENT_PART: [], ABSENT_ALL: []}
    problems: list[ScoreError] = []
    for component in scheme.components:
        raw = scores.get(component.code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            problems.append(ScoreError(component.code, f"{component.label} score is missing"))
            continue
        if isinstance(raw, str):
            flag = raw.strip().upper()
            if flag in flags:
                flags[flag].append(component.code)
                continue
            if not _WHOLE_NUMBER.fullmatch(flag):
                problems.append(
                    ScoreError(component.code, f"{component.label} score {raw!r} is not a whole number, X or Z")
                )
                continue
            raw = int(flag)
        if isinstance(raw, bool) or not isinstance(raw, int):
            problems.append(ScoreError(component.code, f"{component.label} score {raw!r} is not a whole number"))
            continue
        if not scheme.component_min <= raw <= scheme.scale_max:
            problems.append(
                ScoreError(
                    component.code,
                    f"{component.label} score {raw} is outside {scheme.component_min}-{scheme.scale_max}",
                )
            )
            continue
        values[component.code] = raw
    if flags[ABSENT_ALL] and (values or flags[ABSENT_PART]):
        problems.append(
            ScoreError(flags[ABSENT_ALL][0], "Z (absent from all) must be given for every component or none")
        )
    if problems:
        raise ScoreError(problems[0].component, problems[0].message, more=problems[1:])
    if flags[ABSENT_ALL]:
        return Outcome(Status.ABSENT_ALL, None, None, None, "Absent from all parts (Z)", {})
    if flags[ABSENT_PART]:
        return Outcome(Status.ABSENT_PART, None, None, None, "Absent from part of the exam (X)", {})
    total = sum(c.weight * values[c.code] for c in scheme.components)
    weights = sum(c.weight for c in scheme.components)
    overall = round_half_up(total, weights)
    if overall < scheme.reported_from:
        return Outcome(Status.NOT_REPORTED, None, None, None, "No score reported", {})
    band = scheme.band_for(overall)
    if band is None:  # pragma: no cover - the catalogue test proves bands cover the scale
        raise ScoreError(scheme.components[0].code, f"no band covers overall score {overall}")
    return Outcome(Status.RESULT, overall, band.grade, band.cefr, band.label, dict(values))
