from __future__ import annotations

from django.contrib import admin

from rvs.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    search_fields = ("email", "full_name")
    list_filter = ("is_active", "is_staff")
    exclude = ("password", "user_permissions")
    readonly_fields = ("last_login", "date_joined")
