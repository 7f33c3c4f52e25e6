"""Fetch-by-id scoped to the actor. "Not yours" and "does not exist" raise the same ``Http404``."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404
from django.utils import timezone

from rvs.results.models import ErnGrant, Result
from rvs.sharing.models import Share


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def result_for_organisation(organisation: Any, public_id: Any) -> tuple[Result, Share | None]:
    """The result and the organisation's active share of it (None when reached by ERN look-up).

    Open to the organisation while a share is active or an ERN look-up grant has not expired.
    """
    result = Result.objects.select_related("candidate", "exam", "centre").filter(public_id=_uuid(public_id)).first()
    if result is None:
        raise Http404("No result found.")
    share = Share.objects.filter(result=result, organisation=organisation, revoked_at__isnull=True).first()
    if (
        share is None
        and not ErnGrant.objects.filter(
            result=result, organisation=organisation, expires_at__gt=timezone.now()
        ).exists()
    ):
        raise Http404("No result found.")
    return result, share


def membership_for_organisation(organisation: Any, public_id: Any) -> Any:
    """A user's membership of ``organisation``; another organisation's user is a 404 too."""
    from rvs.organisations.models import Membership

    membership = (
        Membership.objects.select_related("user").filter(public_id=_uuid(public_id), organisation=organisation).first()
    )
    if membership is None:
        raise Http404("No such user.")
    return membership


def results_for_candidate(candidate: Any, public_ids: list[str]) -> list[Result]:
    """The candidate's own results among ``public_ids``; any other id is a 404."""
    ids = [_uuid(value) for value in public_ids]
    results = list(Result.objects.filter(candidate=candidate, public_id__in=ids).select_related("exam"))
    if len(results) != len(set(ids)):
        raise Http404("No result found.")
    return results


def share_for_candidate(candidate: Any, public_id: Any) -> Share:
    share = (
        Share.objects.select_related("result", "organisation")
        .filter(public_id=_uuid(public_id), result__candidate=candidate)
        .first()
    )
    if share is None:
        raise Http404("No share found.")
    return share


def organisation_for_sharing(public_id: Any) -> Any:
    """An active organisation of the directory (any candidate may share with any of them)."""
    from rvs.organisations.models import Organisation

    organisation = Organisation.objects.filter(public_id=_uuid(public_id), status=Organisation.Status.ACTIVE).first()
    if organisation is None:
        raise Http404("No such organisation.")
    return organisation
