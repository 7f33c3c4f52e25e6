"""Writes for the Candidate Results Website: sign-up, email confirmation, inviting an organisation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rvs.accounts.models import User
from rvs.candidates import guard
from rvs.candidates.models import CandidateAccount, OrganisationInvite
from rvs.core import ratelimit
from rvs.core.audit import log_action
from rvs.core.emails import queue_email
from rvs.core.i18n import language_of, request_language
from rvs.results.models import Candidate
from rvs.results.secret_numbers import secret_number_hash
from rvs.results.services import secret_number_matches

CONFIRM_SALT = "rvs.candidate-email-confirmation"
CONFIRM_MAX_AGE = 3 * 24 * 60 * 60
# The one answer to every refusal that depends on the pair (decision 0015).
NO_MATCH = gettext_lazy(
    "We could not find a candidate with this Candidate ID Number and Secret Number who can sign up. "
    "Check both against your Confirmation of Entry; your exam centre can give them to you again. If you "
    "already have an account, sign in, or use 'Forgotten your password?' if you cannot."
)


def _confirmation_url(user: User) -> str:
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=CONFIRM_SALT)
    return f"{settings.RVS_SITE_URL}{reverse('candidates:confirm_email', args=[token])}"


def candidate_sign_up(
    *,
    candidate_number: str,
    secret_number: str,
    email: str,
    password: str,
    country: str = "",
    first_language: str = "",
    marketing_opt_in: bool = False,
) -> CandidateAccount:
    """Create a candidate's account after proving the Candidate ID Number and Secret Number.

    Every refusal that depends on the pair is the same ``ValidationError`` (``NO_MATCH``): an
    unknown Candidate ID Number, a wrong Secret Number, a locked Candidate ID Number, a right one
    whose candidate already has an account (its holder is emailed) or whose email address is taken
    (that address is emailed). Guesses are limited per Candidate ID Number
    (``RATE_LIMITS['candidate_pair']``) and a run of wrong ones locks it (``rvs.candidates.guard``).
    An email confirming the address is queued; the account can sign in at once but shares nothing
    until confirmed.
    """
    number = candidate_number.strip().upper()
    email = email.strip().lower()
    ratelimit.hit("candidate_pair", number)
    # Judged before the pair and without the candidate's name: a password complaint given only
    # when the Secret Number is right would tell a guesser that it is.
    validate_password(password, User(email=email))
    profile = {"country": country, "first_language": first_language, "marketing_opt_in": marketing_opt_in}
    # The refusal is raised after this block commits, so that the failure count, the lock and the
    # audit entries it wrote are kept.
    with transaction.atomic():
        account = _sign_up_if_allowed(number, secret_number.strip(), email, password, profile)
    if account is None:
        raise ValidationError(NO_MATCH, code="no_match")
    return account


def _refused(email: str, number: str, reason: str) -> None:
    log_action("candidate.sign_up_refused", actor=email, data={"candidate_id_end": number[-3:], "reason": reason})


def _sign_up_if_allowed(
    number: str, secret_number: str, email: str, password: str, profile: dict[str, Any]
) -> CandidateAccount | None:
    candidate = Candidate.objects.filter(candidate_number=number).first()
    if candidate is None:
        secret_number_hash(number, secret_number)  # the same work as a real check: no timing difference
        _refused(email, number, "unknown Candidate ID Number")
        return None
    matched = secret_number_matches(candidate, secret_number)  # checked even when locked: same work
    if guard.is_locked(candidate):
        _refused(email, number, "locked")
        return None
    if not matched:
        guard.record_failure(candidate)
        _refused(email, number, "wrong Secret Number")
        return None
    guard.record_success(candidate)
    holder = CandidateAccount.objects.select_related("user").filter(candidate=candidate).first()
    if holder is not None:
        queue_email(
            to=holder.user.email,
            template="candidate_sign_up_attempt",
            context=_help_context(holder.user),
            language=language_of(holder.user, request_language()),
        )
        _refused(email, number, "account exists")
        return None
    taken = User.objects.filter(email=email).first()
    if taken is not None:
        queue_email(
            to=email,
            template="candidate_sign_up_email_taken",
            context=_help_context(taken),
            language=language_of(taken, request_language()),
        )
        _refused(email, number, "email address taken")
        return None
    return _create_account(candidate, email, password, profile)


def _help_context(user: User) -> dict[str, Any]:
    return {
        "user": user,
        "sign_in_url": f"{settings.RVS_SITE_URL}{reverse('accounts:login')}",
        "reset_url": f"{settings.RVS_SITE_URL}{reverse('accounts:forgot_password')}",
    }


def _create_account(candidate: Candidate, email: str, password: str, profile: dict[str, Any]) -> CandidateAccount:
    user = User(email=email, full_name=candidate.full_name, language=request_language())
    user.set_password(password)
    user.save()
    account = CandidateAccount.objects.create(
        user=user, candidate=candidate, terms_accepted_at=timezone.now(), **profile
    )
    log_action("candidate.signed_up", actor=user, obj=account)
    queue_email(
        to=email,
        template="candidate_confirm",
        context={"user": user, "link": _confirmation_url(user)},
        language=user.language,
    )
    return account


def candidate_confirm_email(*, token: str) -> CandidateAccount:
    """Mark the address confirmed; raises ``ValidationError`` for a bad or expired link."""
    try:
        data: dict[str, Any] = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            _("This confirmation link has expired. Sign in to get a new one."), code="expired"
        ) from None
    except signing.BadSignature:
        raise ValidationError(_("This confirmation link is not valid."), code="invalid") from None
    user_id = data.get("user")
    if not isinstance(user_id, int):
        raise ValidationError(_("This confirmation link is not valid."), code="invalid")
    account = CandidateAccount.objects.select_related("user").filter(user_id=user_id).first()
    if account is None or account.user.email != data.get("email"):
        raise ValidationError(_("This confirmation link is not valid."), code="invalid")
    if account.email_confirmed_at is None:
        CandidateAccount.objects.filter(pk=account.pk).update(email_confirmed_at=timezone.now())
        log_action("candidate.email_confirmed", actor=account.user, obj=account)
        account.refresh_from_db()
    return account


def candidate_resend_confirmation(*, account: CandidateAccount) -> None:
    ratelimit.hit("candidate_confirm_resend", str(account.pk))
    queue_email(
        to=account.user.email,
        template="candidate_confirm",
        context={"user": account.user, "link": _confirmation_url(account.user)},
        language=language_of(account.user, request_language()),
    )


@transaction.atomic
def organisation_invite(
    *, account: CandidateAccount, organisation_name: str, email: str, website: str
) -> OrganisationInvite:
    """Email an organisation that is not listed, inviting it to register (limited per candidate)."""
    ratelimit.hit("candidate_invite", str(account.pk))
    invite = OrganisationInvite.objects.create(
        account=account, organisation_name=organisation_name, email=email.strip().lower(), website=website
    )
    log_action(
        "candidate.invited_organisation", actor=account.user, obj=invite, data={"organisation": organisation_name}
    )
    queue_email(
        to=invite.email,
        template="organisation_invite",
        context={"invite": invite, "register_url": f"{settings.RVS_SITE_URL}{reverse('register')}"},
        language=request_language(),  # the organisation has no language of its own here: the candidate's
    )
    return invite
