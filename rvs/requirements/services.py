"""Entry requirements: saving them, and checking results against them."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rvs.accounts.models import User
from rvs.core.audit import log_action
from rvs.core.permissions import Perm, has_perm
from rvs.exams.models import Exam
from rvs.organisations.models import Organisation
from rvs.requirements.models import EntryRequirement
from rvs.requirements.rules import Rule, Verdict, evaluate
from rvs.results.models import Result


def rule_of(requirement: EntryRequirement) -> Rule:
    return Rule(
        min_overall=requirement.min_overall,
        min_component=requirement.min_component,
        exam_codes=frozenset(exam.code for exam in requirement.exams.all()),
        within_years=requirement.within_years,
    )


def check(requirement: EntryRequirement, result: Result, rule: Rule | None = None) -> Verdict:
    """The verdict for one result (its components prefetched ideally)."""
    components = list(result.components.all())
    return evaluate(
        rule or rule_of(requirement),
        exam_code=result.exam.code,
        exam_name=result.exam.name,
        exam_date=result.exam_date,
        shows_scores=result.shows_scores,
        overall=result.overall_score,
        components={c.code: c.score for c in components},
        labels={c.code: c.label for c in components},
        allowed_exam_names=[exam.name for exam in requirement.exams.all()],
    )


@transaction.atomic
def requirement_save(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    min_overall: int | None,
    min_component: int | None,
    exams: Iterable[Exam],
    within_years: int | None,
    requirement: EntryRequirement | None = None,
) -> EntryRequirement:
    if not has_perm(actor, organisation, Perm.ORG_EDIT):
        raise PermissionDenied
    if requirement is not None and requirement.organisation_id != organisation.pk:
        raise PermissionDenied
    if not name.strip():
        raise ValidationError({"name": _("Give the requirement a name, e.g. “MSc entry”.")})
    exams = list(exams)
    if min_overall is None and min_component is None and not exams and within_years is None:
        raise ValidationError(_("Set at least one condition."))
    try:
        with transaction.atomic():
            if requirement is None:
                requirement = EntryRequirement(organisation=organisation, created_by=actor)
            requirement.name = name.strip()
            requirement.min_overall, requirement.min_component = min_overall, min_component
            requirement.within_years = within_years
            requirement.save()
    except IntegrityError:
        raise ValidationError({"name": _("You already have a requirement with this name.")}) from None
    requirement.exams.set(exams)
    log_action(
        "requirement.saved", actor=actor, organisation=organisation, obj=requirement, data={"name": requirement.name}
    )
    return requirement


@transaction.atomic
def requirement_delete(*, actor: User, organisation: Organisation, requirement: EntryRequirement) -> None:
    if not has_perm(actor, organisation, Perm.ORG_EDIT) or requirement.organisation_id != organisation.pk:
        raise PermissionDenied
    log_action(
        "requirement.deleted", actor=actor, organisation=organisation, obj=requirement, data={"name": requirement.name}
    )
    requirement.delete()
