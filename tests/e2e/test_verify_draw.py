"""`bidledger verify-draw` on the demo database, and on copies whose draw was tampered with.

The attacker holds a copy of the database: it edits the randomness, the pool or the recorded
committee. ``verify-draw`` recomputes the draw from the log alone and exits 1 naming each
difference; once the attacker also recomputes the hash chain and the Merkle tables,
``verify`` still exits 1 because re-executing the draw's commands gives other facts (T5).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from commands import seed
from commands.cli import main
from tests.support.attacker import rebuild_tree, rechain
from tests.support.cli import DemoFiles

Db = sqlite3.Connection


@pytest.fixture(scope="module")
def demo(demo_files: DemoFiles) -> Path:
    """The demo's SQLite file, made by `bidledger demo` in its own process: only read."""
    return demo_files.database


@pytest.fixture
def copy(demo: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.db"
    shutil.copy(demo, target)
    return target


def _run(command: str, path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    args = [command, seed.CODE] if command == "verify-draw" else [command]
    code = main([*args, "--db", f"sqlite:///{path}"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _edit(path: Path, event_type: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the stored state of the first event of ``event_type``, as an operator would."""
    with sqlite3.connect(path) as db:
        row_id, state = next(
            (row[0], json.loads(row[1]))
            for row in db.execute("SELECT id, state, topic FROM application_events ORDER BY id")
            if row[2].endswith(f":{event_type}")
        )
        change(state)
        text = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
        db.execute("UPDATE application_events SET state = ? WHERE id = ?", (text, row_id))


def _covered_up(path: Path) -> None:
    """The careful attacker: every hash and link recomputed, the Merkle tables rebuilt."""
    rechain(path)
    rebuild_tree(path)


def test_the_demo_draw_recomputed_from_the_log_is_the_recorded_committee(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = _run("verify-draw", demo, capsys)
    assert code == 0, printed
    assert "verify-draw: the recorded committee is exactly what the rule" in printed
    for name in ("袁凤梅", "朱长安", "覃正茂", "郭艳"):
        assert "member at the" in printed
        assert name in printed
    assert "牟方政 (mou-fangzheng, purchaser representative, appointed)" in printed


def test_a_changed_seed_makes_verify_draw_and_verify_fail(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(state: dict[str, Any]) -> None:
        state["facts"]["seed"] = "00" * 32
        state["facts"]["draw"]["seed"] = "00" * 32

    _edit(copy, "CommitteeDrawn", change)
    code, printed = _run("verify-draw", copy, capsys)
    assert code == 1, printed
    assert "randomness.seed: recorded '0000" in printed
    assert "recomputed '889212a29c60e8ba" in printed
    _covered_up(copy)
    code, printed = _run("verify", copy, capsys)
    assert code == 1
    assert "the facts of CommitteeDrawn differ from what the rules give (T5)" in printed


def test_a_changed_beacon_randomness_makes_verify_draw_fail(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(copy, "CommitteeDrawn", lambda s: s["args"]["beacon"].update(randomness="11" * 32))
    code, printed = _run("verify-draw", copy, capsys)
    assert code == 1, printed
    assert "the draw cannot be recomputed" in printed
    assert "randomness: expected SHA-256(signature)" in printed
    _covered_up(copy)
    code, printed = _run("verify", copy, capsys)
    assert code == 1
    assert "the rules refuse DrawCommittee here" in printed


def test_a_changed_pool_snapshot_makes_verify_draw_and_verify_fail(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(state: dict[str, Any]) -> None:
        for record in state["facts"]["pool"]:
            if record["id"] == "enshi-expert-03":
                record["status"] = "active"

    _edit(copy, "DrawPlanned", change)
    code, printed = _run("verify-draw", copy, capsys)
    assert code == 1, printed
    assert (
        "plan.pool[id=enshi-expert-03].status: recorded 'active', recomputed 'suspended'" in printed
    )
    _covered_up(copy)
    code, printed = _run("verify", copy, capsys)
    assert code == 1
    assert "the facts of DrawPlanned differ from what the rules give (T5)" in printed


def test_a_suspension_deleted_from_the_pools_stream_changes_who_was_eligible(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(copy) as db:
        assert (
            db.execute(
                "DELETE FROM application_events WHERE topic LIKE '%:ExpertSuspended'"
            ).rowcount
            == 1
        )
    rechain(copy)
    code, printed = _run("verify-draw", copy, capsys)
    assert code == 1, printed
    assert "plan.pool[id=enshi-expert-03].status: recorded 'suspended', recomputed 'active'" in (
        printed
    )
    assert "plan.eligible: enshi-expert-03 absent from the record, recomputed" in printed


def test_a_swapped_member_in_the_recorded_result_makes_verify_draw_and_verify_fail(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(state: dict[str, Any]) -> None:
        for seat in state["facts"]["draw"]["members"]:
            if seat["id"] == "zhu-changan":
                seat["id"] = "enshi-expert-14"

    _edit(copy, "CommitteeDrawn", change)
    code, printed = _run("verify-draw", copy, capsys)
    assert code == 1, printed
    assert "draw.members: enshi-expert-14 recorded, absent when recomputed" in printed
    assert "draw.members: zhu-changan absent from the record, recomputed" in printed
    _covered_up(copy)
    code, printed = _run("verify", copy, capsys)
    assert code == 1
    assert "the facts of CommitteeDrawn differ from what the rules give (T5)" in printed


def test_verify_draw_of_a_tender_without_a_draw_is_a_usage_error(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify-draw", "NO-SUCH-TENDER", "--db", f"sqlite:///{demo}"])
    assert code == 2
    assert "no tender NO-SUCH-TENDER" in capsys.readouterr().err
