"""The tenancy chokepoint: what an organisation (or a candidate) may see of the shared data.

An organisation sees a result while the candidate's share of it with the organisation is active
or while a look-up of its Exam Reference Number by the organisation has not expired (decision
0014). Every read of shares, their search index and ERN grants goes through this module: the
results pages, search, downloads, the API, bulk verification and the back office's notices to
the organisations that received a result. ``tests/test_tenancy_chokepoint.py`` fails when a
module outside the list it keeps reads ``Share``, ``ShareSearch``, ``ShareNameToken`` or
``ErnGrant`` rows by itself (decision 0022).

Writes stay in the services that own them (``sharing.services``, ``sharing.search_index``,
``results.services`` for a look-up's grant).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from rvs.core.access import owned_or_404
from rvs.results.models import ErnGrant, Result
from rvs.sharing.models import Share, ShareNameToken, ShareSearch

if TYPE_CHECKING:
    from rvs.organisations.models import Organisation
    from rvs.results.models import Candidate

_CHUNK = 1000


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


# ---- the organisation's side ------------------------------------------------------------------


def active_shares(organisation: Organisation) -> QuerySet[Share]:
    """The candidates' active shares with ``organisation``."""
    return Share.objects.filter(organisation=organisation, revoked_at__isnull=True)


def live_grants(organisation: Organisation) -> QuerySet[ErnGrant]:
    """The organisation's ERN look-up grants that have not expired."""
    return ErnGrant.objects.filter(organisation=organisation, expires_at__gt=timezone.now())


def index_rows(organisation: Organisation) -> QuerySet[ShareSearch]:
    """The organisation's search index: a row for each active share (decision 0004)."""
    return ShareSearch.objects.filter(organisation=organisation)


def name_terms(organisation: Organisation) -> QuerySet[ShareNameToken]:
    """The name terms of the organisation's search index (decision 0001)."""
    return ShareNameToken.objects.filter(organisation=organisation)


def shares_by_id(ids: Any) -> QuerySet[Share]:
    """Shares by the ids that a read of one organisation's own rows gave (``index_rows``,
    ``name_terms``): a search's matches as a subquery, or a page's ids (``sharing.search``).

    Not filtered by organisation again: the ids are already the organisation's, and a second
    condition on the shares table would let the planner walk the organisation's shares instead
    of looking up a page's 25 ids by primary key (decisions 0004, 0024).
    """
    return Share.objects.filter(pk__in=ids)


def share_of(organisation: Organisation, result: Result) -> Share | None:
    """The organisation's active share of ``result``, if any."""
    return active_shares(organisation).filter(result=result).first()


def result_for_organisation(organisation: Organisation, public_id: Any) -> tuple[Result, Share | None]:
    """The result and the organisation's active share of it (None when reached by ERN look-up).

    "Not yours" and "does not exist" are the same ``Http404``.
    """
    result = owned_or_404(
        Result.objects.select_related("candidate", "exam", "centre"), public_id, message="No result found."
    )
    share = share_of(organisation, result)
    if share is None and not live_grants(organisation).filter(result=result).exists():
        raise Http404("No result found.")
    return result, share


def visible_result_ids(*, organisation: Organisation, result_ids: Sequence[int]) -> list[int]:
    """The ids the organisation may still open (active share or live grant), in the order given."""
    allowed: set[int] = set()
    for chunk in _chunks(list(result_ids)):
        allowed.update(active_shares(organisation).filter(result_id__in=chunk).values_list("result_id", flat=True))
        allowed.update(live_grants(organisation).filter(result_id__in=chunk).values_list("result_id", flat=True))
    return [result_id for result_id in result_ids if result_id in allowed]


def photo_result_ids(*, organisation: Organisation, result_ids: Sequence[int]) -> set[int]:
    """Results whose candidate included the test day photo in their share with the organisation."""
    ids: set[int] = set()
    for chunk in _chunks(list(result_ids)):
        shares = active_shares(organisation).filter(include_photo=True, result_id__in=chunk)
        ids.update(shares.values_list("result_id", flat=True))
    return ids


def with_revocations(results: QuerySet[Result], organisation: Organisation) -> QuerySet[Result]:
    """``results`` annotated with ``share_revoked`` and ``share_active`` for ``organisation``, read
    in the same query (a look-up of an unknown number and of a revoked result cost the same)."""
    shares = Share.objects.filter(result=OuterRef("pk"), organisation=organisation)
    return results.annotate(
        share_revoked=Exists(shares.filter(revoked_at__isnull=False)),
        share_active=Exists(shares.filter(revoked_at=None)),
    )


def revoked_here(result: Any) -> bool:
    """From ``with_revocations``: the candidate revoked a share with the organisation and has not
    shared the result again (decision 0014)."""
    return bool(result.share_revoked and not result.share_active)


# ---- the exam board's side: who received a result ---------------------------------------------


def receivers(result: Result) -> QuerySet[Organisation]:
    """Organisations that received ``result``: an active share, or a live ERN look-up grant."""
    from rvs.organisations.models import Organisation

    granted = ErnGrant.objects.filter(result=result, expires_at__gt=timezone.now()).values("organisation_id")
    return Organisation.objects.filter(
        Q(pk__in=Share.objects.filter(result=result, revoked_at__isnull=True).values("organisation_id"))
        | Q(pk__in=granted)
    )


def shares_of_result(result: Result) -> QuerySet[Share]:
    """The result's active shares, for the back office's result page."""
    return Share.objects.filter(result=result, revoked_at__isnull=True).select_related("organisation")


# ---- the candidate's side ---------------------------------------------------------------------


def candidate_shares(candidate: Candidate) -> QuerySet[Share]:
    """Every share the candidate made, active first, newest first."""
    return (
        Share.objects.filter(result__candidate=candidate)
        .select_related("organisation", "result__exam")
        .order_by("revoked_at", "-shared_at")
    )


def share_for_candidate(candidate: Candidate, public_id: Any) -> Share:
    """One of the candidate's shares; anyone else's is a 404."""
    shares = Share.objects.select_related("result", "organisation").filter(result__candidate=candidate)
    return owned_or_404(shares, public_id, message="No share found.")
