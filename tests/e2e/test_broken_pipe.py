"""A reader that stops early (``| head``) ends the output quietly: no traceback, exit 0.

The pipe's reading end is closed before the command writes, so that its first write fails,
whatever the size of its output.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.cli import DemoFiles

CODE = "XFZFCG-2020-33"


def _into_a_closed_pipe(*argv: str) -> tuple[int, str]:
    reading, writing = os.pipe()
    os.close(reading)
    try:
        done = subprocess.run(
            [sys.executable, *argv],
            stdout=writing,
            stderr=subprocess.PIPE,
            check=False,
            timeout=300,
        )
    finally:
        os.close(writing)
    return done.returncode, done.stderr.decode("utf-8", "backslashreplace")


@pytest.mark.parametrize("json_report", [False, True], ids=["text", "json"])
def test_the_offline_verifier_is_quiet_when_its_reader_stops(
    demo_files: DemoFiles, json_report: bool
) -> None:
    argv = ["-m", "ledger.bundle", str(demo_files.bundle), *(["--json"] if json_report else [])]
    code, err = _into_a_closed_pipe(*argv)
    assert (code, err) == (0, "")


@pytest.mark.parametrize(
    "argv",
    [
        ("verify-bundle", "{bundle}"),
        ("audit", CODE, "--db", "{db}"),
        ("checkpoint", "--db", "{db}"),
    ],
    ids=["verify-bundle", "audit", "checkpoint"],
)
def test_bidledger_is_quiet_when_its_reader_stops(
    demo_files: DemoFiles, argv: tuple[str, ...]
) -> None:
    args = [a.format(bundle=demo_files.bundle, db=f"sqlite:///{demo_files.database}") for a in argv]
    code, err = _into_a_closed_pipe("-m", "commands.cli", *args)
    assert (code, err) == (0, "")
