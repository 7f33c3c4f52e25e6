from __future__ import annotations

from django.db import models


class Exam(models.Model):
    """One exam or test of the catalogue; its scoring rules are data (``scoring``), never code."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=128, unique=True)
    # The catalogue's group for the exam ("Cambridge English Qualifications"): data, as the board names it.
    family = models.CharField(max_length=64)
    # False for exams that are listed (recognised exams, directory) but cannot be verified online.
    verifiable = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    # [{"from": "2020-01-01", "scheme": {...}}, ...] newest first; see rvs/exams/scoring.py.
    scoring = models.JSONField(default=list)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
