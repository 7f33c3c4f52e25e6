from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rvs.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rvs.core import emails, i18n, relays

        del i18n  # imported for its user_logged_in receiver (remember_language)

        def relay_emails() -> relays.Report:
            sent = emails.relay_due()
            return relays.Report(f"sent {sent} email(s)", bool(sent))

        relays.register("emails", relay_emails, order=10, line="outbox")
