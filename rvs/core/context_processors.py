from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def brand(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request.user, "membership", None) if request.user.is_authenticated else None
    return {"brand": settings.RVS_BRAND, "current_membership": membership}
