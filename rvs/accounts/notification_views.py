"""The user's email notifications (``accounts:notifications``): a setting of the user's membership."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from rvs.core.form_errors import NamedErrors
from rvs.core.permissions import Perm, org_permission_required
from rvs.organisations import services
from rvs.organisations.http import OrganisationRequest


class NotificationsForm(NamedErrors, forms.Form):
    notify_on_share = forms.BooleanField(
        label=gettext_lazy("Email me whenever a candidate shares results with my organisation"), required=False
    )


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.RESULTS_VIEW)
def notifications(request: OrganisationRequest) -> HttpResponse:
    membership = request.membership
    form = NotificationsForm(
        request.POST if request.method == "POST" else None, initial={"notify_on_share": membership.notify_on_share}
    )
    if request.method == "POST" and form.is_valid():
        services.notifications_update(actor=request.user, enabled=form.cleaned_data["notify_on_share"])
        messages.success(request, _("Your email notification settings have been saved."))
        return redirect("accounts:notifications")
    return render(request, "organisations/notifications.html", {"form": form})
