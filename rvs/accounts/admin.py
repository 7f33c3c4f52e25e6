from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from rvs.accounts.models import User

# A group's permissions reach everyone in it, and no admin form edits anyone's groups: no group page.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    """Names and the active switch only (issue 15, item 1).

    Who is staff or superuser, their groups and permissions, and their password are shown at
    most, never edited here: a stolen admin session must not mint administrators. The email is
    the sign-in name and where password links go, so changing it would hand over the account.
    Accounts are created by the product's flows (registration, invitations, ``createsuperuser``).
    """

    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    search_fields = ("email", "full_name")
    list_filter = ("is_active", "is_staff")
    # Listed, not excluded: a field added to User later stays off this form until someone decides.
    fields = ("email", "full_name", "job_title", "is_active", "is_staff", "is_superuser", "last_login", "date_joined")
    readonly_fields = ("email", "is_staff", "is_superuser", "last_login", "date_joined")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting an account would erase who did what (audit entries keep only a label).
        return False
