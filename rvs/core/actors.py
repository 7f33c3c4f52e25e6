"""Who acts: a signed-in user or an organisation's API key. Both answer ``has_perm``.

Core imports no feature app (decision 0026), so it names an actor by what it reads of one: the
Protocols below. The concrete union, ``Actor = User | ApiKey``, lives in ``rvs.api.actors`` where
both models can be imported; mypy checks there that each satisfies these Protocols.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeGuard

from django.contrib.auth import get_user_model

if TYPE_CHECKING:
    # django-stubs' name for "the model AUTH_USER_MODEL names" (its plugin resolves it to our User);
    # a type-only name, the typed twin of get_user_model().
    from django.contrib.auth.models import _User


class ActorLike(Protocol):
    """Anyone who acts: a user (anonymous too, before a permission check turns it away) or an API key."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...


class ApiKeyLike(ActorLike, Protocol):
    """An organisation's API key acting for it (``rvs.api.models.ApiKey``)."""

    @property
    def is_api_key(self) -> bool: ...

    @property
    def name(self) -> str: ...

    @property
    def prefix(self) -> str: ...

    @property
    def organisation_id(self) -> int: ...

    @property
    def scope(self) -> str: ...

    @property
    def is_usable(self) -> bool: ...


# Who an audit entry names: an actor, a label for what is not one ("system", a typed-in email), or nobody.
AuditActor: TypeAlias = "ActorLike | str | None"


def is_api_key(actor: object) -> TypeGuard[ApiKeyLike]:
    return bool(getattr(actor, "is_api_key", False))


def user_of(actor: AuditActor) -> _User | None:
    """The user behind ``actor`` for foreign keys, or None for an API key, an anonymous user or a label."""
    if is_api_key(actor) or not getattr(actor, "is_authenticated", False):
        return None
    return actor if isinstance(actor, get_user_model()) else None


def actor_key(actor: ActorLike) -> str:
    """A rate-limit key that never confuses user 7 with API key 7."""
    return f"key:{actor.pk}" if is_api_key(actor) else f"user:{actor.pk}"


def actor_label(actor: AuditActor) -> str:
    if is_api_key(actor):
        return f"API key “{actor.name}” (rvs_{actor.prefix})"
    if isinstance(actor, str):
        return actor
    return str(getattr(actor, "email", "") or "")
