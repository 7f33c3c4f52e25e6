"""Who acts: a signed-in user or an organisation's API key. Both answer ``has_perm``."""

from __future__ import annotations

from typing import Any


def is_api_key(actor: Any) -> bool:
    return bool(getattr(actor, "is_api_key", False))


def user_of(actor: Any) -> Any:
    """The user behind ``actor`` for foreign keys, or None for an API key or a label."""
    if is_api_key(actor) or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def actor_key(actor: Any) -> str:
    """A rate-limit key that never confuses user 7 with API key 7."""
    return f"key:{actor.pk}" if is_api_key(actor) else f"user:{actor.pk}"


def actor_label(actor: Any) -> str:
    if is_api_key(actor):
        return f"API key “{actor.name}” (rvs_{actor.prefix})"
    if isinstance(actor, str):
        return actor
    return str(getattr(actor, "email", "") or "")
