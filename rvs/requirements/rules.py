"""Checking a result against an entry requirement: a pure function, so it can be property-tested."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rvs.core.dates import display_date


@dataclass(frozen=True)
class Rule:
    min_overall: int | None = None
    min_component: int | None = None
    exam_codes: frozenset[str] = frozenset()
    within_years: int | None = None


@dataclass(frozen=True)
class Verdict:
    met: bool
    reasons: tuple[str, ...]

    @property
    def summary(self) -> str:
        return _("Meets the requirement") if self.met else "; ".join(self.reasons)


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def evaluate(
    rule: Rule,
    *,
    exam_code: str,
    exam_name: str,
    exam_date: dt.date,
    shows_scores: bool,
    overall: int | None,
    components: Mapping[str, int | None],
    labels: Mapping[str, str] | None = None,
    today: dt.date | None = None,
    allowed_exam_names: Collection[str] = (),
) -> Verdict:
    """Met only when every part of the rule holds; otherwise each failing part is a reason."""
    labels = labels or {}
    today = today or dt.date.today()
    reasons: list[str] = []
    if rule.exam_codes and exam_code not in rule.exam_codes:
        allowed = ", ".join(sorted(allowed_exam_names)) or _("other exams")
        reasons.append(
            # Translators: a reason a result does not meet an entry requirement; %(accepted)s lists exam names
            _("%(exam)s is not one of the accepted exams (%(accepted)s)") % {"exam": exam_name, "accepted": allowed}
        )
    if rule.within_years is not None and exam_date < years_before(today, rule.within_years):
        reasons.append(
            ngettext(
                "taken on %(date)s, more than %(years)s years ago",
                "taken on %(date)s, more than %(years)s years ago",
                rule.within_years,
            )
            % {"date": display_date(exam_date), "years": rule.within_years}
        )
    if not shows_scores or overall is None:
        if rule.min_overall is not None or rule.min_component is not None:
            reasons.append(_("no scores are reported for this result"))
    else:
        if rule.min_overall is not None and overall < rule.min_overall:
            reasons.append(
                _("overall score %(score)s is below %(minimum)s") % {"score": overall, "minimum": rule.min_overall}
            )
        if rule.min_component is not None:
            for code, score in components.items():
                if score is not None and score < rule.min_component:
                    # Translators: %(skill)s is a skill's name ("Reading"), then its score and the minimum
                    text = _("%(skill)s %(score)s is below %(minimum)s")
                    reasons.append(
                        text % {"skill": labels.get(code, code), "score": score, "minimum": rule.min_component}
                    )
    return Verdict(not reasons, tuple(reasons))
