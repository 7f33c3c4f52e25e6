from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from rvs.core.permissions import has_perm


class HasOrganisationPermission(BasePermission):
    """One check for every API view: ``view.required_permission`` for the key's organisation.

    A view that declares no permission is refused (deny by default). No key → 401; a key
    without the permission (a read-only key writing) → 403.
    """

    message = _("This API key may not do this. Read-only keys cannot create downloads.")

    def has_permission(self, request: Request, view: Any) -> bool:
        perm = getattr(view, "required_permission", None)
        key: Any = request.auth
        if perm is None or not getattr(key, "is_api_key", False):
            return False
        return has_perm(key, key.organisation, perm)
