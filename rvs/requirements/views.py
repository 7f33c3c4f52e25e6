"""Your Organisation → Entry requirements: named rules checked against every result."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from rvs.core.access import owned_or_404
from rvs.core.confirm_views import Confirmation
from rvs.core.form_errors import NamedErrors
from rvs.core.forms import apply_errors
from rvs.core.permissions import Perm, has_perm, org_permission_required
from rvs.exams.models import Exam
from rvs.organisations.http import OrganisationRequest
from rvs.organisations.models import Organisation
from rvs.requirements import selectors, services
from rvs.requirements.models import EntryRequirement


class RequirementForm(NamedErrors, forms.Form):
    error_phrases = {
        "name": gettext_lazy("the requirement name"), "min_overall": gettext_lazy("the minimum overall score"),
        "min_component": gettext_lazy("the lowest score allowed in any skill"),
        "exams": gettext_lazy("the accepted exams"), "within_years": gettext_lazy("the number of years"),
    }  # fmt: skip
    name = forms.CharField(
        label=gettext_lazy("Requirement name"), max_length=100, help_text=gettext_lazy("For example “MSc entry”.")
    )
    min_overall = forms.IntegerField(
        label=gettext_lazy("Minimum overall score"), required=False, min_value=80, max_value=230
    )
    min_component = forms.IntegerField(
        label=gettext_lazy("No skill below"),
        required=False,
        min_value=80,
        max_value=230,
        help_text=gettext_lazy("The lowest score allowed in any skill."),
    )
    exams = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Accepted exams"), queryset=Exam.objects.filter(verifiable=True), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=gettext_lazy("None ticked: any exam."),
    )  # fmt: skip
    within_years = forms.IntegerField(
        label=gettext_lazy("Taken within the last (years)"), required=False, min_value=1, max_value=20
    )


def _requirement(organisation: Organisation, public_id: str) -> EntryRequirement:
    return owned_or_404(EntryRequirement.objects.filter(organisation=organisation), public_id)


@never_cache
@org_permission_required(Perm.ORG_VIEW)
def index(request: OrganisationRequest) -> HttpResponse:
    organisation = request.organisation
    return render(
        request,
        "requirements/index.html",
        {
            "organisation": organisation,
            "tab": "requirements",
            "requirements": selectors.requirements_of(organisation=organisation),
            "can_edit": has_perm(request.user, organisation, Perm.ORG_EDIT),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.ORG_EDIT)
def edit(request: OrganisationRequest, public_id: str | None = None) -> HttpResponse:
    organisation = request.organisation
    requirement = _requirement(organisation, public_id) if public_id else None
    initial: dict[str, object] = {}
    if requirement is not None:
        initial = {
            "name": requirement.name,
            "min_overall": requirement.min_overall,
            "min_component": requirement.min_component,
            "exams": list(requirement.exams.all()),
            "within_years": requirement.within_years,
        }
    form = RequirementForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.requirement_save(
                actor=request.user, organisation=organisation, requirement=requirement, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Requirement “%(name)s” saved.") % {"name": saved.name})
            return redirect("requirements:index")
    context = {"organisation": organisation, "tab": "requirements", "form": form, "requirement": requirement}
    return render(request, "requirements/form.html", context, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.ORG_EDIT)
def delete(request: OrganisationRequest, public_id: str) -> HttpResponse:
    organisation = request.organisation
    requirement = _requirement(organisation, public_id)
    if request.method == "POST":
        services.requirement_delete(actor=request.user, organisation=organisation, requirement=requirement)
        messages.success(request, _("Requirement “%(name)s” deleted.") % {"name": requirement.name})
        return redirect("requirements:index")
    return render(
        request,
        "requirements/delete.html",
        {
            "organisation": organisation,
            "tab": "requirements",
            "requirement": requirement,
            "confirm": Confirmation(
                question=_("Are you sure you want to delete the entry requirement ‘%(name)s’?")
                % {"name": requirement.name},
                consequences=(
                    _(
                        "Search results, the dashboard and result pages stop saying whether results meet it, and "
                        "its “Meets” column leaves your data file templates."
                    ),
                ),
                button=_("Yes, delete the requirement"),
                cancel_url=reverse("requirements:index"),
            ),
        },
    )
