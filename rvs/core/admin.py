from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rvs.core.models import AuditEntry


class ReadOnlyAdminMixin:
    """An admin page that lists and shows rows but adds, changes and deletes none of them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[AuditEntry]):
    """Read-only: the audit log cannot be changed through any page."""

    list_display = ("at", "action", "actor_label", "organisation", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("actor_label", "object_id", "action")
    date_hierarchy = "at"
