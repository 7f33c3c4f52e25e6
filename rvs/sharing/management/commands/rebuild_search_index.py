"""``manage.py rebuild_search_index``: rewrite the organisations' search index from the shares."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rvs.sharing import search_index


class Command(BaseCommand):
    help = (
        "Rewrite the per-organisation search index (decision 0004) from shares, results and candidates, "
        "in one transaction: after restoring a backup, or if it was ever written around. Searches keep "
        "working meanwhile and see the old index until it commits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organisation", type=int, action="append", help="only this organisation's rows (id; repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = search_index.rebuild(organisation_ids=options["organisation"])
        search_index.settle()
        self.stdout.write(f"{count} shares indexed.")
