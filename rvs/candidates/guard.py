"""Secret Number guessing at sign-up: failures per Candidate ID Number, the lock, the alert, the unlock.

A 4-digit Secret Number has 10,000 values; the hourly rate limit alone lets a patient guesser
through in weeks. So ``CANDIDATE_SIGNUP_MAX_FAILURES`` wrong numbers in a row lock sign-up for that
Candidate ID Number (in the database) until the candidate follows the single-use link emailed to
the address the exam board holds for them, or the lock is ``CANDIDATE_SIGNUP_LOCK_DAYS`` old. The
sign-up page answers a locked ID exactly as a wrong number (the guesser learns nothing); the lock
is audited, logged as a warning and emailed to ``SECURITY_ALERT_EMAIL``. See decision 0015.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rvs.candidates.models import SecretNumberGuard
from rvs.core.audit import log_action
from rvs.core.emails import queue_email
from rvs.core.i18n import language_of, request_language
from rvs.results.models import Candidate

logger = logging.getLogger(__name__)
UNLOCK_SALT = "rvs.candidate-id-unlock"
UNLOCK_MAX_AGE = dt.timedelta(days=7)


def _id_end(candidate: Candidate) -> str:
    # Logs and the audit name a Candidate ID Number by its end only, as sign-up refusals always have.
    return candidate.candidate_number[-3:]


def _expired(guard: SecretNumberGuard) -> bool:
    lock_age = dt.timedelta(days=settings.CANDIDATE_SIGNUP_LOCK_DAYS)
    return guard.locked_at is not None and timezone.now() - guard.locked_at >= lock_age


def is_locked(candidate: Candidate) -> bool:
    """Whether sign-up is locked for ``candidate``; a lock older than the lock period is lifted here."""
    guard = SecretNumberGuard.objects.filter(candidate=candidate).first()
    if guard is None or guard.locked_at is None:
        return False
    if not _expired(guard):
        return True
    lifted = SecretNumberGuard.objects.filter(pk=guard.pk, locked_at=guard.locked_at).update(
        failures=0, locked_at=None, unlock_nonce=""
    )
    if lifted:
        log_action(
            "candidate.secret_number_unlocked", actor="system", obj=candidate,
            data={"candidate_id_end": _id_end(candidate), "how": "lock period over"},
        )  # fmt: skip
    return False


def record_success(candidate: Candidate) -> None:
    """The right Secret Number: failures are counted in a row, so the count starts again."""
    SecretNumberGuard.objects.filter(candidate=candidate, locked_at__isnull=True).update(failures=0)


def record_failure(candidate: Candidate) -> None:
    """Count a wrong Secret Number; the one that reaches the limit locks the ID and raises the alert."""
    guard, _ = SecretNumberGuard.objects.get_or_create(candidate=candidate)
    SecretNumberGuard.objects.filter(pk=guard.pk).update(failures=F("failures") + 1)
    nonce = secrets.token_hex(16)
    # One conditional UPDATE: of two guesses arriving together only one locks, so one alert.
    locked = SecretNumberGuard.objects.filter(
        pk=guard.pk, locked_at__isnull=True, failures__gte=settings.CANDIDATE_SIGNUP_MAX_FAILURES
    ).update(locked_at=timezone.now(), unlock_nonce=nonce)
    if locked:
        guard.refresh_from_db()
        _alert(candidate, guard)


def _unlock_url(guard: SecretNumberGuard) -> str:
    token = signing.dumps({"g": guard.pk, "n": guard.unlock_nonce}, salt=UNLOCK_SALT)
    return f"{settings.RVS_SITE_URL}{reverse('candidates:unlock', args=[token])}"


def _alert(candidate: Candidate, guard: SecretNumberGuard) -> None:
    context: dict[str, Any] = {
        "candidate": candidate,
        "failures": guard.failures,
        "lock_days": settings.CANDIDATE_SIGNUP_LOCK_DAYS,
        "link_days": UNLOCK_MAX_AGE.days,
    }
    log_action(
        "candidate.secret_number_locked", actor="system", obj=candidate,
        data={"candidate_id_end": _id_end(candidate), "failures": guard.failures},
    )  # fmt: skip
    logger.warning(
        "sign-up locked for Candidate ID Number ending %s after %s wrong Secret Numbers in a row",
        _id_end(candidate),
        guard.failures,
    )
    if settings.SECURITY_ALERT_EMAIL:
        queue_email(
            to=settings.SECURITY_ALERT_EMAIL,
            template="candidate_id_locked_alert",
            context=context,
            language=settings.LANGUAGE_CODE,  # the exam board's security team
        )
    if candidate.email:
        # Only the true candidate reads this address (the exam board holds it, not the guesser).
        queue_email(
            to=candidate.email,
            template="candidate_id_locked",
            context={**context, "link": _unlock_url(guard)},
            language=language_of(getattr(getattr(candidate, "account", None), "user", None), request_language()),
        )


@transaction.atomic
def candidate_id_unlock(*, token: str) -> Candidate:
    """Lift a lock with the emailed link; raises ``ValidationError`` for a bad, used or expired link."""
    try:
        data: dict[str, Any] = signing.loads(token, salt=UNLOCK_SALT, max_age=UNLOCK_MAX_AGE)
    except signing.SignatureExpired:
        days = settings.CANDIDATE_SIGNUP_LOCK_DAYS
        expired = ngettext(
            "This unlock link has expired. Sign-up unlocks on its own %(days)s day after it was locked.",
            "This unlock link has expired. Sign-up unlocks on its own %(days)s days after it was locked.",
            days,
        )
        raise ValidationError(expired, code="expired", params={"days": days}) from None
    except signing.BadSignature:
        raise ValidationError(_("This unlock link is not valid."), code="invalid") from None
    guard_id, nonce = data.get("g"), data.get("n")
    if not isinstance(guard_id, int) or not isinstance(nonce, str) or not nonce:
        raise ValidationError(_("This unlock link is not valid."), code="invalid")
    guard = SecretNumberGuard.objects.select_related("candidate").filter(pk=guard_id).first()
    unlocked = SecretNumberGuard.objects.filter(pk=guard_id, unlock_nonce=nonce, locked_at__isnull=False).update(
        failures=0, locked_at=None, unlock_nonce=""
    )
    if guard is None or not unlocked:
        raise ValidationError(
            _("This unlock link is not valid: it has been used already, or a newer one has been sent."), code="used"
        )
    log_action(
        "candidate.secret_number_unlocked", actor="system", obj=guard.candidate,
        data={"candidate_id_end": _id_end(guard.candidate), "how": "emailed link"},
    )  # fmt: skip
    return guard.candidate
