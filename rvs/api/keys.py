"""API keys: created and shown once, rotated with an overlap, revoked at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rvs.accounts.models import User
from rvs.api.models import ApiKey
from rvs.core.audit import log_action
from rvs.core.permissions import Perm, has_perm
from rvs.organisations.models import Organisation

PREFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_material() -> tuple[str, str, str]:
    prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(10))
    secret = secrets.token_urlsafe(32)  # 256 bits
    return prefix, secret, f"rvs_{prefix}_{secret}"


def _require(actor: User, organisation: Organisation) -> None:
    if not has_perm(actor, organisation, Perm.API_KEYS):
        raise PermissionDenied


@transaction.atomic
def key_create(*, actor: User, organisation: Organisation, name: str, scope: str) -> tuple[ApiKey, str]:
    """A new key; returns it with its full text, which is never stored and never shown again."""
    _require(actor, organisation)
    if scope not in ApiKey.Scope.values:
        raise ValidationError({"scope": _("Choose read only or read and write.")})
    if not name.strip():
        raise ValidationError({"name": _("Give the key a name, e.g. the system that uses it.")})
    prefix, secret, text = _new_material()
    key = ApiKey.objects.create(
        organisation=organisation, name=name.strip(), prefix=prefix, secret_hash=_hash(secret), scope=scope,
        created_by=actor,
    )  # fmt: skip
    log_action(
        "api_key.created", actor=actor, organisation=organisation, obj=key, data={"name": key.name, "scope": scope}
    )
    return key, text


@transaction.atomic
def key_rotate(*, actor: User, organisation: Organisation, key: ApiKey, overlap_hours: int) -> tuple[ApiKey, str]:
    """A replacement key; the old one keeps working for ``overlap_hours`` so systems can switch."""
    _require(actor, organisation)
    if key.organisation_id != organisation.pk or not key.is_usable:
        raise ValidationError(_("Only a key in use can be rotated."))
    if not 0 <= overlap_hours <= 24 * 30:
        raise ValidationError({"overlap_hours": _("The overlap is between 0 hours and 30 days.")})
    new, text = key_create(actor=actor, organisation=organisation, name=key.name, scope=key.scope)
    expires = timezone.now() + dt.timedelta(hours=overlap_hours)
    ApiKey.objects.filter(pk=key.pk).update(
        replaced_by=new, expires_at=min(expires, key.expires_at) if key.expires_at else expires
    )
    log_action(
        "api_key.rotated", actor=actor, organisation=organisation, obj=key,
        data={"name": key.name, "overlap_hours": overlap_hours},
    )  # fmt: skip
    return new, text


@transaction.atomic
def key_revoke(*, actor: User, organisation: Organisation, key: ApiKey) -> None:
    """Refused from the next request on."""
    _require(actor, organisation)
    if key.organisation_id != organisation.pk:
        raise PermissionDenied
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    log_action("api_key.revoked", actor=actor, organisation=organisation, obj=key, data={"name": key.name})


def authenticate(text: str) -> ApiKey | None:
    """The usable key for ``text``: looked up by its prefix, its secret compared in constant time."""
    parts = text.split("_", 2)
    if len(parts) != 3 or parts[0] != "rvs" or not parts[1] or not parts[2]:
        return None
    key = ApiKey.objects.select_related("organisation").filter(prefix=parts[1]).first()
    # Compare even when no key has that prefix, so timing does not tell which prefixes exist.
    expected = key.secret_hash if key is not None else _hash("no such key")
    if not hmac.compare_digest(expected, _hash(parts[2])) or key is None or not key.is_usable:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)  # at most once a minute per key
    return key
