"""verify with several walker processes, and with few states kept, names the same failure.

Each tampering of the demo database (the same kinds as tests/e2e/test_tampering.py) is
verified in one process, in two and in three walker processes, and in one process keeping
only two stream states in memory (every other state forgotten and rebuilt when needed
again): every run must raise the same failure, or pass with the same summary.
"""

from __future__ import annotations

import itertools
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from commands.cli import main
from ledger.errors import VerificationFailure
from ledger.store import LedgerStore
from ledger.verification import LogSummary, verify_log
from ledger.verifier import states
from tests.e2e.test_tampering import Db, Row, _late_bid, _put, _revealed_price, _rows, _swap_ids


def _outcome(path: Path, processes: int) -> str | LogSummary:
    store = LedgerStore(f"sqlite:///{path}")
    try:
        return verify_log(store, processes=processes)
    except VerificationFailure as failure:
        return str(failure)
    finally:
        store.close()


def _duplicate(db: Db) -> None:
    original = _rows(db, "BidSubmitted")[0]
    last = max(r.version for r in _rows(db) if r.stream == original.stream)
    duplicate = Row(_rows(db)[-1].id + 1, original.stream, last + 1, original.topic, {})
    duplicate.state = json.loads(json.dumps(original.state))
    _put(db, duplicate, insert=True)


def _reorder_across_streams(db: Db) -> None:
    rows = _rows(db)
    first, second = next((a, b) for a, b in itertools.pairwise(rows) if a.stream != b.stream)
    _swap_ids(db, first, second)


def _delete_one(db: Db) -> None:
    tender = _rows(db, "BidsRevealed")[0].stream
    rows = [r for r in _rows(db) if r.stream == tender]
    db.execute("DELETE FROM application_events WHERE id = ?", (rows[30].id,))


def _swap_ciphertexts(db: Db) -> None:
    first, second = _rows(db, "BidSubmitted")[:2]
    for key in ("ciphertext", "ciphertext_sha256"):
        a, b = first.state["args"]["sealed"], second.state["args"]["sealed"]
        a[key], b[key] = b[key], a[key]
    _put(db, first)
    _put(db, second)


def _statement(sql: str) -> Callable[[Db], Any]:
    return lambda db: db.execute(sql)


TAMPERINGS: dict[str, Callable[[Db], Any]] = {
    "untouched": lambda db: None,
    "edited payload": _revealed_price,
    "deleted event": _delete_one,
    "reordered across streams": _reorder_across_streams,
    "duplicated event": _duplicate,
    "late bid inserted": _late_bid,
    "swapped ciphertexts": _swap_ciphertexts,
    "deleted last event": lambda db: db.execute(
        "DELETE FROM application_events WHERE id = (SELECT max(id) FROM application_events)"
    ),
    "edited stored node": _statement(
        "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 5"
    ),
    "deleted stored node": _statement("DELETE FROM merkle_nodes WHERE level = 3 AND idx = 2"),
    "edited stored leaf": _statement(
        "UPDATE merkle_leaves SET leaf_hash = zeroblob(32) WHERE leaf_index = 7"
    ),
}


@pytest.mark.parametrize("name", sorted(TAMPERINGS))
def test_every_number_of_processes_gives_the_same_verdict(
    name: str, demo: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "copy.db"
    shutil.copy(demo[0], path)
    with sqlite3.connect(path) as db:
        TAMPERINGS[name](db)
    alone = _outcome(path, 1)
    assert (name == "untouched") == isinstance(alone, LogSummary), alone
    for processes in (2, 3):
        assert _same(_outcome(path, processes), alone), processes
    monkeypatch.setattr(states, "DEFAULT_CAPACITY", 2)
    forgetful = _outcome(path, 1)
    assert _same(forgetful, alone)
    if isinstance(forgetful, LogSummary):
        assert forgetful.reloads > 0


def _same(found: str | LogSummary, expected: str | LogSummary) -> bool:
    if isinstance(found, str) or isinstance(expected, str):
        return found == expected
    return (found.events, found.streams, found.merkle) == (
        expected.events,
        expected.streams,
        expected.merkle,
    )


def test_the_cli_verifies_with_the_processes_asked_for_and_says_the_same(
    demo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{demo[0]}"
    printed = []
    for processes in ("1", "2"):
        assert main(["verify", "--db", url, "--processes", processes]) == 0
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]
    assert printed[0].startswith("verified ")
