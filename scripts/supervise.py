"""Keep background processes running: restart one that exits, with backoff, and log it.

    python scripts/supervise.py 'worker=python manage.py db_worker' 'relay=python manage.py send_outbox --loop'

``make run`` starts the task worker and the outbox relay through this script: before, a worker
that crashed (e.g. "database is locked") stayed dead and email, downloads and webhooks silently
stopped. Each start, exit and restart is one JSON log line on stderr (the same shape as the
service's own logs). A child that exits soon after starting is restarted after a delay that
doubles each time (``--min-backoff`` .. ``--max-backoff``); one that ran ``--stable-after``
seconds counts as healthy again. SIGTERM or SIGINT stops every child (SIGTERM, then SIGKILL after
``--grace`` seconds) and then the supervisor. Standard library only: it must run before and
without Django.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

POLL_SECONDS = 0.2


def log(message: str, *, level: str = "INFO", out: TextIO | None = None, **fields: Any) -> None:
    entry = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "logger": "rvs.supervise",
        "message": message,
        **fields,
    }
    stream = out or sys.stderr
    stream.write(json.dumps(entry) + "\n")
    stream.flush()


def backoff(failures: int, minimum: float, maximum: float) -> float:
    """Seconds to wait before the next start after ``failures`` quick exits in a row (1, 2, 3 ...)."""
    return float(min(maximum, minimum * 2 ** max(failures - 1, 0)))


# Resolved once here, not in the forked child: a child of a threaded parent must not import.
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM if the supervisor itself is killed (Linux only),
    so a SIGKILLed supervisor leaves no orphan worker behind."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0  # quick exits in a row
    restart_at: float | None = None  # monotonic time of the next start, while waiting
    history: list[int] = field(default_factory=list)  # pids started, oldest first


class Supervisor:
    def __init__(
        self,
        children: Sequence[Child],
        *,
        min_backoff: float = 1.0,
        max_backoff: float = 60.0,
        stable_after: float = 30.0,
        grace: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        out: TextIO | None = None,
    ) -> None:
        self.children = list(children)
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self.stable_after, self.grace = stable_after, grace
        self.clock = clock
        self.out = out
        self.stopping = threading.Event()

    def start(self, child: Child) -> None:
        child.process = subprocess.Popen(child.argv, start_new_session=True, preexec_fn=_die_with_parent)
        child.started_at, child.restart_at = self.clock(), None
        child.history.append(child.process.pid)
        log(f"{child.name} started", out=self.out, process=child.name, pid=child.process.pid)

    def check(self, child: Child) -> None:
        """Start a child whose backoff is over; notice one that exited and schedule its restart."""
        now = self.clock()
        if child.process is None:
            if child.restart_at is not None and now >= child.restart_at:
                self.start(child)
            return
        code = child.process.poll()
        if code is None:
            return
        ran = now - child.started_at
        child.failures = 1 if ran >= self.stable_after else child.failures + 1
        delay = backoff(child.failures, self.min_backoff, self.max_backoff)
        log(
            f"{child.name} exited with code {code} after {ran:.1f} s; restarting in {delay:g} s",
            level="ERROR", out=self.out, process=child.name, pid=child.process.pid, returncode=code,
            ran_seconds=round(ran, 1), restart_in=delay,
        )  # fmt: skip
        child.process, child.restart_at = None, now + delay

    def run(self) -> int:
        for child in self.children:
            self.start(child)
        while not self.stopping.wait(POLL_SECONDS):
            for child in self.children:
                self.check(child)
        self.stop_all()
        return 0

    def stop_all(self) -> None:
        running = [c for c in self.children if c.process is not None and c.process.poll() is None]
        for child in running:
            assert child.process is not None
            log(f"stopping {child.name}", out=self.out, process=child.name, pid=child.process.pid)
            _signal_group(child.process.pid, signal.SIGTERM)
        deadline = self.clock() + self.grace
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.0, deadline - self.clock()))
            except subprocess.TimeoutExpired:
                log(f"{child.name} ignored SIGTERM; killing it", level="WARNING", out=self.out, process=child.name)
                _signal_group(child.process.pid, signal.SIGKILL)
                child.process.wait()


def _signal_group(pid: int, signum: int) -> None:
    """Signal the child's whole process group (it may have forked, as RQ's work horse does)."""
    with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
        os.killpg(pid, signum)


def parse_children(specs: Sequence[str]) -> list[Child]:
    children = []
    for spec in specs:
        name, sep, command = spec.partition("=")
        if not sep or not name.strip() or not command.strip():
            raise SystemExit(
                f"supervise.py: {spec!r}: write each process as NAME=COMMAND, e.g. 'worker=manage.py db_worker'"
            )
        children.append(Child(name.strip(), shlex.split(command)))
    if len({c.name for c in children}) != len(children):
        raise SystemExit("supervise.py: two processes have the same NAME; give each its own.")
    return children


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("processes", nargs="+", metavar="NAME=COMMAND")
    parser.add_argument("--min-backoff", type=float, default=1.0, help="first restart delay, seconds (1)")
    parser.add_argument("--max-backoff", type=float, default=60.0, help="longest restart delay, seconds (60)")
    parser.add_argument("--stable-after", type=float, default=30.0, help="a run this long resets the backoff (30)")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds between SIGTERM and SIGKILL on stop (10)")
    args = parser.parse_args(argv)
    supervisor = Supervisor(
        parse_children(args.processes), min_backoff=args.min_backoff, max_backoff=args.max_backoff,
        stable_after=args.stable_after, grace=args.grace,
    )  # fmt: skip

    def stop(signum: int, _frame: object) -> None:
        log(f"received {signal.Signals(signum).name}; stopping", out=supervisor.out)
        supervisor.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
