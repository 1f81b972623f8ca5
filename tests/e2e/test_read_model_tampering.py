"""T2: a stored read model that disagrees with the log makes `bidledger verify` fail, named."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from commands.cli import main
from ledger.events import LedgerEvent
from projections.notices import Notices
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


def _tampered(caught_up: Path, tmp_path: Path, *statements: str) -> Path:
    copy = tmp_path / "tampered.db"
    shutil.copy(caught_up, copy)
    with sqlite3.connect(copy) as connection:
        for statement in statements:
            connection.execute(statement)
    return copy


def _award_row_position(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        (position,) = connection.execute(
            "SELECT MAX(position) FROM notices_published WHERE kind = 'award'"
        ).fetchone()
    return int(position)


@pytest.mark.parametrize(
    "statements",
    [
        ("UPDATE projection_positions SET position = position - 5 WHERE name = 'notices'",),
        ("UPDATE projection_positions SET position = 0 WHERE name = 'notices'",),
        (
            "UPDATE notices_published SET published_at = '2021-01-01T09:00:00+08:00' "
            "WHERE kind = 'award'",
            "UPDATE projection_positions SET position = position - 1 WHERE name = 'notices'",
        ),
    ],
    ids=["moved back five events", "moved back to 0", "edited and moved back one event"],
)
def test_a_read_model_whose_position_was_moved_back_is_compared_there_and_fails(
    caught_up: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], statements: tuple[str]
) -> None:
    code, printed = _verify(_tampered(caught_up, tmp_path, *statements), capsys)
    assert code == 1, printed
    assert (
        "verification FAILED at read model notices (table notices_published): disagrees with "
        "a rebuild from the log up to its position"
    ) in printed
    assert "not compared" not in printed


def test_a_read_model_cut_back_consistently_fails_as_an_unexplained_lag(
    caught_up: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    award = _award_row_position(caught_up)
    copy = _tampered(
        caught_up,
        tmp_path,
        f"DELETE FROM notices_published WHERE position >= {award}",
        f"UPDATE projection_positions SET position = {award - 1} WHERE name = 'notices'",
    )
    code, printed = _verify(copy, capsys)
    assert code == 1, printed
    assert (
        f"verification FAILED at read model notices: its stored position, log index {award - 1}, is"
    ) in printed
    assert "behind the log (head " in printed
    assert "no error is recorded to explain it" in printed


def test_a_runner_stopped_by_a_recorded_error_explains_its_lag(
    caught_up: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy = tmp_path / "stopped.db"
    shutil.copy(caught_up, copy)
    url = f"sqlite:///{copy}"
    award = _award_row_position(copy)
    assert main(["projections", "rebuild", "notices", "--db", url]) == 0

    def broken(self: Notices, connection: object, event: LedgerEvent, position: int) -> None:
        raise RuntimeError("the notice renderer is broken")

    with sqlite3.connect(copy) as connection:  # the runner must reapply from just before
        connection.execute(f"DELETE FROM notices_published WHERE position >= {award}")
        connection.execute(
            f"UPDATE projection_positions SET position = {award - 1} WHERE name = 'notices'"
        )

    def broken_batch(self: Notices, connection: object, events: object) -> None:
        raise RuntimeError("the notice renderer is broken")

    with monkeypatch.context() as patched:  # in batches and one event at a time
        patched.setattr(Notices, "apply", broken)
        patched.setattr(Notices, "apply_batch", broken_batch)
        assert main(["projections", "catch-up", "notices", "--db", url]) == 1
    capsys.readouterr()
    assert main(["projections", "status", "--db", url]) == 1
    assert "the notice renderer is broken" in capsys.readouterr().out
    code, printed = _verify(copy, capsys)
    assert code == 0, printed
    assert (
        f"read model notices agrees with the log up to log index {award - 1}, where its runner "
        "stopped with the error recorded: event at log index"
    ) in printed
    assert "the notice renderer is broken" in printed


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        (
            "UPDATE projection_positions SET version = 7 WHERE name = 'notices'",
            f"stored by version 7 of its code, this is version {Notices.version}",
        ),
        (
            "UPDATE projection_positions SET position = position + 1000 WHERE name = 'notices'",
            "its stored position, log index {beyond}, is beyond the log's end {head}",
        ),
    ],
    ids=["another version", "a position beyond the log"],
)
def test_a_read_model_that_cannot_be_compared_is_a_failure(
    caught_up: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    statement: str,
    found: str,
) -> None:
    copy = _tampered(caught_up, tmp_path, statement)
    with sqlite3.connect(copy) as connection:
        (head,) = connection.execute("SELECT MAX(id) FROM application_events").fetchone()
    code, printed = _verify(copy, capsys)
    assert code == 1, printed
    named = found.format(beyond=head + 1000, head=head)
    assert f"verification FAILED at read model notices: {named}" in printed


def test_verify_reads_the_read_models_without_writing_a_byte(
    caught_up: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "untouched.db"
    shutil.copy(caught_up, copy)
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    code, printed = _verify(copy, capsys)
    assert code == 0, printed
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before
