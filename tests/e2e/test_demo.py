"""`bidledger demo` and `bidledger verify` as a user runs them, on a real SQLite file."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from commands import seed
from commands.cli import main
from ledger.procedure.state import TenderState, tender_stream
from ledger.store import LedgerStore

AWARDS = (
    "lot 1 食堂设备: 武汉亲兄弟酒店用品有限公司, 33.486 万元",
    "lot 2 宿舍设备: 江西省润华教育装备集团有限公司, 46.543 万元",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo database and everything the demo printed."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = subprocess.run(
        [sys.executable, "-m", "commands.cli", "demo", "--db", f"sqlite:///{path}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return path, result.stdout


def _verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["verify", "--db", f"sqlite:///{path}"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_demo_prints_both_awards_of_the_seed(demo: tuple[Path, str]) -> None:
    _, printed = demo
    for award in AWARDS:
        assert award in printed


def test_the_demo_shows_the_refusals_and_the_returned_bid(demo: tuple[Path, str]) -> None:
    _, printed = demo
    assert "refused by §21.1" in printed
    assert "not decrypted in time (撤销, §23.2(4)): lot 2: 演示供应商丙" in printed
    assert "49.8 → 48.9 万元" in printed
    assert "fewer than three, no evaluation (§24.1)" in printed
    assert "质疑答复 / challenge answered" in printed


def test_verify_passes_on_the_demo_database(
    demo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = _verify(demo[0], capsys)
    assert code == 0, printed
    assert "every hash, chain link, signature and key validity holds" in printed


def test_the_read_models_are_caught_up_when_the_demo_ends(
    demo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["projections", "status", "--json", "--db", f"sqlite:///{demo[0]}"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["name"] for row in rows} == {"tender_state", "audit_trail", "notices"}
    assert all(row["lag"] == 0 and row["position"] == row["head"] for row in rows), rows


def test_running_the_demo_twice_on_one_database_is_refused(
    demo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--db", f"sqlite:///{demo[0]}"]) == 2
    assert "already holds XFZFCG-2020-33" in capsys.readouterr().err


def test_verify_without_a_database_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = _verify(tmp_path / "missing.db", capsys)
    assert code == 2
    assert "no database at" in printed
    assert not (tmp_path / "missing.db").exists()


def _stored_regions(path: Path) -> list[tuple[int, bytes]]:
    """(log index, bytes of the event as stored: originator id, topic and start of its state)."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT id, originator_id, topic, state FROM application_events ORDER BY id"
        ).fetchall()
    return [(row[0], bytes(row[1]) + row[2].encode() + bytes(row[3])[:256]) for row in rows]


def test_changing_any_single_byte_of_any_stored_event_fails_verification(
    demo: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = demo[0].read_bytes()
    chooser = random.Random(20210115)
    for index, region in _stored_regions(demo[0]):
        part = chooser.choice([region[:16], region[16:]])  # the stream id, or topic and state
        where = original.find(part)
        assert where >= 0, f"event {index} not found in the file"
        offset = where + chooser.randrange(len(part))
        damaged = bytearray(original)
        damaged[offset] ^= 1 << chooser.randrange(8)
        copy = tmp_path / "damaged.db"
        copy.write_bytes(bytes(damaged))
        code, printed = _verify(copy, capsys)
        assert code == 1, f"a changed byte at file offset {offset} (event {index}) went unnoticed"
        assert "verification FAILED at" in printed


def test_deleting_an_event_from_the_middle_of_the_tender_fails_verification(
    demo: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "deleted.db"
    shutil.copy(demo[0], copy)
    with sqlite3.connect(copy) as connection:
        stream, version = connection.execute(
            "SELECT originator_id, MAX(originator_version) FROM application_events "
            "GROUP BY originator_id ORDER BY MAX(originator_version) DESC LIMIT 1"
        ).fetchone()
        connection.execute(
            "DELETE FROM application_events WHERE originator_id = ? AND originator_version = ?",
            (stream, version // 2),
        )
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert "out of sequence" in printed


def test_the_demo_correction_keeps_the_total_at_132_and_says_it_is_illustrative(
    demo: tuple[Path, str],
) -> None:
    path, printed = demo
    assert "Illustrative, not in the seed: the correction notice's content" in printed
    assert "lot 1 budget 42.24 ceiling 42.24; lot 2 budget 55.546 ceiling 55.546" in printed
    store = LedgerStore(f"sqlite:///{path}")
    try:
        tender = store.state(TenderState, tender_stream(seed.CODE))
    finally:
        store.close()
    lots = tender.lots
    assert sum(lot.budget for lot in lots.values()) == 1320000  # 132 万元, as the seed says
    for lot in ("1", "2"):
        award = lots[lot].award
        assert award is not None
        assert Decimal(award["amount"]) <= lots[lot].ceiling
