"""`bidledger audit` and `bidledger replay` as a user runs them on the demo's database."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from commands import seed
from commands.cli import main
from commands.messages import AmendTender
from commands.service import LedgerService
from commands.world import World
from ledger.clock import FixedClock
from ledger.crypto.signing import Signer
from ledger.procedure.state import TenderState, tender_stream
from ledger.store import LedgerStore
from tests.support.projection_runs import play_demo

CODE = seed.CODE


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    play_demo(f"sqlite:///{path}")
    return path


@pytest.fixture
def db(demo_file: Path, tmp_path: Path) -> str:
    """A private copy of the demo database (the audit keeps its read models in it)."""
    copy = tmp_path / "demo.db"
    shutil.copy(demo_file, copy)
    return f"sqlite:///{copy}"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = _run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_the_audit_table_lists_every_event_with_its_actor_and_signature(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "audit", CODE, "--db", db)
    assert code == 0
    assert f"Audit trail of {CODE}" in out
    assert "咸丰县政府采购中心 [agency]" in out
    assert "招标公告 / invitation to tender published" in out
    assert "中标公告 / award notice published" in out
    assert "0 failed signature check(s)" in out
    assert "Refused attempts" in out
    assert "被拒绝的操作 / refused: SubmitBid" in out
    assert "§21.1" in out


def test_the_audit_as_json_has_one_checked_row_per_event_of_the_tender(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    trail = _json(capsys, "audit", CODE, "--db", db)
    store = LedgerStore(db)
    try:
        version = store.state(TenderState, tender_stream(CODE)).version
    finally:
        store.close()
    assert len(trail["events"]) == version
    assert {event["signature_checked"] for event in trail["events"]} == {"ok"}
    assert all(event["actor_name"] for event in trail["events"])
    by_stream = _json(capsys, "audit", str(tender_stream(CODE)), "--db", db)
    assert by_stream["events"] == trail["events"]


def test_the_audit_as_of_a_time_stops_there(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    trail = _json(capsys, "audit", CODE, "--as-of", "2021-01-13T23:59:00+08:00", "--db", db)
    assert trail["as_of"] == "2021-01-13T23:59:00+08:00"
    assert trail["events"][-1]["time"] <= "2021-01-13T23:59:00+08:00"
    assert "OpeningStarted" not in {event["event_type"] for event in trail["events"]}
    assert trail["refused_attempts"] == []


def test_a_tampered_signature_fails_the_audit_with_exit_1(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        row_id, state = connection.execute(
            "SELECT id, state FROM application_events WHERE topic LIKE '%ScoresSubmitted' "
            "ORDER BY id LIMIT 1"
        ).fetchone()
        data = json.loads(bytes(state))
        data["signature"] = ("B" if data["signature"][0] == "A" else "A") + data["signature"][1:]
        connection.execute(
            "UPDATE application_events SET state = ? WHERE id = ?",
            (json.dumps(data).encode(), row_id),
        )
    code, out, err = _run(capsys, "audit", CODE, "--db", db)
    assert code == 1
    assert f"signature check FAILED at leaf {row_id - 1}" in err  # SQLite ids: no gaps
    assert "1 failed signature check(s)" in out


def test_the_public_replay_before_the_deadline_shows_the_tender_open_without_bidders(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    view = _json(
        capsys, "replay", CODE, "--at", "2021-01-15T09:00:00+08:00", "--as", "public", "--db", db
    )
    assert view["tender"]["open_for_bids"] is True
    text = json.dumps(view, ensure_ascii=False)
    for tell in (seed.QXD, seed.RUNHUA, seed.SUPPLIER_A, "演示供应商甲", "武汉亲兄弟"):
        assert tell not in text
    assert "bids" not in text.replace("open_for_bids", "")


def test_the_replay_after_the_award_shows_the_awards(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    view = _json(capsys, "replay", CODE, "--at", "2021-01-19 09:00", "--db", db)
    assert view["role"] == "regulator"
    assert view["as_of"] == "2021-01-19T09:00:00+08:00"
    awards = {lot["lot"]: lot["award"]["amount_wan"] for lot in view["lots"] if lot["award"]}
    assert awards == {"1": "33.486", "2": "46.543"}
    code, out, _ = _run(capsys, "replay", CODE, "--at", "2021-01-19 09:00", "--db", db)
    assert code == 0
    assert "武汉亲兄弟酒店用品有限公司 33.486" in out
    assert "Award notice (中标公告)" in out


def test_the_regulator_replay_before_the_deadline_lists_sealed_bids_without_prices(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    view = _json(capsys, "replay", CODE, "--at", "2021-01-15T09:00:00+08:00", "--db", db)
    bids = view["regulator"]["bids"]
    assert len(bids) == 9
    assert all(bid["status"] == "sealed" and bid["price"] is None for bid in bids)
    code, out, _ = _run(capsys, "replay", CODE, "--at", "2021-01-15T09:00:00+08:00", "--db", db)
    assert code == 0
    assert "All bids (regulator):" in out


def test_a_bidder_replay_shows_its_receipts(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "replay", CODE, "--at", "2021-01-15 09:00", "--as", f"bidder:{seed.QXD}", "--db", db
    )
    assert code == 0
    assert f"Own bids of {seed.QXD}:" in out
    assert "Receipts (确认回执):" in out
    assert seed.RUNHUA not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("replay", CODE, "--at", "yesterday"), "not an ISO 8601 time"),
        (("replay", CODE, "--at", "2021-01-15 09:00", "--as", "auditor"), "role must be"),
        (("replay", CODE, "--at", "2020-12-01 09:00"), "no tender"),
        (("audit", "XFZFCG-1999-1"), "no tender"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    db: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, _, err = _run(capsys, *argv, "--db", db)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_the_overview_shows_a_regulator_the_late_attempt_and_a_postponement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'postponed.db'}"
    clock = FixedClock(seed.beijing("2020-12-20 09:00"))
    store = LedgerStore(url)
    world = World(LedgerService(store, clock, platform=Signer.generate()), clock)
    seed.register_seed_parties(world)
    world.act(seed.AGENCY, "agency", seed.invitation(world), at=seed.beijing("2020-12-25 09:00"))
    world.act(
        seed.AGENCY,
        "agency",
        AmendTender(seed.CODE, "延期更正", True, new_deadline=seed.beijing("2021-01-20 09:00")),
        at=seed.beijing("2021-01-05 09:00"),
    )
    store.close()
    assert main(["overview", "--db", url]) == 0
    printed = capsys.readouterr().out
    assert "Deadline postponements:" in printed
    assert "2021-01-15 09:30  2021-01-20 09:00" in printed
    assert main(["overview", "--db", url, "--json"]) == 0
    overview = json.loads(capsys.readouterr().out)
    (change,) = overview["postponements"]
    assert change["new_deadline"] == "2021-01-20T09:00:00+08:00"
    assert overview["late_attempts"] == []
