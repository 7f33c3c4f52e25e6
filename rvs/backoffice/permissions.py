"""Staff roles: each back-office action needs its permission, and staff sign in with a second factor."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase


class StaffPerm(enum.StrEnum):
    IMPORT = "backoffice.import_results"
    CORRECT = "backoffice.correct_results"
    ORGANISATIONS = "backoffice.manage_organisations"
    AUDIT = "backoffice.view_audit"


def staff_can(user: Any, perm: StaffPerm) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.is_staff and user.has_perm(str(perm))
    )


def two_factor_ok(request: HttpRequest) -> bool:
    if not settings.STAFF_REQUIRE_2FA:
        return True
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def staff_required(
    perm: StaffPerm | None = None,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Staff only (signed out → sign in; others → 403), with a verified second factor, and ``perm``."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_active and user.is_staff):
                raise PermissionDenied
            if not two_factor_ok(request):
                return redirect_to_login(request.get_full_path(), login_url="backoffice:two_factor")
            if perm is not None and not user.has_perm(str(perm)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_permission = str(perm or "staff")  # type: ignore[attr-defined]
        return wrapper

    return decorator
