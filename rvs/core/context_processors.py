from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def brand(request: HttpRequest) -> dict[str, Any]:
    authenticated = request.user.is_authenticated
    membership = getattr(request.user, "membership", None) if authenticated else None
    candidate_account = getattr(request.user, "candidate_account", None) if authenticated else None
    return {"brand": settings.RVS_BRAND, "current_membership": membership, "candidate_account": candidate_account}
