"""The machine a run measured, read at run time."""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib import metadata
from pathlib import Path

_PACKAGES = ("eventsourcing", "eventsourcing-sqlalchemy", "SQLAlchemy", "PyNaCl", "psycopg")


def describe(postgres_version: str | None = None) -> dict[str, str]:
    """CPU, cores, load, Python, SQLite, PostgreSQL and library versions."""
    facts = {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "load average (1, 5, 15 min) at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version or "not measured (BIDLEDGER_BENCH_PG_URL unset)",
    }
    for package in _PACKAGES:
        try:
            facts[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            facts[package] = "not installed"
    return facts


def _cpu_model() -> str:
    info = Path("/proc/cpuinfo")
    if info.exists():
        for line in info.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()
