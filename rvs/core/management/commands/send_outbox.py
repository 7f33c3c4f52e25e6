from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rvs.api.webhooks import relay_due as relay_webhooks
from rvs.backoffice.import_relay import imports_reap
from rvs.core.emails import relay_due
from rvs.downloads.services import downloads_reap


class Command(BaseCommand):
    help = (
        "Deliver outbox emails and webhook deliveries that are due (retries), and run again background "
        "downloads and imports whose worker died or whose task was lost. --loop keeps running."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep relaying every --interval seconds")
        parser.add_argument("--interval", type=int, default=30)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sent = relay_due()
            delivered = relay_webhooks()
            reaped = downloads_reap()
            imports = imports_reap()
            if sent or delivered:
                self.stdout.write(f"sent {sent} email(s), delivered {delivered} webhook(s)")
            if reaped["requeued"] or reaped["failed"]:
                self.stdout.write(f"downloads: {reaped['requeued']} queued again, {reaped['failed']} failed")
            if imports["requeued"] or imports["failed"]:
                self.stdout.write(f"imports: {imports['requeued']} queued again, {imports['failed']} failed")
            if not options["loop"]:
                return
            time.sleep(options["interval"])
