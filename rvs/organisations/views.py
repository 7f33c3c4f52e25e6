"""Your Organisation: details, users, recognised exams (the user's email notifications: ``rvs.accounts``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from rvs.core.confirm_views import Confirmation
from rvs.core.forms import apply_errors
from rvs.core.permissions import Perm, has_perm, org_permission_required
from rvs.exams import catalogue
from rvs.organisations import selectors, services
from rvs.organisations.forms import OrganisationForm, RecognisedExamsForm, UserForm
from rvs.organisations.http import OrganisationRequest


def _tab_context(request: OrganisationRequest, tab: str) -> dict[str, object]:
    organisation = request.organisation
    user = request.user
    return {
        "organisation": organisation,
        "tab": tab,
        "can_edit": has_perm(user, organisation, Perm.ORG_EDIT),
        "can_manage_users": has_perm(user, organisation, Perm.USERS_MANAGE),
        "can_edit_exams": has_perm(user, organisation, Perm.EXAMS_EDIT),
    }


@never_cache
@org_permission_required(Perm.ORG_VIEW)
def details(request: OrganisationRequest) -> HttpResponse:
    return render(request, "organisations/details.html", _tab_context(request, "details"))


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.ORG_EDIT)
def details_edit(request: OrganisationRequest) -> HttpResponse:
    organisation = request.organisation
    form = OrganisationForm(request.POST if request.method == "POST" else None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        services.organisation_update(actor=request.user, organisation=organisation, data=form.cleaned_data)
        messages.success(request, _("Your organisation details have been saved."))
        return redirect("organisations:details")
    organisation.refresh_from_db()  # the bound ModelForm changed the instance in memory
    return render(request, "organisations/details_edit.html", {**_tab_context(request, "details"), "form": form})


@never_cache
@org_permission_required(Perm.ORG_VIEW)
def users(request: OrganisationRequest) -> HttpResponse:
    organisation = request.organisation
    context = {**_tab_context(request, "users"), "memberships": selectors.memberships(organisation=organisation)}
    return render(request, "organisations/users.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.USERS_MANAGE)
def user_add(request: OrganisationRequest) -> HttpResponse:
    form = UserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.user_add(
                actor=request.user,
                organisation=request.organisation,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(email)s has been added and emailed instructions to sign in.") % {"email": membership.user.email},
            )
            return redirect("organisations:users")
    return render(request, "organisations/user_form.html", {**_tab_context(request, "users"), "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.USERS_MANAGE)
def user_edit(request: OrganisationRequest, public_id: str) -> HttpResponse:
    organisation = request.organisation
    membership = selectors.membership_for_organisation(organisation, public_id)
    initial = {"full_name": membership.user.full_name, "job_title": membership.user.job_title}
    form = UserForm(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        services.user_update(
            actor=request.user,
            organisation=organisation,
            membership=membership,
            **form.cleaned_data,
        )
        messages.success(request, _("%(email)s has been updated.") % {"email": membership.user.email})
        return redirect("organisations:users")
    context = {**_tab_context(request, "users"), "form": form, "membership": membership}
    return render(request, "organisations/user_form.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.USERS_MANAGE)
def user_delete(request: OrganisationRequest, public_id: str) -> HttpResponse:
    organisation = request.organisation
    membership = selectors.membership_for_organisation(organisation, public_id)
    error = ""
    if request.method == "POST":
        try:
            services.user_remove(actor=request.user, organisation=organisation, membership=membership)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("%(email)s has been deleted.") % {"email": membership.user.email})
            return redirect("organisations:users")
    user = membership.user
    confirm = Confirmation(
        question=_("Are you sure you want to delete the user %(email)s?") % {"email": user.email},
        consequences=(
            _(
                "%(name)s will no longer be able to sign in: their account is deleted and their Email "
                "Notifications stop."
            )
            % {"name": user.full_name},
        ),
        button=_("Yes, delete the user"),
        cancel_url=reverse("organisations:users"),
        undo=_("This cannot be undone: to give them access again, add them as a new user."),
    )
    context = {**_tab_context(request, "users"), "membership": membership, "error": error, "confirm": confirm}
    return render(request, "organisations/user_delete.html", context, status=400 if error else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.ORG_VIEW)
def exams(request: OrganisationRequest) -> HttpResponse:
    organisation = request.organisation
    context = _tab_context(request, "exams")
    if request.method == "POST":
        if not context["can_edit_exams"]:
            return render(request, "403.html", status=403)
        form = RecognisedExamsForm(request.POST)
        if form.is_valid():
            services.recognised_exams_update(
                actor=request.user,
                organisation=organisation,
                exams=form.cleaned_data["exams"],
            )
            messages.success(request, _("Your Recognised Exams and Tests have been saved."))
            return redirect("organisations:exams")
    else:
        form = RecognisedExamsForm(initial={"exams": list(organisation.recognised_exams.all())})
    context.update(
        {
            "form": form,
            "families": selectors.exam_families(organisation=organisation),
            "recognised_exams_notice": catalogue.recognised_exams_notice(),
        }
    )
    return render(request, "organisations/exams.html", context)


@require_http_methods(["POST"])
@org_permission_required(Perm.ORG_EDIT)
def two_factor_policy(request: OrganisationRequest) -> HttpResponse:
    required = request.POST.get("require_two_factor") == "on"
    services.organisation_require_two_factor(
        actor=request.user,
        organisation=request.organisation,
        required=required,
    )
    if required:
        messages.success(
            request, _("Every user must now sign in with a second factor; those without one set it up next time.")
        )
    else:
        messages.success(request, _("A second factor is now optional for your users."))
    return redirect("organisations:details")
