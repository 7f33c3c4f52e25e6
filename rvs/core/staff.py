"""The exam board's staff permissions and the one check of them.

The values name the back office's Django permissions (``backoffice`` app label, created by its
migrations): a data dependency, not an import (decision 0023). Services of any app check staff
actions here; the back office's page decorator (``rvs.backoffice.permissions.staff_required``)
adds the sign-in and second-factor redirects on top.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # django-stubs' "the AUTH_USER_MODEL or AnonymousUser" (decision 0026), a type-only name
    from django.contrib.auth.models import _AnyUser


class StaffPerm(enum.StrEnum):
    IMPORT = "backoffice.import_results"
    CORRECT = "backoffice.correct_results"
    ORGANISATIONS = "backoffice.manage_organisations"
    AUDIT = "backoffice.view_audit"


def staff_can(user: _AnyUser, perm: StaffPerm) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.is_staff and user.has_perm(str(perm))
    )
