from __future__ import annotations

from django.contrib import admin

from rvs.core.admin import ReadOnlyAdminMixin
from rvs.sharing.models import Share


@admin.register(Share)
class ShareAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Share]):
    """Read-only: candidates share and revoke on their own site, and a share is evidence.

    Registered (rather than left out) so that Django's delete page, which checks every
    registered model a deletion would cascade to, refuses to delete an organisation or a result
    that would take shares with it.
    """

    list_display = ("public_id", "organisation", "shared_at", "revoked_at")
    list_filter = ("revoked_at",)
    raw_id_fields = ("result", "organisation", "first_viewed_by")
