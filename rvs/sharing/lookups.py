"""An organisation opens a result: by its Exam Reference Number (any result, audited and
rate-limited, opened for a while by a grant) or from its shares (a new share stops being new)."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rvs.core import ern as ern_codec
from rvs.core import ratelimit
from rvs.core.actors import ActorLike, actor_key, user_of
from rvs.core.audit import log_action
from rvs.core.normalise import tokens
from rvs.organisations.models import Organisation
from rvs.results.models import ErnGrant, Result
from rvs.sharing import access
from rvs.sharing.models import Share


def result_by_ern(ern: str, *, organisation: Organisation) -> Result | None:
    """Any result by its normalised Exam Reference Number (callers audit and rate-limit).

    ``result.revoked_here`` says whether the candidate revoked a share of it with ``organisation``
    and has not shared it again (decision 0014). Asked in the same query, so a look-up of an
    unknown number and of a revoked result run the same queries.
    """
    results = Result.objects.select_related("candidate", "exam", "centre").filter(ern=ern)
    result = access.with_revocations(results, organisation).first()
    if result is not None:
        result.revoked_here = access.revoked_here(result)  # type: ignore[attr-defined]
    return result


class ErnNotFound(Exception):
    """No result for this ERN (or the details given with it do not match): one answer for both."""


def result_lookup_by_ern(
    *,
    actor: ActorLike,
    organisation: Organisation,
    ern: str,
    date_of_birth: dt.date | None = None,
    last_name: str = "",
) -> Result:
    """Find any result by its Exam Reference Number and let the organisation open it.

    Raises ``ern.ErnFormatError`` for a typo (caught by the check character, not counted as a
    miss), ``ErnNotFound`` when no result matches, and ``ratelimit.RateLimited`` past the
    limits. Optional date of birth and surname must match too, as a second factor; both are
    required after the candidate revoked a share of the result with ``organisation``.
    Every look-up, found or not, is audited with the ERN's last four characters only.
    """
    normalised = ern_codec.normalise(ern)
    user_key, org_key = actor_key(actor), str(organisation.pk)
    ratelimit.ensure_not_exceeded("ern_miss_user", user_key)
    ratelimit.hit_all(
        {"ern_lookup_user": user_key, "ern_lookup_org": org_key, "ern_lookup_ip": ratelimit.client_address()}
    )
    result = result_by_ern(normalised, organisation=organisation)
    hint = normalised[-4:]
    if result is None or not _details_match(result, date_of_birth, last_name):
        # Not atomic with anything else: a miss must stay in the log although we raise.
        log_action("ern.lookup_missed", actor=actor, organisation=organisation, data={"ern_end": hint})
        # A miss that fills the window is not refused: the next look-up is, up front.
        with contextlib.suppress(ratelimit.RateLimited):
            ratelimit.hit("ern_miss_user", user_key)
        raise ErnNotFound
    now = timezone.now()
    with transaction.atomic():
        ErnGrant.objects.create(
            result=result,
            organisation=organisation,
            granted_by=user_of(actor),
            granted_at=now,
            expires_at=now + dt.timedelta(hours=settings.ERN_GRANT_HOURS),
        )
        log_action("ern.looked_up", actor=actor, organisation=organisation, obj=result, data={"ern_end": hint})
    return result


def _details_match(result: Result, date_of_birth: dt.date | None, last_name: str) -> bool:
    """Whether the details given with the ERN let this organisation open ``result``.

    Each detail given must match. After the candidate revoked a share of it with this
    organisation, both are required (decision 0014): the candidate was told so, and the ERN
    alone, which the organisation kept, no longer reopens it.
    """
    if getattr(result, "revoked_here", False) and (date_of_birth is None or not last_name):
        return False
    if date_of_birth is not None and result.candidate.date_of_birth != date_of_birth:
        return False
    if last_name:
        # A surname of punctuation only ("-") folds to no words; it must not pass as a match.
        given = set(tokens(last_name))
        return bool(given) and given <= set(tokens(result.candidate.last_name))
    return True


@transaction.atomic
def result_open(*, actor: ActorLike, organisation: Organisation, result: Result, share: Share | None) -> None:
    """Record that someone at the organisation opened the result; a new share stops being new."""
    if share is not None and share.first_viewed_at is None:
        Share.objects.filter(pk=share.pk, first_viewed_at__isnull=True).update(
            first_viewed_at=timezone.now(), first_viewed_by=user_of(actor)
        )
    log_action("result.viewed", actor=actor, organisation=organisation, obj=result)
