"""CPU and queries per page, in-process: what ``bench/load.py`` users ask for, without the HTTP server.

Uses ``bench/load.py``'s database (``rvs_bench_load``, seeded by a load run), its users and search
values, and Django's test client (the whole middleware stack, sessions in the database, templates)
to time each page kind the load users request: the dashboard, a search as the page's script
sends it (one request), the same without JavaScript (form POST, then the results page), a result's
details. Per page it reports the requests' process CPU time (this process only: Python, templates,
the driver; PostgreSQL's own work is not in it), wall time, and the number and time of the SQL
queries. ``--profile KIND`` prints a cProfile of that kind.

Not a load test: figures are one request at a time, so they are little affected by what else runs
on the machine (CPU time less than wall time). Use it to see where a page's CPU goes.

    flock /tmp/rvs-bench.lock .venv/bin/python bench/profile_pages.py --requests 200
    .venv/bin/python bench/profile_pages.py --requests 100 --profile search --top 40
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load

KINDS = ("dashboard", "search", "search-post", "search-page", "details")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page kind")
    parser.add_argument("--profile", choices=KINDS, help="print a cProfile of this page kind")
    parser.add_argument("--top", type=int, default=30, help="rows of the profile")
    parser.add_argument("--sort", default="cumulative", help="profile sort key (cumulative, tottime)")
    parser.add_argument("--sql", action="store_true", help="print the SQL of one request per kind")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()

    load_options = load.parser().parse_args([])
    os.environ.update(load.environment(load_options))
    os.environ["DATABASE_POOL"] = "false"
    data = load._child(load_options)  # the users and what they type, as in a load run (no re-seeding)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from rvs.accounts.models import User

    rng = random.Random(options.seed)
    clients = []
    for spec in data["users"]:
        if spec["role"] != "browse":
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(email=spec["email"]))
        clients.append((client, data["plans"][spec["organisation"]]))

    # Warm up: template loading, URL resolver, the connection.
    links: dict[str, list[str]] = {}  # result ids each organisation may open, by organisation name
    for client, plan in clients:  # every client loads its middleware on its first request
        page = client.get("/dashboard/")
        links.setdefault(plan["name"], load.RESULT_LINK.findall(page.content.decode()))

    def one(kind: str, client: Any, plan: dict[str, Any]) -> Any:
        if kind == "dashboard":
            return client.get("/dashboard/")
        if kind == "details":
            return client.get(f"/results/{rng.choice(links[plan['name']])}/")
        searches = [s for s in plan["searches"] if s[0] != "ern"] if kind == "search-page" else plan["searches"]
        field, value = rng.choice(searches)
        if kind == "search":  # as the page's script sends it (htmx): one request, the results in the answer
            return client.post("/search/", {field: value, "sort": "name"}, headers={"HX-Request": "true"})
        posted = client.post("/search/", {field: value, "sort": "name"})
        if kind == "search-post":
            return posted
        return client.get(posted["Location"])

    for kind in KINDS:
        cpu = wall = sql = 0.0
        queries = 0
        cpus: list[float] = []
        profiler = cProfile.Profile() if kind == options.profile else None
        statuses: dict[int, int] = {}
        for index in range(options.requests):
            client, plan = clients[index % len(clients)]
            if kind == "search-page":
                # The POST is not part of this kind: make it first, untimed.
                field, value = rng.choice([s for s in plan["searches"] if s[0] != "ern"])
                posted = client.post("/search/", {field: value, "sort": "name"})
                target = posted["Location"]
            with CaptureQueriesContext(connection) as captured:
                started_cpu, started = time.process_time(), time.perf_counter()
                if profiler:
                    profiler.enable()
                response = client.get(target) if kind == "search-page" else one(kind, client, plan)
                if profiler:
                    profiler.disable()
                cpus.append(time.process_time() - started_cpu)
                cpu += cpus[-1]
                wall += time.perf_counter() - started
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            queries += len(captured.captured_queries)
            sql += sum(float(q["time"]) for q in captured.captured_queries)
            if options.sql and index == 0:
                print(f"--- {kind}: {len(captured)} queries")
                for query in captured.captured_queries:
                    print(f"  [{query['time']}] {query['sql'][:300]}")
            if kind in ("dashboard", "search-page") and response.status_code == 200:
                found = load.RESULT_LINK.findall(response.content.decode())
                links[plan["name"]] += found[:2]
        n = options.requests
        print(
            f"{kind:12s} {n} requests: CPU {cpu / n * 1000:6.1f} ms (median {statistics.median(cpus) * 1000:.1f}), "
            f"wall {wall / n * 1000:6.1f} ms, "
            f"{queries / n:5.1f} queries ({sql / n * 1000:5.1f} ms SQL, as the driver sees it); statuses {statuses}"
        )
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats(options.sort).print_stats(options.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
