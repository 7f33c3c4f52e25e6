"""The request a back-office page receives (decision 0026)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from rvs.accounts.models import User


class StaffRequest(HttpRequest):
    """What ``@staff_required`` lets through: a signed-in, active member of staff (with a verified
    second factor). Staff views annotate ``request: StaffRequest``, so mypy knows the user they act as."""

    user: User
