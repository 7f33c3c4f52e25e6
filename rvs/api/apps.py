from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "rvs.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rvs.api import schema, webhooks  # noqa: F401 - schema registers the OpenAPI authentication extension
        from rvs.core import events, relays

        def relay_webhooks() -> relays.Report:
            delivered = webhooks.relay_due()
            return relays.Report(f"delivered {delivered} webhook(s)", bool(delivered))

        events.on_event(webhooks.dispatch_event)  # an event's webhook deliveries, after its commit
        relays.register("webhooks", relay_webhooks, order=20, line="outbox")  # on the emails' line
