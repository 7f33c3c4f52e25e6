"""Django's admin app, with our site in place of ``admin.site`` (listed in ``INSTALLED_APPS``).

This module is imported while the app registry is being filled: it must import no models.
"""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Every ``@admin.register`` (ours and third-party apps') lands on ``StaffAdminSite``."""

    default_site = "rvs.backoffice.admin_site.StaffAdminSite"
