"""The one way to write the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models

from rvs.core.actors import AuditActor, actor_label, user_of
from rvs.core.context import current
from rvs.core.models import AuditEntry
from rvs.core.permissions import OrganisationLike


def log_action(
    action: str,
    *,
    actor: AuditActor = None,
    organisation: OrganisationLike | None = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record ``action`` (``"result.viewed"``, ``"ern.looked_up"``...) by ``actor``.

    Never put secrets or dates of birth in ``data``: the log is readable by Primary Users.
    """
    meta = current.get()
    return AuditEntry.objects.create(
        actor=user_of(actor),
        actor_label=actor_label(actor)[:200],
        # By key: core knows the organisation only by what permissions read of it (decision 0026).
        organisation_id=organisation.pk if organisation is not None else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(getattr(obj, "public_id", None) or getattr(obj, "pk", "") or "") if obj is not None else "",
        data=data or {},
        ip=meta.ip,
        request_id=meta.request_id,
    )
