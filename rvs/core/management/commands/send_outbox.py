from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rvs.core import relays


class Command(BaseCommand):
    help = (
        "Deliver outbox emails and webhook deliveries that are due (retries), and run again background "
        "downloads and imports whose worker died or whose task was lost. --loop keeps running. "
        "Each app registers its relay (rvs.core.relays)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep relaying every --interval seconds")
        parser.add_argument("--interval", type=int, default=30)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            for line in relays.run_all():
                self.stdout.write(line)
            if not options["loop"]:
                return
            time.sleep(options["interval"])
