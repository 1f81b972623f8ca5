"""The demo database, built once for the end-to-end tests that tamper with copies of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo database, and its latest checkpoint saved to a file (as a bidder would)."""
    folder = tmp_path_factory.mktemp("demo")
    path, note = folder / "demo.db", folder / "checkpoint.txt"
    url = f"sqlite:///{path}"
    for args, out in ((["demo"], None), (["checkpoint"], note)):
        result = subprocess.run(
            [sys.executable, "-m", "commands.cli", *args, "--db", url],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        if out is not None:
            out.write_text(result.stdout, encoding="utf-8")
    return path, note
