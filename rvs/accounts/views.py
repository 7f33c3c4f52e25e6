from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from rvs.accounts.forms import OutboxPasswordResetForm
from rvs.core import ratelimit
from rvs.core.audit import log_action


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
    success_url = reverse_lazy("accounts:set_password_done")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        log_action("user.password_set", actor=form.user)
        return response


class ChangePasswordView(auth_views.PasswordChangeView):
    template_name = "accounts/change_password.html"
    success_url = reverse_lazy("accounts:change_password_done")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        log_action("user.password_changed", actor=self.request.user)
        return response
