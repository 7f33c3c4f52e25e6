"""Writes on organisations: registration and approval, details, users, recognised exams."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import override

from rvs.accounts.models import User
from rvs.core.audit import log_action
from rvs.core.emails import queue_email
from rvs.core.i18n import language_of, request_language
from rvs.core.normalise import fold
from rvs.core.permissions import Perm, has_perm
from rvs.core.staff import StaffPerm, staff_can
from rvs.exams.models import Exam
from rvs.organisations.models import Membership, Organisation, RegistrationRequest

ORGANISATION_FIELDS = ("name", "kind", "country", "city", "address", "website")


def add_working_days(start: dt.date, days: int) -> dt.date:
    """``start`` plus ``days`` working days, skipping Saturdays and Sundays."""
    current = start
    while days > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def set_password_url(user: User) -> str:
    """A single-use link (Django's token dies once the password changes) valid PASSWORD_RESET_TIMEOUT."""
    from django.conf import settings

    path = reverse(
        "accounts:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.RVS_SITE_URL}{path}"


def _require_staff(actor: User) -> None:
    if not staff_can(actor, StaffPerm.ORGANISATIONS):
        raise PermissionDenied


def _require(actor: User, organisation: Organisation, perm: Perm) -> None:
    if not has_perm(actor, organisation, perm):
        raise PermissionDenied


@transaction.atomic
def registration_submit(*, data: dict[str, Any], exams: Iterable[Exam] = ()) -> RegistrationRequest:
    """Store a registration request and acknowledge it by email.

    Raises ``ValidationError`` (with the field at fault) for a second pending request for the
    same organisation or email address, or an email address that already has an account.
    """
    email = data["work_email"].strip().lower()
    name_folded = fold(data["organisation_name"])
    pending = RegistrationRequest.objects.filter(status=RegistrationRequest.Status.PENDING)
    errors: dict[str, str] = {}
    if pending.filter(name_folded=name_folded, country=data["country"]).exists():
        errors["organisation_name"] = _("A request to register this organisation is already waiting for review.")
    if pending.filter(work_email=email).exists():
        errors["work_email"] = _("A request from this email address is already waiting for review.")
    elif User.objects.filter(email=email).exists():
        errors["work_email"] = _("This email address already has an account: sign in, or reset your password.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    request = RegistrationRequest.objects.create(
        **{**data, "work_email": email},
        name_folded=name_folded,
        submitted_at=now,
        due_by=add_working_days(now.date(), 2),
        language=request_language(),  # the approval or rejection email is written in it
    )
    request.recognised_exams.set(exams)
    log_action("registration.submitted", actor=email, obj=request, data={"organisation": request.organisation_name})
    queue_email(to=email, template="registration_received", context={"request": request}, language=request.language)
    return request


@transaction.atomic
def registration_approve(*, actor: User, request: RegistrationRequest) -> Organisation:
    """Create the organisation and its Primary User and email the set-password link.

    The status change is a conditional UPDATE, so two staff approving at once create one
    organisation: the second gets ``ValidationError``.
    """
    _require_staff(actor)
    claimed = RegistrationRequest.objects.filter(pk=request.pk, status=RegistrationRequest.Status.PENDING).update(
        status=RegistrationRequest.Status.APPROVED, decided_at=timezone.now(), decided_by=actor
    )
    if not claimed:
        raise ValidationError(_("This request has already been decided."))
    request.refresh_from_db()
    if User.objects.filter(email=request.work_email).exists():
        raise ValidationError(
            _("%(email)s already has an account; ask the registrant for another address.")
            % {"email": request.work_email}
        )
    organisation = Organisation.objects.create(
        name=request.organisation_name,
        kind=request.kind,
        country=request.country,
        city=request.city,
        address=request.address,
        website=request.website,
    )
    organisation.recognised_exams.set(request.recognised_exams.all())
    user = User.objects.create_user(
        request.work_email, full_name=request.registrant_name, job_title=request.job_title, language=request.language
    )
    Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.PRIMARY)
    RegistrationRequest.objects.filter(pk=request.pk).update(organisation=organisation)
    log_action("registration.approved", actor=actor, organisation=organisation, obj=request)
    queue_email(
        to=user.email,
        template="registration_approved",
        context={"organisation": organisation, "user": user, "link": set_password_url(user)},
        language=language_of(user),
    )
    return organisation


@transaction.atomic
def registration_reject(*, actor: User, request: RegistrationRequest, reason: str) -> None:
    _require_staff(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason: it is sent to the registrant.")})
    claimed = RegistrationRequest.objects.filter(pk=request.pk, status=RegistrationRequest.Status.PENDING).update(
        status=RegistrationRequest.Status.REJECTED, decided_at=timezone.now(), decided_by=actor, rejection_reason=reason
    )
    if not claimed:
        raise ValidationError(_("This request has already been decided."))
    log_action("registration.rejected", actor=actor, obj=request, data={"reason": reason})
    queue_email(
        to=request.work_email,
        template="registration_rejected",
        context={"request": request, "reason": reason},
        language=language_of(None, request.language),
    )


@transaction.atomic
def organisation_update(*, actor: User, organisation: Organisation, data: dict[str, Any]) -> Organisation:
    """Change the organisation's details (Primary User only)."""
    _require(actor, organisation, Perm.ORG_EDIT)
    # Compare with the stored row: a bound ModelForm may already have changed the instance in memory.
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    changed = {field: data[field] for field in ORGANISATION_FIELDS if getattr(organisation, field) != data[field]}
    for field, value in changed.items():
        setattr(organisation, field, value)
    organisation.save()
    log_action(
        "organisation.updated",
        actor=actor,
        organisation=organisation,
        obj=organisation,
        data={"fields": sorted(changed)},
    )
    return organisation


@transaction.atomic
def recognised_exams_update(*, actor: User, organisation: Organisation, exams: Iterable[Exam]) -> None:
    _require(actor, organisation, Perm.EXAMS_EDIT)
    before = set(organisation.recognised_exams.values_list("code", flat=True))
    organisation.recognised_exams.set(exams)
    after = set(organisation.recognised_exams.values_list("code", flat=True))
    log_action(
        "organisation.exams_updated",
        actor=actor,
        organisation=organisation,
        obj=organisation,
        data={"added": sorted(after - before), "removed": sorted(before - after)},
    )


@transaction.atomic
def user_add(*, actor: User, organisation: Organisation, email: str, full_name: str, job_title: str = "") -> Membership:
    """Add an additional user and email them how to sign in (with a set-password link)."""
    _require(actor, organisation, Perm.USERS_MANAGE)
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": _("This email address already has an account.")})
    try:
        user = User.objects.create_user(email, full_name=full_name, job_title=job_title)
    except IntegrityError:
        raise ValidationError({"email": _("This email address already has an account.")}) from None
    membership = Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.ADDITIONAL)
    with override(None):  # the entry's data in English whatever the page's language: the log translates it
        role = str(membership.get_role_display())
    log_action(
        "user.added", actor=actor, organisation=organisation, obj=membership,
        data={"email": email, "name": full_name, "role": role},
    )  # fmt: skip
    queue_email(
        to=email,
        template="user_added",
        context={"organisation": organisation, "user": user, "added_by": actor, "link": set_password_url(user)},
        language=request_language(),  # no saved language yet: the one of the person who added them
    )
    return membership


@transaction.atomic
def user_update(
    *, actor: User, organisation: Organisation, membership: Membership, full_name: str, job_title: str
) -> None:
    _require(actor, organisation, Perm.USERS_MANAGE)
    if membership.organisation_id != organisation.pk:
        raise PermissionDenied
    user = membership.user
    user.full_name, user.job_title = full_name, job_title
    user.save(update_fields=["full_name", "job_title"])
    log_action(
        "user.updated", actor=actor, organisation=organisation, obj=membership, data={"name": full_name or user.email}
    )


@transaction.atomic
def user_remove(*, actor: User, organisation: Organisation, membership: Membership) -> None:
    """Delete an additional user. The Primary User is changed only by staff (``primary_user_change``)."""
    _require(actor, organisation, Perm.USERS_MANAGE)
    if membership.organisation_id != organisation.pk:
        raise PermissionDenied
    if membership.is_primary:
        raise ValidationError(
            _("The Primary User cannot be deleted. Contact the Global Recognition Team to change it.")
        )
    email = membership.user.email
    log_action(
        "user.removed", actor=actor, organisation=organisation, obj=membership,
        data={"email": email, "name": membership.user.full_name},
    )  # fmt: skip
    membership.user.delete()


@transaction.atomic
def notifications_update(*, actor: User, enabled: bool) -> None:
    membership = Membership.objects.select_for_update().get(user=actor)
    Membership.objects.filter(pk=membership.pk).update(notify_on_share=enabled)
    log_action(
        "user.notifications_changed",
        actor=actor,
        organisation=membership.organisation,
        obj=membership,
        data={"notify_on_share": enabled},
    )


@transaction.atomic
def primary_user_change(*, actor: User, organisation: Organisation, new_primary: Membership) -> None:
    """Staff only: make another user of the organisation its Primary User; both are emailed."""
    _require_staff(actor)
    if new_primary.organisation_id != organisation.pk:
        raise ValidationError(_("That user does not belong to this organisation."))
    old = Membership.objects.filter(organisation=organisation, role=Membership.Role.PRIMARY).first()
    if old is not None and old.pk == new_primary.pk:
        raise ValidationError(_("That user is already the Primary User."))
    if old is not None:
        Membership.objects.filter(pk=old.pk).update(role=Membership.Role.ADDITIONAL)
    Membership.objects.filter(pk=new_primary.pk).update(role=Membership.Role.PRIMARY)
    log_action(
        "organisation.primary_changed",
        actor=actor,
        organisation=organisation,
        obj=organisation,
        data={"from": old.user.email if old else "", "to": new_primary.user.email},
    )
    context = {"organisation": organisation, "new_primary": new_primary.user, "old_primary": old.user if old else None}
    queue_email(
        to=new_primary.user.email, template="primary_changed", context=context, language=language_of(new_primary.user)
    )
    if old is not None:
        queue_email(to=old.user.email, template="primary_changed", context=context, language=language_of(old.user))


@transaction.atomic
def organisation_require_two_factor(*, actor: User, organisation: Organisation, required: bool) -> None:
    """Primary User: make a second factor mandatory (or optional) for every user of the organisation."""
    _require(actor, organisation, Perm.ORG_EDIT)
    Organisation.objects.filter(pk=organisation.pk).update(require_two_factor=required)
    log_action(
        "organisation.two_factor_required" if required else "organisation.two_factor_optional",
        actor=actor,
        organisation=organisation,
        obj=organisation,
    )
