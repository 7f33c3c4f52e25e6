"""The second factor of staff and organisation users: TOTP (authenticator app) with one-time backup codes.

Via django-otp; served under /accounts/ (organisation users) and /backoffice/ (staff).
"""

from __future__ import annotations

import secrets
from base64 import b32encode

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rvs.core import ratelimit
from rvs.core.audit import log_action
from rvs.core.form_errors import NamedErrors
from rvs.core.permissions import membership_of


class CodeForm(NamedErrors, forms.Form):
    error_phrases = {"code": gettext_lazy("the authentication code")}

    code = forms.CharField(
        label=gettext_lazy("Authentication code"),
        max_length=12,
        help_text=gettext_lazy("The 6 digits your authenticator app shows, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/backoffice/" if request.user.is_staff else "/"


def _staff(request: HttpRequest) -> None:
    """Staff and organisation users have a second factor; candidates do not (yet)."""
    if not request.user.is_active or not (request.user.is_staff or membership_of(request.user) is not None):
        raise PermissionDenied


def _setup_url(request: HttpRequest) -> str:
    return "/backoffice/two-factor/setup/" if request.path.startswith("/backoffice/") else "/accounts/two-factor/setup/"


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    _staff(request)
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{_setup_url(request)}?next={_next(request)}")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ratelimit.hit("staff_otp", str(request.user.pk))
        device = match_token(request.user, form.cleaned_data["code"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            log_action("staff.second_factor_passed", actor=request.user, data={"device": type(device).__name__})
            return redirect(_next(request))
        log_action("staff.second_factor_failed", actor=request.user)
        form.add_error("code", _("This code is not right. Check the time on your phone, or use a backup code."))
    return render(
        request,
        "backoffice/two_factor.html",
        {"form": form, "next": _next(request)},
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    _staff(request)
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(request.path.replace("/setup/", "/"))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ratelimit.hit("staff_otp", str(request.user.pk))
        if device.verify_token(form.cleaned_data["code"].replace(" ", "")):
            device.confirmed = True
            device.save()
            backup = StaticDevice.objects.create(user=request.user, name="Backup codes", confirmed=True)
            codes = [secrets.token_hex(4) for _ in range(10)]
            StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
            otp_login(request, device)
            log_action("staff.second_factor_enrolled", actor=request.user)
            return render(request, "backoffice/two_factor_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("code", _("This code is not right. Scan the QR code again and enter the current 6 digits."))
    # No fixed width: the viewBox lets site.css shrink the code to fit a phone (issue 17, item 3).
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, omitsize=True, title=_("QR code for your authenticator app")
    )
    context = {"form": form, "qr_svg": qr_svg, "secret": b32encode(device.bin_key).decode(), "next": _next(request)}
    return render(request, "backoffice/two_factor_setup.html", context, status=400 if form.errors else 200)


# Staff only (checked inside); these are the pages that grant the second factor itself.
verify.required_permission = "staff, before the second factor"  # type: ignore[attr-defined]
setup.required_permission = "staff, before the second factor"  # type: ignore[attr-defined]
