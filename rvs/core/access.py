"""Fetch one row by its public id from a queryset already scoped to its owner.

"Not yours" and "does not exist" raise the same ``Http404``: callers pass a queryset narrowed
to what the actor may see (``sharing.access`` for shared data, ``organisation=`` for an
organisation's own rows), never the whole table.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def public_uuid(value: Any) -> uuid.UUID:
    """``value`` as a UUID; anything else is a 404 (a mistyped link, not a server error)."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def owned_or_404(queryset: QuerySet[M], public_id: Any, *, message: str = "Not found.", field: str = "public_id") -> M:
    """The row of ``queryset`` whose ``field`` is ``public_id``, or ``Http404(message)``."""
    row = queryset.filter(**{field: public_uuid(public_id)}).first()
    if row is None:
        raise Http404(message)
    return row
