from __future__ import annotations

from django.db import models


class StaffRole(models.Model):
    """No rows: it carries the back-office permissions that staff groups are given."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("import_results", "Can import results"),
            ("correct_results", "Can correct and withdraw results"),
            ("manage_organisations", "Can approve, suspend and reinstate organisations"),
            ("view_audit", "Can read and export the audit log"),
        ]

    def __str__(self) -> str:
        return "staff role"
