from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from rvs.organisations.models import Membership, Organisation


class MembershipInline(admin.TabularInline[Membership, Organisation]):
    """Shown, not edited: a membership opens an organisation's results to someone, so it is granted
    only by the product's flows (invitations by the Primary User, the back office's change of Primary
    User), never by typing a user id here (issue 15, item 1)."""

    model = Membership
    extra = 0
    raw_id_fields = ("user",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "kind", "city", "country", "status")
    list_filter = ("status", "kind", "country")
    search_fields = ("name", "city")
    inlines = [MembershipInline]
    # A website typed without a scheme is https (Django 6's default; 5.2 warns without it).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
