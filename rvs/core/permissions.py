"""One permission model: roles map to permission flags; every check goes through ``has_perm``.

HTML views declare what they need with ``@org_permission_required(Perm.X)``; the API (later)
asks the same ``has_perm`` for users and API keys. Anything not granted is denied.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from rvs.core.actors import ActorLike, is_api_key


class Perm(enum.StrEnum):
    RESULTS_VIEW = "results.view"
    RESULTS_SEARCH = "results.search"
    ERN_LOOKUP = "results.ern_lookup"
    ORG_VIEW = "organisation.view"
    ORG_EDIT = "organisation.edit"
    USERS_MANAGE = "organisation.users"
    EXAMS_EDIT = "organisation.exams"
    DOWNLOADS = "downloads.make"
    API_KEYS = "api.keys"
    AUDIT_VIEW = "audit.view"


class OrganisationLike(Protocol):
    """What a permission check reads of an organisation (``rvs.organisations.models.Organisation``)."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def require_two_factor(self) -> bool: ...


class MembershipLike(Protocol):
    """What a permission check reads of a user's membership (``rvs.organisations.models.Membership``)."""

    @property
    def organisation(self) -> OrganisationLike: ...

    @property
    def organisation_id(self) -> int: ...

    @property
    def role(self) -> str: ...


class MemberRequest(HttpRequest):
    """A request ``org_permission_required`` let through. Views annotate the concrete
    ``rvs.organisations.http.OrganisationRequest``, which narrows these to the models."""

    membership: MembershipLike
    organisation: OrganisationLike


_EVERY_USER = frozenset({Perm.RESULTS_VIEW, Perm.RESULTS_SEARCH, Perm.ERN_LOOKUP, Perm.ORG_VIEW, Perm.DOWNLOADS})
ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    "primary": frozenset(Perm),
    "additional": _EVERY_USER,
}


def membership_of(user: ActorLike) -> MembershipLike | None:
    """The user's active membership in an active organisation, or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    membership = _membership_with_organisation(user)
    if membership is None or not membership.organisation.is_active:
        return None
    return membership


def _membership_with_organisation(user: ActorLike) -> MembershipLike | None:
    """``user.membership`` with its organisation and whether the user has a confirmed TOTP device
    (``has_totp``, for ``needs_second_factor``), read in one query: every organisation page needs
    all three. Cached on the user as the accessor caches it, so later ``user.membership`` is free."""
    from django.db.models import Exists, OuterRef
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # The accessor from the user model, not from type(user): request.user is a lazy wrapper (twice,
    # with django-otp), whose class has no accessor; the cache it reads and fills is the user's own
    # (_state is passed through). Decision 0020: no unwrapping of LazyObject's internals.
    model = get_user_model()
    related = getattr(getattr(model, "membership", None), "related", None)
    if related is None or not isinstance(user, model) or related.is_cached(user):
        cached: MembershipLike | None = getattr(user, "membership", None)
        return cached
    devices = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
    membership = (
        related.related_model.objects.select_related("organisation")
        .annotate(has_totp=Exists(devices))
        .filter(user=user)
        .first()
    )
    related.set_cached_value(user, membership)
    if membership is not None:
        related.field.set_cached_value(membership, user)
    return cast("MembershipLike | None", membership)


# What an API key may do, by scope: keys authenticate systems, so no organisation administration.
API_KEY_PERMISSIONS: dict[str, frozenset[Perm]] = {
    "read": frozenset({Perm.RESULTS_VIEW, Perm.RESULTS_SEARCH, Perm.ERN_LOOKUP, Perm.ORG_VIEW}),
    "write": frozenset({Perm.RESULTS_VIEW, Perm.RESULTS_SEARCH, Perm.ERN_LOOKUP, Perm.ORG_VIEW, Perm.DOWNLOADS}),
}


def has_perm(user: ActorLike, organisation: OrganisationLike, perm: Perm) -> bool:
    """Whether ``user`` (a user or an API key) may do ``perm`` for ``organisation``. Deny by default."""
    if is_api_key(user):
        return (
            user.is_usable
            and user.organisation_id == organisation.pk
            and organisation.is_active
            and perm in API_KEY_PERMISSIONS.get(user.scope, frozenset())
        )
    membership = membership_of(user)
    if membership is None or membership.organisation_id != organisation.pk:
        return False
    return perm in ROLE_PERMISSIONS.get(membership.role, frozenset())


def needs_second_factor(request: HttpRequest, membership: MembershipLike) -> bool:
    """Required when the organisation demands it or the user turned it on; satisfied once verified."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    is_verified = getattr(request.user, "is_verified", None)
    if is_verified is not None and is_verified():
        return False
    if membership.organisation.require_two_factor:
        return True
    has_totp = getattr(membership, "has_totp", None)  # read with the membership (membership_of)
    if has_totp is not None:
        return bool(has_totp)
    return bool(TOTPDevice.objects.filter(user=request.user, confirmed=True).exists())  # django-otp is untyped


_P = ParamSpec("_P")
_Request = TypeVar("_Request", bound=HttpRequest)


def org_permission_required(
    perm: Perm,
) -> Callable[
    [Callable[Concatenate[_Request, _P], HttpResponseBase]], Callable[Concatenate[HttpRequest, _P], HttpResponseBase]
]:
    """Signed out: to the sign-in page. Signed in without ``perm`` in an organisation: 403.

    On success the view finds ``request.organisation`` and ``request.membership`` set: it annotates
    its request as ``rvs.organisations.http.OrganisationRequest``.
    """

    def decorator(
        view: Callable[Concatenate[_Request, _P], HttpResponseBase],
    ) -> Callable[Concatenate[HttpRequest, _P], HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, /, *args: _P.args, **kwargs: _P.kwargs) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_of(request.user)
            if membership is None or not has_perm(request.user, membership.organisation, perm):
                raise PermissionDenied
            if needs_second_factor(request, membership):
                return redirect_to_login(request.get_full_path(), login_url="accounts:two_factor")
            member_request = cast(MemberRequest, request)
            member_request.membership = membership
            member_request.organisation = membership.organisation
            return view(cast(_Request, member_request), *args, **kwargs)

        wrapper.required_permission = perm  # type: ignore[attr-defined]
        return wrapper

    return decorator
