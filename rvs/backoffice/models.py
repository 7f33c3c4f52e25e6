from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# The importer's phases (rvs.results.importer), stored on the job in English and translated when
# the import page shows them: listed here so that they are in the catalogue.
PHASES = (
    gettext_noop("Checking the file"),
    gettext_noop("Comparing with the results on record"),
    gettext_noop("Writing to the database"),
)


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


class ImportJob(models.Model):
    """A results file uploaded in the back office: checked first, then imported as a background job.

    ``errors`` keeps the first ``ERRORS_KEPT`` problems of an invalid file (``error_count`` says
    how many there were); ``sha256`` tells a staff member the same file was imported before.
    """

    ERRORS_KEPT = 1000

    class Status(models.TextChoices):
        INVALID = "invalid", _("Problems found")
        VALIDATED = "validated", _("Checked, waiting for confirmation")
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired: not imported in time, file deleted")

    class Format(models.TextChoices):
        # Translators: names of file formats; keep them as they are unless your language writes them otherwise
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("XLSX")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8, choices=Format.choices, default=Format.CSV)
    file = models.FileField(upload_to="imports/", max_length=300, blank=True)  # deleted once no longer needed
    photos = models.FileField(upload_to="imports/", max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVALID)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    # What the check found would happen, then what the import did.
    to_create = models.PositiveIntegerField(default=0)
    to_keep = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    phase = models.CharField(max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    validated_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"import {self.public_id} ({self.original_name})"

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def errors_left_out(self) -> int:
        return max(0, self.error_count - len(self.errors))

    @property
    def startable(self) -> bool:
        """Checked and not started; or failed for a reason other than the file, so it can run again."""
        return self.status == self.Status.VALIDATED or (self.status == self.Status.FAILED and self.error_count == 0)

    def failure_text(self) -> str:
        """Why the import failed, in the reader's language (the job keeps it in English)."""
        from rvs.backoffice.import_relay import STOPPED

        if not self.failure:
            return ""
        if self.failure == STOPPED % {"runs": self.attempts}:
            return gettext(STOPPED) % {"runs": self.attempts}
        return gettext(self.failure)

    def problem_rows(self) -> list[dict[str, Any]]:
        """The problems kept, with their column as the file names it: "E (date_of_birth)" in an XLSX."""
        rows = []
        for problem in self.errors:
            column, number = problem.get("column") or "", problem.get("column_number")
            if number:
                where = _column_letters(number) if self.file_format == self.Format.XLSX else str(number)
                column = f"{where} ({column})"
            rows.append({"line": problem.get("line") or "", "column": column, "message": problem.get("message", "")})
        return rows


def _column_letters(number: int) -> str:
    """Spreadsheet column letters: 1 -> A, 27 -> AA."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
