"""``python -m bench.http_rush_run``: the deadline rush over HTTP, timed (docs/benchmarks.md).

``--clients N`` bidders, ``--threads T`` of them as threads of this process and the rest
spread over ``--processes P`` client processes; the clock runs from ``--lead`` seconds
before the deadline. On SQLite (a temporary file) and, with ``--pg URL`` or
``BIDLEDGER_BENCH_PG_URL``, on a fresh PostgreSQL database. Prints one JSON line per
database: requests, accepted, refused as late, accepted per second, p50 and p99 latency.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.http_rush import check, rush, staged


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.http_rush_run", description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--lead", type=float, default=10.0)
    parser.add_argument("--pg", default=os.environ.get("BIDLEDGER_BENCH_PG_URL"))
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(measure(f"sqlite:///{Path(folder) / 'rush.db'}", "sqlite", options)))
    if options.pg:
        name = f"bidledger_rush_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(options.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.make_url(options.pg).set(database=name).render_as_string(hide_password=False)
        try:
            print(json.dumps(measure(url, "postgresql", options)))
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


def measure(url: str, database: str, options: argparse.Namespace) -> dict[str, Any]:
    """Stage, rush and check one database; the figures."""
    with staged(url, options.clients) as stage:
        result = rush(
            stage, threads=options.threads, processes=options.processes, lead=options.lead
        )
        started = time.monotonic()
        check(stage, result)
        checked = time.monotonic() - started
    figures: dict[str, Any] = {"database": database, "clients": options.clients}
    figures |= {"threads": options.threads, "processes": options.processes}
    return figures | result.summary() | {"check_seconds": round(checked, 2)}


if __name__ == "__main__":
    main()
