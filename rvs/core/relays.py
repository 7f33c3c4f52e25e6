"""The relay registry: the jobs ``manage.py send_outbox`` runs, each registered by the app that owns it.

Core keeps the loop and knows no feature (decision 0023). Each app registers its relay in its
``AppConfig.ready()``: a name, an order, a function that does the work and says what it did
(``Report``), and the report line it belongs to. Relays sharing a line are reported together,
joined by a comma ("sent 1 email(s), delivered 0 webhook(s)"); a line is printed only when one of
its relays did something.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Report:
    text: str  # what the relay did, e.g. "delivered 2 webhook(s)"
    busy: bool  # whether it did anything: an idle relay prints nothing


@dataclass(frozen=True)
class Relay:
    name: str
    run: Callable[[], Report]
    order: int
    line: str


_RELAYS: dict[str, Relay] = {}


def register(name: str, run: Callable[[], Report], *, order: int, line: str | None = None) -> None:
    """Add (or replace, by ``name``) a relay; they run by ``order``, lowest first."""
    _RELAYS[name] = Relay(name=name, run=run, order=order, line=line or name)


def registered() -> list[Relay]:
    return sorted(_RELAYS.values(), key=lambda relay: (relay.order, relay.name))


def run_all() -> list[str]:
    """Run every relay once, in order; the report lines to print, in the order of their first relay."""
    lines: dict[str, list[Report]] = {}
    for relay in registered():
        lines.setdefault(relay.line, []).append(relay.run())
    return [", ".join(r.text for r in reports) for reports in lines.values() if any(r.busy for r in reports)]


def counts_report(label: str, counts: dict[str, int]) -> Report:
    """The report of a reaper that returns ``{"requeued": n, "failed": m}`` (downloads, imports)."""
    requeued, failed = counts["requeued"], counts["failed"]
    return Report(f"{label}: {requeued} queued again, {failed} failed", bool(requeued or failed))
