"""Exit 0 when the PostgreSQL server of a DATABASE_URL accepts connections, else 1.

Connects to the server's ``postgres`` database: the test run creates its own databases.
"""

from __future__ import annotations

import sys

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo


def main(url: str) -> int:
    params = {key: str(value) for key, value in conninfo_to_dict(url).items() if value is not None}
    params["dbname"] = "postgres"
    try:
        with psycopg.connect(make_conninfo("", **params), connect_timeout=3):
            return 0
    except psycopg.Error as exc:
        print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
