from __future__ import annotations

from django.conf import settings
from django.db import models


class CandidateAccount(models.Model):
    """A candidate's sign-in to the Candidate Results Website, tied to their candidate record.

    Proven by the Candidate ID Number and Secret Number of the Confirmation of Entry; one account
    sees every result of that candidate.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="candidate_account")
    candidate = models.OneToOneField("results.Candidate", on_delete=models.CASCADE, related_name="account")
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    country = models.CharField(max_length=100, blank=True)
    first_language = models.CharField(max_length=100, blank=True)
    marketing_opt_in = models.BooleanField(default=False)
    terms_accepted_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"account of {self.candidate.candidate_number}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class OrganisationInvite(models.Model):
    """A candidate asked us to invite an organisation that is not yet in the directory."""

    account = models.ForeignKey(CandidateAccount, on_delete=models.CASCADE, related_name="invites")
    organisation_name = models.CharField(max_length=200)
    email = models.EmailField()
    website = models.URLField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"invite to {self.organisation_name}"


class SecretNumberGuard(models.Model):
    """Consecutive wrong Secret Numbers given for one candidate at sign-up, and the lock they lead to.

    Kept in the database, not in the rate-limit cache, so that a cache flush or a Redis restart
    does not give a guesser new tries (decision 0015).
    """

    candidate = models.OneToOneField("results.Candidate", on_delete=models.CASCADE, related_name="secret_number_guard")
    failures = models.PositiveIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    # Changes with every lock: an unlock link names it, so each link works once, for its own lock.
    unlock_nonce = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Secret Number guard of {self.candidate_id}"
