from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar, cast, overload

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect

if TYPE_CHECKING:
    from rvs.accounts.models import User
    from rvs.candidates.models import CandidateAccount
    from rvs.core.actors import ActorLike
    from rvs.results.models import Candidate


class CandidateRequest(HttpRequest):
    """A request ``candidate_required`` let through: candidate views annotate their request with it."""

    user: User
    candidate_account: CandidateAccount
    candidate: Candidate


_P = ParamSpec("_P")
_Request = TypeVar("_Request", bound=HttpRequest)
_CandidateView = Callable[Concatenate[_Request, _P], HttpResponseBase]
_View = Callable[Concatenate[HttpRequest, _P], HttpResponseBase]


def candidate_account_of(user: ActorLike) -> CandidateAccount | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    account: CandidateAccount | None = getattr(user, "candidate_account", None)
    return account


@overload
def candidate_required(view: _CandidateView[_Request, _P], *, confirmed: bool = True) -> _View[_P]: ...


@overload
def candidate_required(
    view: None = None, *, confirmed: bool = True
) -> Callable[[_CandidateView[_Request, _P]], _View[_P]]: ...


def candidate_required(
    view: _CandidateView[_Request, _P] | None = None, *, confirmed: bool = True
) -> _View[_P] | Callable[[_CandidateView[_Request, _P]], _View[_P]]:
    """Candidates only: signed out → the candidates' sign-in page; organisation users and staff → 403.

    With ``confirmed`` (the default) an account whose email is not confirmed yet is sent to the
    page that asks for it. Sets ``request.candidate_account`` and ``request.candidate``: the view
    annotates its request as ``CandidateRequest``.
    """

    def decorator(func: _CandidateView[_Request, _P]) -> _View[_P]:
        @wraps(func)
        def wrapper(request: HttpRequest, /, *args: _P.args, **kwargs: _P.kwargs) -> HttpResponseBase:
            if not request.user.is_authenticated:  # the candidates' own sign-in page, keeping next=
                return redirect_to_login(request.get_full_path(), login_url="candidates:sign_in")
            account = candidate_account_of(request.user)
            if account is None:
                raise PermissionDenied
            if confirmed and not account.is_confirmed:
                return redirect("candidates:confirm_needed")
            candidate_request = cast(CandidateRequest, request)
            candidate_request.candidate_account = account
            candidate_request.candidate = account.candidate
            return func(cast(_Request, candidate_request), *args, **kwargs)

        wrapper.required_permission = "candidate"  # type: ignore[attr-defined]
        return wrapper

    return decorator(view) if view is not None else decorator
