from __future__ import annotations

from django.contrib import admin

from rvs.organisations.models import Membership, Organisation


class MembershipInline(admin.TabularInline[Membership, Organisation]):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "kind", "city", "country", "status")
    list_filter = ("status", "kind", "country")
    search_fields = ("name", "city")
    inlines = [MembershipInline]
