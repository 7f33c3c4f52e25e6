"""Staff writes: correcting and withdrawing results, suspending organisations."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rvs.accounts.models import User
from rvs.core.audit import log_action
from rvs.core.emails import queue_email
from rvs.core.events import record_event
from rvs.core.i18n import language_of
from rvs.core.models import Event
from rvs.core.staff import StaffPerm, staff_can
from rvs.exams.scoring import ScoreError, Status, compute, scheme_for
from rvs.organisations.models import Membership, Organisation
from rvs.results.models import CandidateNameToken, ComponentScore, Result, ResultRevision
from rvs.results.services import candidate_sort_name, name_tokens_for
from rvs.sharing import access, search_index


def _require(actor: User, perm: StaffPerm) -> None:
    if not staff_can(actor, perm):
        raise PermissionDenied


@transaction.atomic
def result_correct(
    *,
    actor: User,
    result: Result,
    reason: str,
    scores: dict[str, int | str | None] | None = None,
    status: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    date_of_birth: dt.date | None = None,
) -> ResultRevision:
    """Change scores (overall, grade and CEFR recomputed), the status, or the candidate's name or
    date of birth. Old values are kept; organisations that received the result get an event, a
    webhook and (if they opted in) an email. ``status="withdrawn"`` withdraws the result.
    """
    _require(actor, StaffPerm.CORRECT)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the change; it is kept in the history.")})
    result = Result.objects.select_for_update().select_related("candidate", "exam", "centre").get(pk=result.pk)
    before = ResultRevision.state_of(result)
    candidate = result.candidate
    name_changed = False
    if first_name is not None and last_name is not None:
        if not last_name.strip():
            raise ValidationError({"last_name": _("The surname cannot be empty.")})
        name_changed = (first_name, last_name) != (candidate.first_name, candidate.last_name)
        candidate.first_name, candidate.last_name = first_name.strip(), last_name.strip()
        candidate.sort_name = candidate_sort_name(candidate.first_name, candidate.last_name)
    if date_of_birth is not None:
        candidate.date_of_birth = date_of_birth
    candidate.save()
    if name_changed:
        CandidateNameToken.objects.filter(candidate=candidate).delete()
        CandidateNameToken.objects.bulk_create(name_tokens_for([candidate]))

    new_status = status or result.status
    if new_status == Result.Status.WITHDRAWN:
        result.status = Result.Status.WITHDRAWN
    elif scores is not None or status is not None:
        scheme = scheme_for(result.exam.scoring, result.exam_date)
        if scheme is None:
            raise ValidationError(_("This exam has no scoring rules for its date."))
        forced = new_status if new_status in (Status.PENDING, Status.WITHHELD) else ""
        current = {c.code: c.score for c in result.components.all()}
        try:
            outcome = compute(scheme, {**current, **(scores or {})} if not forced else {}, status=forced)
        except ScoreError as exc:
            raise ValidationError({exc.component: exc.message}) from None
        result.status = outcome.status
        result.overall_score = outcome.overall
        result.grade, result.cefr, result.result_label = outcome.grade or "", outcome.cefr or "", outcome.label
        ComponentScore.objects.filter(result=result).delete()
        ComponentScore.objects.bulk_create(
            ComponentScore(result=result, position=i, code=c.code, label=c.label, score=outcome.components.get(c.code))
            for i, c in enumerate(scheme.components)
            if outcome.components
        )
    result.save()
    # Name, score and status feed the organisations' search index: re-index the candidate's shares.
    search_index.refresh_candidates([candidate.pk])
    result.refresh_from_db()
    after = ResultRevision.state_of(result)
    if after == before:
        raise ValidationError(_("Nothing would change."))
    revision = ResultRevision.objects.create(
        result=result, changed_by=actor, reason=reason.strip(), before=before, after=after
    )
    kind = Event.Kind.RESULT_WITHDRAWN if result.status == Result.Status.WITHDRAWN else Event.Kind.RESULT_CORRECTED
    changed = sorted(key for key in after if after[key] != before[key])
    log_action(kind, actor=actor, obj=result, data={"reason": reason.strip(), "changed": changed})
    for organisation in access.receivers(result):
        record_event(kind, organisation=organisation, result=result, data={"changed": changed})
        for membership in Membership.objects.filter(
            organisation=organisation, notify_on_share=True, user__is_active=True
        ).select_related("user"):
            queue_email(
                to=membership.user.email,
                template="result_changed",
                context={
                    "result": result,
                    "organisation": organisation,
                    "withdrawn": kind == Event.Kind.RESULT_WITHDRAWN,
                },
                language=language_of(membership.user),
            )
    return revision


@transaction.atomic
def organisation_set_status(*, actor: User, organisation: Organisation, status: str, reason: str) -> None:
    """Suspend or reinstate: a suspended organisation's users and API keys are refused at once."""
    _require(actor, StaffPerm.ORGANISATIONS)
    if status not in Organisation.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason; it is kept in the audit log.")})
    Organisation.objects.filter(pk=organisation.pk).update(status=status)
    action = "organisation.suspended" if status == Organisation.Status.SUSPENDED else "organisation.reinstated"
    log_action(action, actor=actor, organisation=organisation, obj=organisation, data={"reason": reason.strip()})
