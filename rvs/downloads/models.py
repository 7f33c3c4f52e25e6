from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class DownloadTemplate(models.Model):
    """An organisation's choice of data-file columns, in order (e.g. "Name and Grade only")."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=100)
    fields = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="template_name_unique_per_org")]

    def __str__(self) -> str:
        return self.name


class DownloadJob(models.Model):
    """One download: the Download History row, and the background job when it is large.

    ``result_ids`` is what was asked for; each (re-)download checks access again, so results
    revoked since are left out (counted in ``omitted``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Preparing")
        DONE = "done", pgettext_lazy("a download's status", "Ready")
        FAILED = "failed", pgettext_lazy("a download's status", "Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="downloads"
    )
    candidate = models.ForeignKey(
        "results.Candidate", null=True, blank=True, on_delete=models.CASCADE, related_name="downloads"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Who asked, as shown in Download History: a user's email or an API key's name.
    requested_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Kind(models.TextChoices):
        RESULTS = "results", _("Results")
        BULK_VERIFICATION = "bulk", _("Bulk verification")

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RESULTS)
    exporter = models.CharField(max_length=16)
    template = models.ForeignKey(DownloadTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    template_name = models.CharField(max_length=100, blank=True)
    fields = models.JSONField(default=list, blank=True)
    result_ids = models.JSONField(default=list)
    requested = models.PositiveIntegerField(default=0)
    included = models.PositiveIntegerField(default=0)
    omitted = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    background = models.BooleanField(default=False)
    file = models.FileField(upload_to="downloads/", blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # A running job's worker renews ``lease_until`` as it goes; when it lapses the worker is taken
    # for dead and ``downloads_reap`` runs the job again (``attempts`` counts the runs) or fails it.
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.exporter} download {self.public_id}"

    @property
    def error_shown(self) -> str:
        """Why the job failed, for people: stored in English, shown in the active language when known."""
        return gettext(self.error) if self.error else ""
