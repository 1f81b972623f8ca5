"""Running ``bidledger`` as a user does, and proving what a run left on disk."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from commands.cli import main


@dataclass(frozen=True)
class Run:
    """One run of the command line: its exit code and what it printed."""

    code: int
    out: str
    err: str

    def refused(self, code: int = 2) -> str:
        """Assert the run ended with ``code`` and one clear line on stderr; that line."""
        lines = self.err.splitlines()
        assert self.code == code, f"exit {self.code}, expected {code}: {self.err}{self.out}"
        assert len(lines) == 1, f"expected one line on stderr, found {len(lines)}: {self.err!r}"
        assert "Traceback" not in self.err
        assert "unexpected" not in self.err, self.err  # the catch-all for bugs
        return lines[0]


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """``bidledger ARGV`` in this process (usage errors exit through argparse)."""
    try:
        code = main(list(argv))
    except SystemExit as stop:
        code = int(stop.code or 0)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def run_process(*argv: str, cwd: Path | None = None) -> Run:
    """``bidledger ARGV`` as a separate process."""
    done = subprocess.run(
        [sys.executable, "-m", "commands.cli", *argv],
        capture_output=True,
        check=False,
        timeout=300,
        cwd=cwd,
    )
    return Run(done.returncode, _text(done.stdout), _text(done.stderr))


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder``: its SHA-256, or ``folder``."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        found[key] = "folder" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@dataclass(frozen=True)
class DemoFiles:
    """The demo's database (read models caught up) and its tender's bundle: never modify them."""

    database: Path
    bundle: Path


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    """``bidledger demo``, ``projections catch-up`` and ``export``, run once as a user would."""
    folder = tmp_path_factory.mktemp("demo-files")
    database, bundle = folder / "demo.db", folder / "bundle.json"
    url = f"sqlite:///{database}"
    for argv in (
        ("demo", "--db", url),
        ("projections", "catch-up", "--db", url),
        ("export", "XFZFCG-2020-33", "-o", str(bundle), "--db", url),
    ):
        run = run_process(*argv)
        assert run.code == 0, run.err
    return DemoFiles(database, bundle)
