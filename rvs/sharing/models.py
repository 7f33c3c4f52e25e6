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


class ShareSearch(models.Model):
    """One row per active share: what the organisation's search filters and sorts on, in one place.

    Decision 0004. Searching the shares of an organisation through share -> result -> candidate
    needs a join per match and no index serves "this organisation" and "this exam/centre/name"
    at once; here each search kind is one index range, counted and paged without a join. A copy,
    so every writer keeps it in step through ``rvs.sharing.search_index`` in its own transaction;
    ``manage.py rebuild_search_index`` rebuilds it from the tables it copies.
    """

    share = models.OneToOneField(Share, primary_key=True, on_delete=models.CASCADE, related_name="search")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    result = models.ForeignKey("results.Result", on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey("results.Candidate", on_delete=models.CASCADE, related_name="+")
    exam = models.ForeignKey("exams.Exam", on_delete=models.CASCADE, related_name="+", db_index=False)
    exam_position = models.PositiveIntegerField()
    exam_date = models.DateField()
    centre = models.ForeignKey("results.Centre", on_delete=models.CASCADE, related_name="+", db_index=False)
    sort_name = models.CharField(max_length=401)
    overall_score = models.PositiveSmallIntegerField(null=True)
    shared_at = models.DateTimeField()

    class Meta:
        # Each ends with the share: the tie-breaker of every sort, so a page is an index range.
        indexes = [
            models.Index(fields=["organisation", "sort_name", "share"], name="share_search_name"),
            models.Index(fields=["organisation", "exam", "sort_name", "share"], name="share_search_exam"),
            models.Index(fields=["organisation", "centre", "sort_name", "share"], name="share_search_centre"),
            models.Index(fields=["organisation", "exam_date", "sort_name", "share"], name="share_search_date"),
            models.Index(fields=["organisation", "exam_position", "sort_name", "share"], name="share_search_exam_pos"),
            models.Index(fields=["organisation", "overall_score", "share"], name="share_search_score"),
            models.Index(fields=["organisation", "shared_at", "share"], name="share_search_shared"),
        ]

    def __str__(self) -> str:
        return f"search row of share {self.share_id}"


class ShareNameToken(models.Model):
    """One folded word of the candidate's name per active share: name search within an organisation.

    The share's sort name rides along, so a name search counts and pages from this index alone
    (organisation, word range, then name order) without visiting the shares it matched.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    token = models.CharField(max_length=64)
    sort_name = models.CharField(max_length=401)
    share = models.ForeignKey(ShareSearch, on_delete=models.CASCADE, related_name="tokens", db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "token", "sort_name", "share"], name="share_name_token_unique_sorted"
            )
        ]
        # "Does this share also have a term matching the next word?" from the index alone.
        indexes = [models.Index(fields=["share", "token"], name="share_name_token_share")]

    def __str__(self) -> str:
        return self.token
