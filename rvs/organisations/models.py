from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rvs.core.normalise import fold


class Organisation(models.Model):
    """A Recognising Organisation: the tenant every organisation-side read is scoped to."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        COLLEGE = "college", _("College")
        EMPLOYER = "employer", _("Employer")
        GOVERNMENT = "government", _("Government")
        PROFESSIONAL_BODY = "professional_body", _("Professional body")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("status", "Active")
        SUSPENDED = "suspended", _("Suspended")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices, default=Kind.UNIVERSITY)
    country = models.CharField(max_length=100)
    city = models.CharField(max_length=100)
    address = models.TextField(blank=True)
    website = models.URLField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # Set by the Primary User: every user must sign in with a second factor (TOTP).
    require_two_factor = models.BooleanField(default=False)
    recognised_exams = models.ManyToManyField("exams.Exam", blank=True, related_name="recognised_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_folded", "city"]

    def __str__(self) -> str:
        return f"{self.name} – {self.city}, {self.country}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Membership(models.Model):
    """A user's place in one organisation. Exactly one Primary User per organisation."""

    class Role(models.TextChoices):
        PRIMARY = "primary", _("Primary User")
        ADDITIONAL = "additional", _("Additional user")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ADDITIONAL)
    notify_on_share = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(role="primary"), name="one_primary_user_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) at {self.organisation.name}"

    @property
    def is_primary(self) -> bool:
        return self.role == self.Role.PRIMARY


class RegistrationRequest(models.Model):
    """An organisation asking to use the service; staff approve or reject it within two working days."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation_name = models.CharField(_("organisation name"), max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    kind = models.CharField(_("type"), max_length=32, choices=Organisation.Kind.choices)
    country = models.CharField(max_length=100)
    city = models.CharField(max_length=100)
    address = models.TextField()
    website = models.URLField()
    registrant_name = models.CharField(_("your name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=200)
    work_email = models.EmailField(_("work email address"))
    recognised_exams = models.ManyToManyField("exams.Exam", blank=True, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField()
    due_by = models.DateField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)
    organisation = models.OneToOneField(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="registration"
    )
    # The language the registrant used: the emails sent on approval or rejection are written in it.
    language = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ["due_by", "submitted_at"]
        indexes = [models.Index(fields=["status", "due_by"])]

    def __str__(self) -> str:
        return f"{self.organisation_name} ({self.get_status_display()})"
