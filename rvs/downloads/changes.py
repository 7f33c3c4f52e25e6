"""What changed in a result since a statement of it was issued: one comparison for both checks.

A statement is pinned to what the result said when it was issued, in one of two ways: the upload
check has the statement's digest (``state_digest``), the QR link its revision number (how many
corrections the result had had, decision 0017). Either finds the result's state at issue in its
correction history (each ``ResultRevision`` keeps what the result said ``before``), and
``compare`` lists, field by field, what differs now. The two pages show the same list.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from rvs.results.models import Result, ResultRevision

State = dict[str, Any]
WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Change:
    """One field that differs: its label, and what the statement said and says now (as printed)."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class SinceIssue:
    """The result's state when a statement was issued, and when it was first corrected after."""

    state: State
    changed_at: datetime


def statement_state(result: Result) -> State:
    """What a statement says about a result: the correction history's shape (``ResultRevision.state_of``)."""
    return ResultRevision.state_of(result)


def state_digest(result: Result, state: State) -> str:
    """The digest a statement carries: the fields printed on it, hashed (``pdf.result_digest``)."""
    payload = [
        result.ern, state["first_name"], state["last_name"], state["date_of_birth"], result.exam.code,
        result.exam_date.isoformat(), state["status"], state["overall_score"], state["grade"], state["cefr"],
        sorted(state["components"].items()),
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:32]


def _history(result: Result) -> list[ResultRevision]:
    """The result's corrections, oldest first."""
    return list(ResultRevision.objects.filter(result=result).order_by("changed_at", "id"))


def revision_count(result: Result) -> int:
    """How many corrections the result has had: the revision a statement issued now is at."""
    counted = getattr(result, "revision_count", None)  # set by the selector for a whole download
    return counted if isinstance(counted, int) else ResultRevision.objects.filter(result=result).count()


def since_revision(result: Result, revision: int) -> SinceIssue | None:
    """The state at issue of a statement issued at ``revision``; None if not corrected since."""
    history = _history(result)
    if revision >= len(history):
        return None
    first_after = history[revision]
    return SinceIssue(first_after.before, first_after.changed_at)


def since_digest(result: Result, digest: str) -> SinceIssue | None:
    """The state at issue of a statement carrying ``digest``, found in the correction history.

    The latest correction whose ``before`` hashes to the digest: a result corrected back and forth
    gives the same comparison either way. None when no state in the history matches (a change made
    outside the correction service): the statement is still "changed", only without the details.
    """
    for revision in reversed(_history(result)):
        if isinstance(revision.before, dict) and state_digest(result, revision.before) == digest:
            return SinceIssue(revision.before, revision.changed_at)
    return None


def last_correction(result: Result) -> datetime | None:
    """When the result was last corrected, if ever (a QR link without revision knows no more)."""
    latest = ResultRevision.objects.filter(result=result).order_by("-changed_at", "-id").first()
    return latest.changed_at if latest is not None else None


def _shown(value: Any) -> str:
    return "–" if value in (None, "") else str(value)


def compare(result: Result, before: State, after: State) -> list[Change]:
    """What differs between two states of ``result``, field by field, in the statement's order.

    Scores, CEFR level, grade and each component as printed; the name too (the check pages show
    it); the date of birth only as "corrected", since the public pages never show it; a
    withdrawal as a field of its own.
    """
    changes = []
    name_before = f"{before.get('first_name', '')} {before.get('last_name', '')}".strip()
    name_after = f"{after.get('first_name', '')} {after.get('last_name', '')}".strip()
    if name_before != name_after:
        changes.append(Change(_("Name"), name_before, name_after))
    if before.get("date_of_birth") != after.get("date_of_birth"):
        changes.append(Change(_("Date of birth"), _("as printed"), _("corrected (not shown here)")))
    scores = (("overall_score", _("Overall score")), ("cefr", _("CEFR level")), ("grade", _("Grade")))
    for key, label in scores:
        if before.get(key) != after.get(key):
            changes.append(Change(label, _shown(before.get(key)), _shown(after.get(key))))
    labels = {c.code: c.label for c in result.components.all()}
    scores_before, scores_after = before.get("components") or {}, after.get("components") or {}
    for code in [*scores_before, *(c for c in scores_after if c not in scores_before)]:
        was, now = scores_before.get(code), scores_after.get(code)
        if was != now:
            changes.append(Change(labels.get(code, code), _shown(was), _shown(now)))
    if (before.get("status") == WITHDRAWN) != (after.get("status") == WITHDRAWN):
        yes, no = _("yes"), _("no")
        changes.append(Change(_("Withdrawn"), *((yes, no) if before.get("status") == WITHDRAWN else (no, yes))))
    return changes
