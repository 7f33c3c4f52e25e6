from __future__ import annotations

from django.contrib import admin

from rvs.exams.models import Exam


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin[Exam]):
    list_display = ("name", "family", "verifiable", "position")
    list_filter = ("family", "verifiable")
