from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Share(models.Model):
    """A candidate's result shared with one organisation; revoking ends it at once."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    result = models.ForeignKey("results.Result", on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="shares")
    include_photo = models.BooleanField(default=False)
    shared_at = models.DateTimeField()
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    first_viewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["result", "organisation"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_share_per_result_and_organisation",
            )
        ]
        indexes = [
            models.Index(
                fields=["organisation", "-shared_at"],
                condition=Q(revoked_at__isnull=True),
                name="share_active_org_recent",
            ),
            # Covers "this organisation's active shares and their results": a search on a result
            # column (exam, date, centre) counts its matches from this index alone, without a
            # share row look-up each; 3-5x faster on SQLite at 100,000 shares (bench/RESULTS.md).
            models.Index(
                fields=["organisation", "result"],
                condition=Q(revoked_at__isnull=True),
                name="share_active_org_result",
            ),
        ]

    def __str__(self) -> str:
        return f"share {self.public_id}"

    @property
    def is_new(self) -> bool:
        return self.first_viewed_at is None
