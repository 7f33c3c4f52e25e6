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
