from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rvs.results.models import Candidate, Centre, Result


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin[Centre]):
    list_display = ("number", "name", "city", "country")
    search_fields = ("number", "name", "city")
    exclude = ("name_folded", "city_folded")


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin[Candidate]):
    """Read-only here: corrections go through the back office so they are audited."""

    list_display = ("candidate_number", "last_name", "first_name")
    search_fields = ("candidate_number", "sort_name")
    exclude = ("secret_hash",)

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Evidence: a candidate and their results leave only through the back office's services.
        return False


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin[Result]):
    list_display = ("ern", "candidate", "exam", "exam_date", "status", "overall_score")
    list_filter = ("exam", "status")
    search_fields = ("ern", "candidate__candidate_number")
    raw_id_fields = ("candidate", "centre")

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Evidence: withdrawing a result is the back office's audited correction, never a delete.
        return False
