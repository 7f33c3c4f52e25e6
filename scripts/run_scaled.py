"""Start the scale-out shape on one machine: PostgreSQL, Redis, 2+ gunicorn workers, RQ workers.

    .venv/bin/python scripts/run_scaled.py [--port 8000] [--web-workers 2] [--rq-workers 2]

DATABASE_URL and REDIS_URL default to the local servers (database ``rvs_scaled``, Redis db 1).
The database is created if missing, migrated, and seeded with demo data once. Ctrl-C stops all.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def ensure_database(url: str) -> None:
    params = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    name = params["dbname"]
    admin = make_conninfo("", **{**params, "dbname": "postgres"})
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')  # name comes from our own setting


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rvs_scaled")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
    env.setdefault("RVS_TASK_BACKEND", "rq")
    ensure_database(env["DATABASE_URL"])
    manage = [PY, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    if not args.no_seed:
        subprocess.run(
            [*manage, "seed_demo", "--once", "--results", "300", "--seed", "1"], cwd=ROOT, env=env, check=True
        )
    processes = [
        subprocess.Popen(
            [*manage, "rqworker", "default", "--with-scheduler", "--job-class", "django_tasks_rq.Job"],
            cwd=ROOT,
            env=env,
        )
        for _ in range(args.rq_workers)
    ]
    processes.append(subprocess.Popen([*manage, "send_outbox", "--loop", "--interval", "30"], cwd=ROOT, env=env))
    processes.append(
        subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "config.wsgi:application",
                "-k",
                "gthread",
                "-w",
                str(args.web_workers),
                "--threads",
                "4",
                "-b",
                f"127.0.0.1:{args.port}",
            ],
            cwd=ROOT,
            env=env,
        )
    )
    print(f"Scale-out shape on http://127.0.0.1:{args.port}/ ({args.web_workers} web, {args.rq_workers} RQ workers)")

    def stop(*_: object) -> None:
        for process in processes:
            process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    finally:
        stop()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
