from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect


def candidate_account_of(user: Any) -> Any:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return getattr(user, "candidate_account", None)


def candidate_required(view: Callable[..., HttpResponseBase] | None = None, *, confirmed: bool = True) -> Any:
    """Candidates only: signed out → sign in; organisation users and staff → 403.

    With ``confirmed`` (the default) an account whose email is not confirmed yet is sent to the
    page that asks for it. Sets ``request.candidate_account`` and ``request.candidate``.
    """

    def decorator(func: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            account = candidate_account_of(request.user)
            if account is None:
                raise PermissionDenied
            if confirmed and not account.is_confirmed:
                return redirect("candidates:confirm_needed")
            request.candidate_account = account  # type: ignore[attr-defined]
            request.candidate = account.candidate  # type: ignore[attr-defined]
            return func(request, *args, **kwargs)

        wrapper.required_permission = "candidate"  # type: ignore[attr-defined]
        return wrapper

    return decorator(view) if view is not None else decorator
