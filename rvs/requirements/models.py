from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class EntryRequirement(models.Model):
    """A named rule an organisation checks results against, e.g. "MSc entry".

    Every part is optional: a minimum overall score, a minimum for every skill, the exams that
    count, and how recent the exam must be.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="requirements"
    )
    name = models.CharField(max_length=100)
    min_overall = models.PositiveSmallIntegerField(null=True, blank=True)
    min_component = models.PositiveSmallIntegerField(null=True, blank=True)
    exams = models.ManyToManyField("exams.Exam", blank=True, related_name="+")
    within_years = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="requirement_name_unique_per_org")]

    def __str__(self) -> str:
        return self.name
