"""Django's admin app, with our site in place of ``admin.site`` (listed in ``INSTALLED_APPS``).

This module is imported while the app registry is being filled: it must import no models.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.admin.apps import AdminConfig
from django.core import checks


class StaffAdminConfig(AdminConfig):
    """Every ``@admin.register`` (ours and third-party apps') lands on ``StaffAdminSite``."""

    default_site = "rvs.backoffice.admin_site.StaffAdminSite"

    def ready(self) -> None:
        super().ready()
        checks.register(admin_served_in_production, checks.Tags.security, deploy=True)


def admin_served_in_production(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``manage.py check --deploy`` reminds whoever turned the admin on in production to turn it off."""
    if settings.PRODUCTION and settings.ADMIN_ENABLED:
        return [
            checks.Warning(
                "The Django admin is served at /admin/ in production (RVS_ADMIN_ENABLED=true).",
                hint="Use the back office; turn the admin on only for a task that needs it, then off "
                "(unset RVS_ADMIN_ENABLED and restart). See docs/operations.md, 'Django admin'.",
                id="rvs_admin.W001",
            )
        ]
    return []
