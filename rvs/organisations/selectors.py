"""Reads on organisations."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from rvs.core.access import owned_or_404
from rvs.core.normalise import fold
from rvs.exams.models import Exam
from rvs.organisations.models import Membership, Organisation, RegistrationRequest


def memberships(*, organisation: Organisation) -> QuerySet[Membership]:
    """The organisation's users, Primary User first."""
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("-role", "user__full_name", "user__email")
    )


def exam_families(*, organisation: Organisation) -> list[tuple[str, list[tuple[Exam, bool]]]]:
    """The whole catalogue grouped by family, each exam with whether the organisation recognises it."""
    recognised = set(organisation.recognised_exams.values_list("pk", flat=True))
    families: dict[str, list[tuple[Exam, bool]]] = {}
    for exam in Exam.objects.all():
        families.setdefault(exam.family, []).append((exam, exam.pk in recognised))
    return list(families.items())


def directory(*, name: str = "", country: str = "", exam: Exam | None = None) -> QuerySet[Organisation]:
    """Approved, active organisations for the Global Recognition Database."""
    organisations = Organisation.objects.filter(status=Organisation.Status.ACTIVE)
    folded = fold(name)
    if folded:
        organisations = organisations.filter(name_folded__contains=folded)
    if country:
        organisations = organisations.filter(country=country)
    if exam is not None:
        organisations = organisations.filter(recognised_exams=exam)
    return organisations.prefetch_related("recognised_exams").order_by("name_folded", "city")


def directory_countries() -> list[str]:
    return list(
        Organisation.objects.filter(status=Organisation.Status.ACTIVE)
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )


def registration_queue(*, status: str = RegistrationRequest.Status.PENDING) -> QuerySet[RegistrationRequest]:
    return (
        RegistrationRequest.objects.filter(status=status)
        .prefetch_related("recognised_exams")
        .order_by("due_by", "submitted_at")
    )


def organisations_for_staff(*, query: str = "") -> QuerySet[Organisation]:
    organisations = Organisation.objects.all()
    folded = fold(query)
    if folded:
        organisations = organisations.filter(Q(name_folded__contains=folded) | Q(city__icontains=query))
    return organisations.order_by("name_folded")


def any_registration(public_id: Any) -> RegistrationRequest:
    return RegistrationRequest.objects.get(public_id=public_id)


def membership_for_organisation(organisation: Organisation, public_id: Any) -> Membership:
    """A user's membership of ``organisation``; another organisation's user is a 404 too."""
    return owned_or_404(
        Membership.objects.select_related("user").filter(organisation=organisation),
        public_id,
        message=_("No such user."),
    )


def organisation_for_sharing(public_id: Any) -> Organisation:
    """An active organisation of the directory (any candidate may share with any of them)."""
    active = Organisation.objects.filter(status=Organisation.Status.ACTIVE)
    return owned_or_404(active, public_id, message=_("No such organisation."))
