"""Staff pages: the registration approval queue and organisations."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from rvs.backoffice.http import StaffRequest
from rvs.backoffice.permissions import StaffPerm, staff_required
from rvs.core.access import owned_or_404
from rvs.core.confirm_views import Confirmation, carried, is_confirmed, render_confirm
from rvs.organisations import selectors, services
from rvs.organisations.forms import RejectForm
from rvs.organisations.models import Membership, Organisation, RegistrationRequest


def _registration(public_id: str) -> RegistrationRequest:
    requests = RegistrationRequest.objects.prefetch_related("recognised_exams")
    return owned_or_404(requests, public_id, message="No such registration request.")


def _organisation(public_id: str) -> Organisation:
    return owned_or_404(Organisation.objects.all(), public_id, message="No such organisation.")


@never_cache
@staff_required(StaffPerm.ORGANISATIONS)
def queue(request: StaffRequest) -> HttpResponse:
    status = request.GET.get("status", RegistrationRequest.Status.PENDING)
    if status not in RegistrationRequest.Status.values:
        status = RegistrationRequest.Status.PENDING
    return render(
        request,
        "backoffice/queue.html",
        {
            "requests": selectors.registration_queue(status=status),
            "status": status,
            "statuses": RegistrationRequest.Status.choices,
            "today": timezone.localdate(),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(StaffPerm.ORGANISATIONS)
def registration(request: StaffRequest, public_id: str) -> HttpResponse:
    registration = _registration(public_id)
    reject_form = RejectForm(request.POST or None) if request.POST.get("action") == "reject" else RejectForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "approve":
                organisation = services.registration_approve(actor=request.user, request=registration)
                messages.success(
                    request, _("%(name)s approved; the Primary User has been emailed.") % {"name": organisation.name}
                )
                return redirect("backoffice:queue")
            if request.POST.get("action") == "reject" and reject_form.is_valid():
                if not is_confirmed(request):
                    reason = reject_form.cleaned_data["reason"]
                    return render_confirm(request, _reject_confirmation(request, registration, reason))
                services.registration_reject(
                    actor=request.user,
                    request=registration,
                    reason=reject_form.cleaned_data["reason"],
                )
                messages.success(
                    request,
                    _("%(name)s rejected; the registrant has been emailed.") % {"name": registration.organisation_name},
                )
                return redirect("backoffice:queue")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            registration.refresh_from_db()
    return render(
        request,
        "backoffice/registration.html",
        {"registration": registration, "reject_form": reject_form, "today": timezone.localdate()},
        status=400 if reject_form.errors else 200,
    )


def _reject_confirmation(request: StaffRequest, registration: RegistrationRequest, reason: str) -> Confirmation:
    return Confirmation(
        question=_("Are you sure you want to reject the registration of %(name)s?")
        % {"name": registration.organisation_name},
        consequences=(
            _("We email %(email)s at once that the registration was rejected, with your reason: “%(reason)s”.")
            % {"email": registration.work_email, "reason": reason},
            _("No organisation or user is created."),
        ),
        button=_("Yes, reject the registration"),
        cancel_url=reverse("backoffice:registration", kwargs={"public_id": registration.public_id}),
        hidden=carried(request.POST),
        undo=_("This cannot be undone: to be reconsidered, they would register again."),
    )


@never_cache
@staff_required(StaffPerm.ORGANISATIONS)
def organisations(request: StaffRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    return render(
        request,
        "backoffice/organisations.html",
        {"organisations": selectors.organisations_for_staff(query=query)[:200], "query": query},
    )


@never_cache
@staff_required(StaffPerm.ORGANISATIONS)
def organisation(request: StaffRequest, public_id: str) -> HttpResponse:
    organisation = _organisation(public_id)
    return render(
        request,
        "backoffice/organisation.html",
        {"organisation": organisation, "memberships": selectors.memberships(organisation=organisation)},
    )


@require_POST
@staff_required(StaffPerm.ORGANISATIONS)
def change_primary(request: StaffRequest, public_id: str) -> HttpResponse:
    organisation = _organisation(public_id)
    members = Membership.objects.filter(organisation=organisation)
    membership = owned_or_404(members, request.POST.get("membership", ""), message="No such user.")
    if not is_confirmed(request) and not membership.is_primary:
        current = members.filter(role=Membership.Role.PRIMARY).select_related("user").first()
        then = {"current": current.user.email if current else "", "email": membership.user.email}
        if current:
            now = _(
                "%(current)s becomes an Additional User; %(email)s can then manage its users, details, API keys "
                "and webhooks."
            )
        else:
            now = _(
                "There is no Primary User now; %(email)s can then manage its users, details, API keys and webhooks."
            )
        return render_confirm(
            request,
            Confirmation(
                question=_("Are you sure you want to make %(email)s the Primary User of %(name)s?")
                % {"email": membership.user.email, "name": organisation.name},
                consequences=(now % then, _("Both users are emailed at once.")),
                button=_("Yes, change the Primary User"),
                cancel_url=reverse("backoffice:organisation", kwargs={"public_id": organisation.public_id}),
                hidden=carried(request.POST),
                undo=_("To change it back, you would change the Primary User again; both are emailed again."),
            ),
        )
    try:
        services.primary_user_change(actor=request.user, organisation=organisation, new_primary=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(email)s is now the Primary User; both users have been emailed.") % {"email": membership.user.email},
        )
    return redirect("backoffice:organisation", public_id=organisation.public_id)


@never_cache
@require_POST
@staff_required(StaffPerm.ORGANISATIONS)
def organisation_status(request: StaffRequest, public_id: str) -> HttpResponse:
    from rvs.backoffice.services import organisation_set_status

    organisation = _organisation(public_id)
    status = request.POST.get("status", "")
    suspending = status == Organisation.Status.SUSPENDED and organisation.status != status
    if suspending and request.POST.get("reason", "").strip() and not is_confirmed(request):
        return render_confirm(
            request,
            Confirmation(
                question=_("Are you sure you want to suspend %(name)s?") % {"name": organisation.name},
                consequences=(
                    _(
                        "From the moment you suspend it, its users are refused on every page and its API keys are "
                        "refused by the API."
                    ),
                    _("The reason is kept in the audit log: “%(reason)s”.")
                    % {"reason": request.POST["reason"].strip()},
                ),
                button=_("Yes, suspend the organisation"),
                cancel_url=reverse("backoffice:organisation", kwargs={"public_id": organisation.public_id}),
                hidden=carried(request.POST),
                undo=_("You can reinstate it later from this organisation's page."),
            ),
        )
    try:
        organisation_set_status(
            actor=request.user, organisation=organisation, status=status, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if status == Organisation.Status.SUSPENDED:
            done = _("%(name)s has been suspended.")
        else:
            done = _("%(name)s has been reinstated.")
        messages.success(request, done % {"name": organisation.name})
    return redirect("backoffice:organisation", public_id=organisation.public_id)
