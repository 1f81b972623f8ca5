"""T2: a stored read model that disagrees with the log makes `bidledger verify` fail, named."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from commands.cli import main
from tests.support.projection_runs import play_demo


@pytest.fixture(scope="module")
def caught_up(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database with every read model caught up with the log."""
    path = tmp_path_factory.mktemp("read-models") / "demo.db"
    play_demo(f"sqlite:///{path}")
    assert main(["projections", "catch-up", "--db", f"sqlite:///{path}"]) == 0
    return path


def _verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["verify", "--db", f"sqlite:///{path}"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_caught_up_read_models_are_compared_and_agree(
    caught_up: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = _verify(caught_up, capsys)
    assert code == 0, printed
    assert "read models agree with a rebuild from the log: tender_state, audit_trail" in printed


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        (
            "UPDATE tender_state_bids SET price = '300000.00' WHERE bidder = 'wuhan-qinxiongdi'",
            "read model tender_state (table tender_state_bids)",
        ),
        (
            "DELETE FROM audit_trail_events "
            "WHERE rowid = (SELECT MAX(rowid) FROM audit_trail_events)",
            "read model audit_trail (table audit_trail_events)",
        ),
    ],
    ids=["a changed price", "a deleted audit row"],
)
def test_a_read_model_that_disagrees_with_the_log_is_named(
    caught_up: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    statement: str,
    named: str,
) -> None:
    copy = tmp_path / "tampered.db"
    shutil.copy(caught_up, copy)
    with sqlite3.connect(copy) as connection:
        assert connection.execute(statement).rowcount == 1
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert f"verification FAILED at {named}: disagrees with a rebuild from the log" in printed


def test_a_read_model_still_catching_up_is_not_claimed_to_agree(
    caught_up: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "behind.db"
    shutil.copy(caught_up, copy)
    with sqlite3.connect(copy) as connection:
        connection.execute(
            "UPDATE projection_positions SET position = position - 5 WHERE name = 'notices'"
        )
    code, printed = _verify(copy, capsys)
    assert code == 0, printed
    assert "read model notices is 5 log entries behind: not compared" in printed
