"""Django's admin site, held to the back office's rules (issue 15, item 1).

- Staff need the same verified second factor as the back office (``two_factor_ok``).
- Signing in happens on the product's page, with its rate limits and django-axes lockout:
  ``/admin/login/`` only forwards there (or to the second factor) and checks no password; a form
  posted to it still counts against the product's sign-in limits, so spraying it ends in 429.
- Changing one's password goes through the product's page too.
- Every ModelAdmin registered here writes our audit log (``AuditedAdminMixin``).

Whether the admin is served at all is ``settings.ADMIN_ENABLED`` (``config/urls.py``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from rvs.accounts.views import sign_in_limits
from rvs.backoffice.admin_audit import AuditedAdminMixin
from rvs.backoffice.permissions import two_factor_ok
from rvs.core import ratelimit


class StaffAdminSite(AdminSite):
    site_header = _("Results Verification Service: administration")
    site_title = _("Administration")

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and two_factor_ok(request)

    def register(
        self, model_or_iterable: Any, admin_class: type[ModelAdmin[Any]] | None = None, **options: Any
    ) -> None:
        # Audited whoever wrote the ModelAdmin: our apps, django-otp, axes, django-tasks.
        base = admin_class or ModelAdmin
        if not issubclass(base, AuditedAdminMixin):
            base = type(base.__name__, (AuditedAdminMixin, base), {"__module__": base.__module__})
        super().register(model_or_iterable, base, **options)

    def _next(self, request: HttpRequest) -> str:
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return target
        return reverse("admin:index", current_app=self.name)

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "POST":
            # Nobody signs in here (the page only forwards), so a form posted here is a script
            # trying passwords: it spends the product's sign-in budget (429 once spent), and its
            # password is never checked.
            ratelimit.hit_all(sign_in_limits(request))
        user = request.user
        next_url = self._next(request)
        if not user.is_authenticated:
            return redirect_to_login(next_url)
        if not (user.is_active and user.is_staff):
            # Signed in but not staff: sending them to sign in again would only loop.
            raise PermissionDenied
        if not self.has_permission(request):
            return redirect_to_login(next_url, login_url="backoffice:two_factor")
        return HttpResponseRedirect(next_url)

    # Django's pages render a template; ours forward to the product's page (one audited way).
    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return redirect("accounts:change_password")

    def password_change_done(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return redirect("accounts:change_password_done")
