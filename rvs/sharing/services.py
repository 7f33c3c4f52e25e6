"""Writes on shares: a candidate shares results with an organisation, or revokes a share."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from rvs.accounts.models import User
from rvs.core.audit import log_action
from rvs.core.emails import queue_email
from rvs.core.events import record_event
from rvs.core.i18n import language_of
from rvs.core.models import Event
from rvs.organisations.models import Membership, Organisation
from rvs.results.models import Candidate, ErnGrant, Result
from rvs.sharing import search_index
from rvs.sharing.models import Share


@transaction.atomic
def share_create(
    *, actor: User, candidate: Candidate, organisation: Organisation, results: Sequence[Result], include_photo: bool
) -> list[Share]:
    """Share the candidate's ``results`` with ``organisation``.

    A result already shared with it keeps its share (the photo choice is updated). Users of the
    organisation who turned on Email Notifications get one email for this share. Raises
    ``ValueError`` for a result that is not the candidate's (callers fetch through access.py).
    """
    if not organisation.is_active:
        raise ValueError("This organisation cannot receive results at the moment.")
    now = timezone.now()
    shares = []
    for result in results:
        if result.candidate_id != candidate.pk:
            raise ValueError("not the candidate's result")
        share = (
            Share.objects.select_for_update().filter(result=result, organisation=organisation, revoked_at=None).first()
        )
        created = share is None
        if share is None:
            share = Share.objects.create(
                result=result, organisation=organisation, include_photo=include_photo, shared_at=now
            )
            search_index.refresh_shares([share.pk])
        elif share.include_photo != include_photo:
            Share.objects.filter(pk=share.pk).update(include_photo=include_photo)
        shares.append(share)
        if not created:
            continue  # already shared: only the photo choice may have changed
        record_event(
            Event.Kind.RESULT_SHARED,
            organisation=organisation,
            result=result,
            data={"share": str(share.public_id), "include_photo": include_photo},
        )
        log_action(
            "share.created",
            actor=actor,
            organisation=organisation,
            obj=share,
            data={"result": str(result.public_id), "include_photo": include_photo},
        )
    _notify(organisation, candidate, [share.result for share in shares])
    return shares


def _notify(organisation: Organisation, candidate: Candidate, results: list[Result]) -> None:
    recipients = Membership.objects.filter(
        organisation=organisation, notify_on_share=True, user__is_active=True
    ).select_related("user")
    for membership in recipients:
        queue_email(
            to=membership.user.email,
            template="result_shared",
            context={
                "organisation": organisation,
                "candidate": candidate,
                "results": results,
                "dashboard_path": reverse("results:dashboard"),
            },
            language=language_of(membership.user),
        )


@transaction.atomic
def share_revoke(*, actor: User, candidate: Candidate, share: Share) -> None:
    """End a share at once: the organisation can no longer find or open the result.

    ERN look-up grants the organisation holds for that result end too, so no link it kept works.
    """
    if share.result.candidate_id != candidate.pk:
        raise ValueError("not the candidate's share")
    now = timezone.now()
    updated = Share.objects.filter(pk=share.pk, revoked_at__isnull=True).update(revoked_at=now)
    if not updated:
        return
    search_index.refresh_shares([share.pk])
    record_event(
        Event.Kind.SHARE_REVOKED,
        organisation=share.organisation,
        result=share.result,
        data={"share": str(share.public_id)},
    )
    ErnGrant.objects.filter(result=share.result, organisation=share.organisation, expires_at__gt=now).update(
        expires_at=now
    )
    log_action("share.revoked", actor=actor, organisation=share.organisation, obj=share)
