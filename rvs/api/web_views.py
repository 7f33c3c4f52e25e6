"""Your Organisation → API: API keys and webhooks (Primary User only), with the delivery log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from rvs.api import keys, webhooks
from rvs.api.models import ApiKey, WebhookEndpoint
from rvs.core.access import owned_or_404
from rvs.core.confirm_views import Confirmation, is_confirmed, render_confirm
from rvs.core.form_errors import NamedErrors
from rvs.core.forms import apply_errors
from rvs.core.permissions import Perm, has_perm, org_permission_required
from rvs.organisations.http import OrganisationRequest
from rvs.organisations.models import Organisation


class KeyForm(NamedErrors, forms.Form):
    error_phrases = {"name": gettext_lazy("the key name"), "scope": gettext_lazy("the key's access")}
    name = forms.CharField(
        label=gettext_lazy("Key name"),
        max_length=100,
        help_text=gettext_lazy("For example the system that will use it."),
    )
    scope = forms.ChoiceField(
        label=pgettext_lazy("an API key's permission", "Access"),
        choices=ApiKey.Scope.choices,
        initial=ApiKey.Scope.READ,
        widget=forms.RadioSelect,
    )


class WebhookForm(NamedErrors, forms.Form):
    error_phrases = {"url": gettext_lazy("the endpoint URL"), "events": gettext_lazy("at least one event")}
    url = forms.URLField(
        label=gettext_lazy("Endpoint URL"),
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("An https:// address."),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(kind, kind) for kind in webhooks.EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )


def _key(organisation: Organisation, public_id: str) -> ApiKey:
    return owned_or_404(ApiKey.objects.filter(organisation=organisation), public_id)


def _endpoint(organisation: Organisation, public_id: str) -> WebhookEndpoint:
    return owned_or_404(WebhookEndpoint.objects.filter(organisation=organisation), public_id)


def _context(request: OrganisationRequest, **extra: Any) -> dict[str, Any]:
    organisation = request.organisation
    return {
        "organisation": organisation,
        "tab": "api",
        "can_manage": has_perm(request.user, organisation, Perm.API_KEYS),
        "api_keys": ApiKey.objects.filter(organisation=organisation),
        "endpoints": WebhookEndpoint.objects.filter(organisation=organisation),
        "overlap_hours": settings.API_KEY_ROTATION_OVERLAP_HOURS,
        **extra,
    }


@never_cache
@org_permission_required(Perm.ORG_VIEW)
def overview(request: OrganisationRequest) -> HttpResponse:
    return render(request, "organisations/api.html", _context(request, key_form=KeyForm(), webhook_form=WebhookForm()))


@never_cache
@require_POST
@org_permission_required(Perm.API_KEYS)
def key_create(request: OrganisationRequest) -> HttpResponse:
    form = KeyForm(request.POST)
    if form.is_valid():
        try:
            key, text = keys.key_create(actor=request.user, organisation=request.organisation, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return render(request, "organisations/api_secret.html", {"kind": "key", "object": key, "secret": text})
    return render(
        request, "organisations/api.html", _context(request, key_form=form, webhook_form=WebhookForm()), status=400
    )


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.API_KEYS)
def key_rotate(request: OrganisationRequest, public_id: str) -> HttpResponse:
    """The table's Rotate button (or a GET) asks first: the old key stops working after the overlap.

    Only the POST of the confirmation page (``confirmed=yes``) rotates.
    """
    organisation = request.organisation
    key = _key(organisation, public_id)
    if not is_confirmed(request):
        hours = settings.API_KEY_ROTATION_OVERLAP_HOURS
        return render_confirm(
            request,
            Confirmation(
                question=_("Are you sure you want to rotate the API key ‘%(name)s’?") % {"name": key.name},
                consequences=(
                    _("We make a new key and show it to you once."),
                    ngettext(
                        "The old key (%(key)s) keeps working for %(hours)s hour so you can switch your systems over; "
                        "after that it is refused.",
                        "The old key (%(key)s) keeps working for %(hours)s hours so you can switch your systems over; "
                        "after that it is refused.",
                        hours,
                    )
                    % {"key": f"rvs_{key.prefix}_…", "hours": hours},
                ),
                button=_("Yes, rotate the key"),
                cancel_url=reverse("api_web:overview"),
            ),
        )
    try:
        key, text = keys.key_rotate(
            actor=request.user, organisation=organisation, key=key,
            overlap_hours=settings.API_KEY_ROTATION_OVERLAP_HOURS,
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("api_web:overview")
    return render(
        request, "organisations/api_secret.html", {"kind": "key", "object": key, "secret": text, "rotated": True}
    )


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.API_KEYS)
def key_revoke(request: OrganisationRequest, public_id: str) -> HttpResponse:
    """The table's Revoke button (or a GET) asks first; only the confirmation's POST revokes, at once."""
    organisation = request.organisation
    key = _key(organisation, public_id)
    if not is_confirmed(request):
        if not key.is_usable:
            messages.info(request, _("The key “%(name)s” is already revoked or expired.") % {"name": key.name})
            return redirect("api_web:overview")
        return render_confirm(
            request,
            Confirmation(
                question=_("Are you sure you want to revoke the API key ‘%(name)s’?") % {"name": key.name},
                consequences=(
                    _(
                        "Every request made with it (%(key)s) is refused from the moment you revoke it: "
                        "any system still using it stops getting results."
                    )
                    % {"key": f"rvs_{key.prefix}_…"},
                    _("To connect a system again you will need to create a new key."),
                ),
                button=_("Yes, revoke the key"),
                cancel_url=reverse("api_web:overview"),
            ),
        )
    keys.key_revoke(actor=request.user, organisation=organisation, key=key)
    messages.success(request, _("The key “%(name)s” has been revoked; it is refused from now on.") % {"name": key.name})
    return redirect("api_web:overview")


@never_cache
@require_POST
@org_permission_required(Perm.API_KEYS)
def webhook_create(request: OrganisationRequest) -> HttpResponse:
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            endpoint, secret = webhooks.endpoint_create(
                actor=request.user,
                organisation=request.organisation,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return render(
                request, "organisations/api_secret.html", {"kind": "webhook", "object": endpoint, "secret": secret}
            )
    return render(
        request, "organisations/api.html", _context(request, key_form=KeyForm(), webhook_form=form), status=400
    )


@never_cache
@require_http_methods(["GET"])
@org_permission_required(Perm.API_KEYS)
def webhook_detail(request: OrganisationRequest, public_id: str) -> HttpResponse:
    endpoint = _endpoint(request.organisation, public_id)
    deliveries = endpoint.deliveries.select_related("event").order_by("-created_at")[:50]
    return render(request, "organisations/webhook.html", _context(request, endpoint=endpoint, deliveries=deliveries))


@require_POST
@org_permission_required(Perm.API_KEYS)
def webhook_action(request: OrganisationRequest, public_id: str, action: str) -> HttpResponse:
    organisation = request.organisation
    endpoint = _endpoint(organisation, public_id)
    if action == "test":
        webhooks.send_test_event(actor=request.user, organisation=organisation, endpoint=endpoint)
        messages.success(request, _("A test event is on its way; its delivery appears below."))
        return redirect("api_web:webhook", public_id=endpoint.public_id)
    if action == "enable":
        webhooks.endpoint_enable(actor=request.user, organisation=organisation, endpoint=endpoint)
        messages.success(request, _("The endpoint is on again."))
        return redirect("api_web:webhook", public_id=endpoint.public_id)
    raise Http404  # "delete" is webhook_delete's own URL, which asks first


@never_cache
@require_http_methods(["GET", "POST"])
@org_permission_required(Perm.API_KEYS)
def webhook_delete(request: OrganisationRequest, public_id: str) -> HttpResponse:
    """The "Delete endpoint" link asks first; only the confirmation's POST deletes it and its delivery log."""
    organisation = request.organisation
    endpoint = _endpoint(organisation, public_id)
    if not is_confirmed(request):
        return render_confirm(
            request,
            Confirmation(
                question=_("Are you sure you want to delete the webhook endpoint %(url)s?") % {"url": endpoint.url},
                consequences=(
                    _(
                        "We stop calling it at once, including deliveries still waiting to be retried, and its "
                        "delivery log is deleted."
                    ),
                    _("To receive events there again you will need to add it again, with a new signing secret."),
                ),
                button=_("Yes, delete the endpoint"),
                cancel_url=reverse("api_web:webhook", kwargs={"public_id": endpoint.public_id}),
            ),
        )
    webhooks.endpoint_delete(actor=request.user, organisation=organisation, endpoint=endpoint)
    messages.success(request, _("The endpoint has been deleted."))
    return redirect("api_web:overview")
