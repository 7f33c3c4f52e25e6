"""Writes on results: looking one up by ERN, opening one, keeping candidates' name index."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from rvs.core.normalise import fold, tokens
from rvs.results.models import Candidate, CandidateNameToken
from rvs.results.secret_numbers import secret_number_hash


def secret_number_matches(candidate: Candidate, secret_number: str) -> bool:
    return hmac.compare_digest(candidate.secret_hash, secret_number_hash(candidate.candidate_number, secret_number))


def candidate_sort_name(first_name: str, last_name: str) -> str:
    return fold(f"{last_name} {first_name}")


def name_tokens_for(candidates: Iterable[Candidate]) -> list[CandidateNameToken]:
    """Unsaved index rows for the candidates' first and last names."""
    rows = []
    for candidate in candidates:
        for token in tokens(f"{candidate.first_name} {candidate.last_name}"):
            rows.append(CandidateNameToken(candidate=candidate, token=token))
    return rows
