from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse

from rvs.accounts.models import User
from rvs.core.emails import queue_email


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email goes through the outbox and reaches users who never set a password.

    A user approved or added whose first set-password link expired has an unusable password;
    Django's form would silently skip them.
    """

    def get_users(self, email: str) -> Iterator[User]:
        yield from User.objects.filter(email__iexact=email.strip(), is_active=True)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from django.conf import settings

        path = reverse("accounts:set_password", kwargs={"uidb64": context["uid"], "token": context["token"]})
        queue_email(
            to=to_email,
            template="password_reset",
            context={"email": to_email, "link": f"{settings.RVS_SITE_URL}{path}"},
        )
