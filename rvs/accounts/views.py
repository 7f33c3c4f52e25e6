from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from rvs.accounts.forms import NamedPasswordChangeForm, NamedSetPasswordForm, OutboxPasswordResetForm, SignInForm
from rvs.core import ratelimit
from rvs.core.audit import log_action


def sign_in_limits(request: HttpRequest) -> dict[str, str | None]:
    """The rate-limit keys a sign-in attempt counts against: its address, and the account typed."""
    account = request.POST.get("username", "").strip().lower()
    return {"signin_ip": request.META.get("REMOTE_ADDR", ""), "signin_user": account or None}


class SignInView(auth_views.LoginView):
    """Django's sign-in, with failures limited per address and per account on top of django-axes.

    axes locks an (account, address) pair; these catch one address trying many accounts
    (password spraying) and many addresses trying one account. The account is counted by the
    address typed, known or not, so the limit says nothing about who has an account.
    """

    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def _limits(self) -> dict[str, str | None]:
        return sign_in_limits(self.request)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        for scope, key in self._limits().items():
            if key is not None:
                ratelimit.ensure_not_exceeded(scope, key)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        # The failure that fills a window is answered as usual; the next attempt is refused up front.
        for scope, key in self._limits().items():
            if key is not None:
                with contextlib.suppress(ratelimit.RateLimited):
                    ratelimit.hit(scope, key)
        return super().form_invalid(form)


def lockout_response(request: HttpRequest, original_response: Any, credentials: Any) -> HttpResponse:
    """django-axes' lockout page, with ``Retry-After`` like every other 429 of ours (``AXES_LOCKOUT_CALLABLE``)."""
    from axes.helpers import get_cool_off
    from django.conf import settings
    from django.shortcuts import render

    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    minutes = -(-seconds // 60)
    context = {"cooloff_minutes": minutes if seconds else None}  # the page's sentence has its plural forms
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


class ForgotPasswordView(auth_views.PasswordResetView):
    """Same answer whether or not the address has an account (no enumeration); rate-limited."""

    form_class = OutboxPasswordResetForm
    template_name = "accounts/forgot_password.html"
    success_url = reverse_lazy("accounts:forgot_password_sent")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ratelimit.hit("password_reset_ip", request.META.get("REMOTE_ADDR", ""))
        email = request.POST.get("email", "").strip().lower()
        if email:
            try:
                ratelimit.hit("password_reset_email", email)
            except ratelimit.RateLimited:
                # Over the per-address limit: answer as usual, send nothing (no enumeration, no flooding).
                return self.form_valid_without_sending()
        return super().post(request, *args, **kwargs)

    def form_valid_without_sending(self) -> HttpResponse:
        from django.shortcuts import redirect

        return redirect(self.success_url)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The single-use link from approval, new-user and forgotten-password emails."""

    template_name = "accounts/set_password.html"
    form_class = NamedSetPasswordForm
    success_url = reverse_lazy("accounts:set_password_done")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        log_action("user.password_set", actor=form.user)
        return response


class ChangePasswordView(auth_views.PasswordChangeView):
    template_name = "accounts/change_password.html"
    form_class = NamedPasswordChangeForm
    success_url = reverse_lazy("accounts:change_password_done")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        log_action("user.password_changed", actor=self.request.user)
        return response
