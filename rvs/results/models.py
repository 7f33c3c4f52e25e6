from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rvs.core import ern as ern_codec
from rvs.core.fields import BytewiseCharField, BytewiseEmailField


class Candidate(models.Model):
    """A person who sat exams. The Secret Number is kept only as a keyed hash (see services)."""

    # Unique through Meta.constraints, not unique=True: on PostgreSQL that would add a second
    # (varchar_pattern_ops) index for LIKE, which no query uses and every import would maintain.
    candidate_number = BytewiseCharField("Candidate ID Number", max_length=32)
    secret_hash = models.CharField(max_length=64)
    first_name = models.CharField(max_length=200)
    last_name = models.CharField(max_length=200)
    # fold(last first): sorts "Ørsted" with "Orsted" and lets search ignore accents and case.
    sort_name = models.CharField(max_length=401, editable=False)
    date_of_birth = models.DateField(db_index=True)
    email = BytewiseEmailField(blank=True)  # indexed in Meta (equality only: no LIKE index)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["candidate_number"], name="candidate_number_unique")]
        indexes = [models.Index(fields=["email"], name="candidate_email")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CandidateNameToken(models.Model):
    """One folded word of a candidate's name: the index behind name search on both engines."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="name_tokens")
    token = BytewiseCharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "candidate"], name="name_token_unique")]

    def __str__(self) -> str:
        return self.token


class Centre(models.Model):
    number = models.CharField("centre number", max_length=16, unique=True)
    name = models.CharField(max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    city = models.CharField("place of entry", max_length=100)
    city_folded = models.CharField(max_length=100, db_index=True, editable=False)
    country = models.CharField(max_length=100)

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


# The statuses as pages name them (the choices' labels stay English: data files and the PDF write them).
STATUS_LABELS = {
    "result": _("Result issued"),
    "not_reported": _("No score reported"),
    "absent_part": _("X – absent from part of the exam"),
    "absent_all": _("Z – absent from all parts of the exam"),
    "pending": pgettext_lazy("a result's status", "Pending"),
    "withheld": _("Withheld – contact the exam centre"),
    "withdrawn": _("Withdrawn by the exam board"),
}


class Result(models.Model):
    """One exam result, as printed on a Statement of Results."""

    class Status(models.TextChoices):
        # English, as data files and the Statement of Results write them; pages show ``status_label``.
        RESULT = "result", "Result issued"
        NOT_REPORTED = "not_reported", "No score reported"
        ABSENT_PART = "absent_part", "X – absent from part of the exam"
        ABSENT_ALL = "absent_all", "Z – absent from all parts of the exam"
        PENDING = "pending", "Pending"
        WITHHELD = "withheld", "Withheld – contact the exam centre"
        WITHDRAWN = "withdrawn", "Withdrawn by the exam board"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of their own: one_result_per_sitting starts with candidate, the (exam, exam_date)
    # index with exam, and each serves those look-ups; an import would maintain two more indexes.
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="results", db_index=False)
    exam = models.ForeignKey("exams.Exam", on_delete=models.PROTECT, related_name="results", db_index=False)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="results")
    exam_date = models.DateField("date of exam", db_index=True)
    ern = BytewiseCharField("Exam Reference Number", max_length=ern_codec.LENGTH)  # unique: Meta.constraints
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RESULT)
    overall_score = models.PositiveSmallIntegerField(null=True, blank=True)
    grade = models.CharField(max_length=32, blank=True)
    cefr = models.CharField("CEFR level", max_length=4, blank=True)
    result_label = models.CharField(max_length=64, blank=True)
    photo = models.FileField(upload_to="photos/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "exam", "exam_date"], name="one_result_per_sitting"),
            models.UniqueConstraint(fields=["ern"], name="result_ern_unique"),
        ]
        indexes = [models.Index(fields=["exam", "exam_date"])]

    def __str__(self) -> str:
        return f"{self.exam} {self.exam_date} ({self.ern_display})"

    @property
    def status_label(self) -> str:
        """The status as pages show it, in the reader's language (``get_status_display``: English, for files)."""
        return str(STATUS_LABELS.get(self.status, self.get_status_display()))

    @property
    def ern_display(self) -> str:
        return ern_codec.display(self.ern)

    @property
    def shows_scores(self) -> bool:
        return self.status == self.Status.RESULT


class ComponentScore(models.Model):
    # Indexed by one_score_per_component, which starts with it.
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="components", db_index=False)
    position = models.PositiveSmallIntegerField()
    code = BytewiseCharField(max_length=32)
    label = models.CharField(max_length=64)
    score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["result", "code"], name="one_score_per_component")]

    def __str__(self) -> str:
        return f"{self.label}: {self.score}"


class ErnGrant(models.Model):
    """An organisation looked this result up by its Exam Reference Number, so it may open it.

    Ends after ``ERN_GRANT_HOURS`` or when the candidate revokes a share with that organisation.
    """

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="ern_grants")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organisation", "result", "expires_at"])]

    def __str__(self) -> str:
        return f"ERN look-up grant until {self.expires_at:%Y-%m-%d}"


class ResultRevision(models.Model):
    """A correction or withdrawal: what the result said before and after, who changed it and why."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="revisions")
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField()
    before = models.JSONField()
    after = models.JSONField()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"revision of {self.result_id} at {self.changed_at:%Y-%m-%d}"

    @staticmethod
    def state_of(result: Result) -> dict[str, Any]:
        """What a result says, in the shape of ``before``/``after``: what a correction records and
        what a Statement of Results prints (its digest and the "what changed" table compare these)."""
        return {
            "first_name": result.candidate.first_name,
            "last_name": result.candidate.last_name,
            "date_of_birth": result.candidate.date_of_birth.isoformat(),
            "status": result.status,
            "overall_score": result.overall_score,
            "grade": result.grade,
            "cefr": result.cefr,
            "components": {c.code: c.score for c in result.components.all()},
        }
