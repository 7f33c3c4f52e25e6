"""`make run` restarts a task worker or relay that dies, and logs it (issue 15, item 3).

Before, ``make run`` started ``db_worker`` and ``send_outbox --loop`` with a bare ``&``: a worker
that crashed on "database is locked" stayed dead, and email, downloads and webhooks silently
stopped. ``scripts/supervise.py`` restarts a child that exits, with backoff, one JSON line each.
"""

from __future__ import annotations

import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import ROOT, PrivateDb

sys.path.insert(0, str(ROOT / "scripts"))
import supervise  # a script, not a package: found through sys.path

WAIT = 180  # seconds: generous, the machine may be busy; every wait ends on an observed line


class Lines:
    """The supervisor's JSON log lines, read as they come by a thread."""

    def __init__(self, stream: Any) -> None:
        self.seen: list[dict[str, Any]] = []
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: Any) -> None:
        # The children write to the same stderr (their own log lines, Python warnings such as
        # pyHanko's DeprecationWarning at import): only the supervisor's JSON lines are its log.
        for raw in stream:
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("logger") == "rvs.supervise":
                self._queue.put(entry)
        self._queue.put(None)

    def wait_for(self, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        for entry in self.seen:
            if match(entry):
                return entry
        while True:
            entry = self._queue.get(timeout=WAIT)
            assert entry is not None, f"the supervisor ended before the expected line; saw {self.seen}"
            self.seen.append(entry)
            if match(entry):
                return entry

    def drain(self) -> list[dict[str, Any]]:
        """Every line, once the supervisor has ended."""
        while (entry := self._queue.get(timeout=WAIT)) is not None:
            self.seen.append(entry)
        return self.seen


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def supervised(private_db: PrivateDb) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    """The worker and the relay of ``make run``, under the supervisor, on a private database."""
    manage = f"{sys.executable} manage.py"
    process = subprocess.Popen(
        [sys.executable, "scripts/supervise.py", "--min-backoff", "0.5",
         f"worker={manage} db_worker --no-reload", f"relay={manage} send_outbox --loop --interval 60"],
        cwd=ROOT, env=private_db.env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        yield process, Lines(process.stderr)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=WAIT)


def test_it_restarts_a_worker_killed_with_sigkill_and_logs_it(
    supervised: tuple[subprocess.Popen[str], Lines],
) -> None:
    process, lines = supervised
    first = lines.wait_for(lambda e: e["message"] == "worker started")["pid"]
    relay = lines.wait_for(lambda e: e["message"] == "relay started")["pid"]
    os.kill(first, signal.SIGKILL)
    died = lines.wait_for(lambda e: e.get("process") == "worker" and "exited" in e["message"])
    assert (died["level"], died["pid"], died["returncode"]) == ("ERROR", first, -signal.SIGKILL)
    assert died["restart_in"] == 0.5
    second = lines.wait_for(lambda e: e["message"] == "worker started" and e["pid"] != first)["pid"]
    assert _alive(second)
    assert "db_worker" in Path(f"/proc/{second}/cmdline").read_text()
    assert _alive(relay)  # the other child was left alone

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=WAIT) == 0
    assert not _alive(second)
    assert not _alive(relay)
    stopped = {e["process"] for e in lines.drain() if e["message"].startswith("stopping")}
    assert stopped == {"worker", "relay"}


def test_it_takes_its_children_with_it_when_killed_itself() -> None:
    """A supervisor killed with SIGKILL cannot stop its children: the kernel does (PR_SET_PDEATHSIG)."""
    sleeper = f"{sys.executable} -c 'import time; time.sleep(600)'"
    process = subprocess.Popen(
        [sys.executable, "scripts/supervise.py", f"one={sleeper}", f"two={sleeper}"],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    pids: list[int] = []
    try:
        lines = Lines(process.stderr)
        pids += [lines.wait_for(lambda e, n=name: e["message"] == f"{n} started")["pid"] for name in ("one", "two")]
        process.kill()
        process.wait(timeout=WAIT)
        deadline = time.monotonic() + WAIT
        while any(_alive(pid) for pid in pids):
            assert time.monotonic() < deadline, "the children outlived their supervisor"
            time.sleep(0.05)  # a poll interval: the kernel's SIGTERM is delivered at once, the exit follows
    finally:
        if process.poll() is None:
            process.kill()
        for pid in filter(_alive, pids):  # only when the test failed: leave no sleeper behind
            os.kill(pid, signal.SIGKILL)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_it_backs_off_a_child_that_keeps_dying_and_forgives_one_that_ran_long() -> None:
    clock, out = FakeClock(), io.StringIO()
    child = supervise.Child("worker", [sys.executable, "-c", "raise SystemExit(3)"])
    supervisor = supervise.Supervisor([child], min_backoff=1, max_backoff=4, stable_after=30, clock=clock, out=out)
    delays = []
    for ran in (0, 0, 0, 0, 31, 0):
        supervisor.start(child)
        assert child.process is not None
        child.process.wait(timeout=WAIT)
        clock.now += ran
        supervisor.check(child)
        assert child.process is None
        assert child.restart_at is not None
        delays.append(child.restart_at - clock.now)
        clock.now += delays[-1] - 0.01
        supervisor.check(child)
        assert child.process is None, "restarted before its backoff was over"
        clock.now += 0.01
    assert delays == [1, 2, 4, 4, 1, 2]
    supervisor.check(child)  # the backoff is over: started again
    assert child.process is not None
    child.process.wait(timeout=WAIT)
    assert len(set(child.history)) == 7
    logged = [json.loads(line) for line in out.getvalue().splitlines()]
    exits = [e for e in logged if e["level"] == "ERROR"]
    assert [e["returncode"] for e in exits] == [3] * 6
    assert exits[0]["message"].startswith("worker exited with code 3 after 0.0 s; restarting in 1 s")


def test_it_refuses_a_process_without_a_name() -> None:
    with pytest.raises(SystemExit, match="write each process as NAME=COMMAND"):
        supervise.parse_children(["manage.py db_worker"])


def test_make_run_starts_the_worker_and_relay_under_the_supervisor() -> None:
    plan = subprocess.run(
        ["make", "-n", "run", "PY=python", "VENV=.venv"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert plan.returncode == 0, plan.stderr
    [line] = [line for line in plan.stdout.splitlines() if "db_worker" in line]
    assert "scripts/supervise.py" in line
    assert "send_outbox --loop" in line
    assert "db_worker &" not in plan.stdout  # no bare background worker left unsupervised
