"""Staff roles: each back-office action needs its permission, and staff sign in with a second factor."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar, cast

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from rvs.core.staff import StaffPerm, staff_can

__all__ = ["StaffPerm", "staff_can", "staff_required", "two_factor_ok"]  # the staff checks live in rvs.core.staff


def two_factor_ok(request: HttpRequest) -> bool:
    if not settings.STAFF_REQUIRE_2FA:
        return True
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


_P = ParamSpec("_P")
_Request = TypeVar("_Request", bound=HttpRequest)


def staff_required(
    perm: StaffPerm | None = None,
) -> Callable[
    [Callable[Concatenate[_Request, _P], HttpResponseBase]], Callable[Concatenate[HttpRequest, _P], HttpResponseBase]
]:
    """Staff only (signed out → sign in; others → 403), with a verified second factor, and ``perm``.

    The view annotates its request as ``rvs.backoffice.http.StaffRequest`` (decision 0026).
    """

    def decorator(
        view: Callable[Concatenate[_Request, _P], HttpResponseBase],
    ) -> Callable[Concatenate[HttpRequest, _P], HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, /, *args: _P.args, **kwargs: _P.kwargs) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_active and user.is_staff):
                raise PermissionDenied
            if not two_factor_ok(request):
                return redirect_to_login(request.get_full_path(), login_url="backoffice:two_factor")
            if perm is not None and not user.has_perm(str(perm)):
                raise PermissionDenied
            return view(cast(_Request, request), *args, **kwargs)

        wrapper.required_permission = str(perm or "staff")  # type: ignore[attr-defined]
        return wrapper

    return decorator
