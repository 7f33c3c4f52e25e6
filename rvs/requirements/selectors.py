"""Reads for entry requirements."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import QuerySet

from rvs.organisations.models import Organisation
from rvs.requirements.models import EntryRequirement
from rvs.requirements.rules import years_before
from rvs.sharing.models import Share


def requirements_of(*, organisation: Organisation) -> QuerySet[EntryRequirement]:
    return EntryRequirement.objects.filter(organisation=organisation).prefetch_related("exams")


def requirement_for(*, organisation: Organisation, public_id: Any) -> EntryRequirement | None:
    """The organisation's requirement with this id; None for no id, a malformed one or another's."""
    try:
        parsed = uuid.UUID(str(public_id))
    except (ValueError, TypeError):
        return None
    return requirements_of(organisation=organisation).filter(public_id=parsed).first()


def meeting(shares: QuerySet[Share], requirement: EntryRequirement, today: dt.date | None = None) -> QuerySet[Share]:
    """Only the shares whose result meets ``requirement``: the same rule as ``rules.evaluate``, in SQL."""
    today = today or dt.date.today()
    exam_ids = [exam.pk for exam in requirement.exams.all()]
    if exam_ids:
        shares = shares.filter(result__exam_id__in=exam_ids)
    if requirement.within_years is not None:
        shares = shares.filter(result__exam_date__gte=years_before(today, requirement.within_years))
    if requirement.min_overall is not None or requirement.min_component is not None:
        shares = shares.filter(result__status="result", result__overall_score__isnull=False)
    if requirement.min_overall is not None:
        shares = shares.filter(result__overall_score__gte=requirement.min_overall)
    if requirement.min_component is not None:
        shares = shares.exclude(result__components__score__lt=requirement.min_component)
    return shares
