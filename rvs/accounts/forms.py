from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rvs.accounts.models import User
from rvs.core.emails import queue_email
from rvs.core.form_errors import NamedErrors
from rvs.core.i18n import language_of, request_language


class OutboxPasswordResetForm(NamedErrors, PasswordResetForm):
    """Django's reset form, but the email goes through the outbox and reaches users who never set a password.

    A user approved or added whose first set-password link expired has an unusable password;
    Django's form would silently skip them.
    """

    # Translators: the error_phrases name a field inside a message: "Enter your email address".
    error_phrases = {"email": _("your email address")}

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
            language=language_of(context.get("user"), request_language()),
        )


class SignInForm(NamedErrors, AuthenticationForm):
    """Django's sign-in form, its messages naming the fields (rvs/core/form_errors.py)."""

    error_phrases = {"username": _("your email address"), "password": _("your password")}
    error_messages = {
        "invalid_login": _("Enter the email address and password of your account: these do not match one"),
        "inactive": _("This account is no longer active. Ask your organisation's Primary User to add you again"),
    }


_NEW_PASSWORD = {"new_password1": _("a new password"), "new_password2": _("the new password again")}
_MISMATCH = _("Enter the same new password in both boxes")


class NamedSetPasswordForm(NamedErrors, SetPasswordForm):
    error_phrases = _NEW_PASSWORD
    error_messages = {**SetPasswordForm.error_messages, "password_mismatch": _MISMATCH}


class NamedPasswordChangeForm(NamedErrors, PasswordChangeForm):
    error_phrases = {**_NEW_PASSWORD, "old_password": _("your current password")}
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_mismatch": _MISMATCH,
        "password_incorrect": _("Your current password is not right: enter it again"),
    }
