"""`verify_log` on a real SQLite file: intact logs pass; damaged or deleted events are named."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from commands import seed
from commands.messages import CheckIn, SubmitBid
from commands.world import World
from ledger.errors import VerificationFailure
from ledger.store import LedgerStore
from ledger.verification import verify_log
from tests.conftest import tender_of
from tests.support.bids import sealed_bid


@pytest.fixture
def database(published: World, database_url: str) -> Path:
    tender = tender_of(published)
    published.clock.set(seed.beijing("2021-01-14 10:00"))
    for lot, bidder, total in (("1", seed.QXD, "334860.00"), ("1", seed.SUPPLIER_A, "398000.00")):
        published.act(
            bidder, "bidder", SubmitBid(seed.CODE, lot, sealed_bid(tender, lot, bidder, total))
        )
        published.act(bidder, "bidder", CheckIn(seed.CODE, lot))
    published.service.store.close()
    return Path(database_url.removeprefix("sqlite:///"))


def _verify(path: Path) -> None:
    store = LedgerStore(f"sqlite:///{path}")
    try:
        verify_log(store)
    finally:
        store.close()


def test_an_intact_log_verifies(database: Path) -> None:
    _verify(database)


def test_an_edited_payload_is_named_by_its_log_index(database: Path, tmp_path: Path) -> None:
    copy = tmp_path / "edited.db"
    shutil.copy(database, copy)
    with sqlite3.connect(copy) as connection:
        row_id, state = connection.execute(
            "SELECT id, state FROM application_events ORDER BY id DESC LIMIT 1 OFFSET 2"
        ).fetchone()
        edited = (
            bytes(state).replace(b"334860.00", b"334800.00", 1)
            if b"334860" in bytes(state)
            else bytes(state).replace(b'"lot":"1"', b'"lot":"2"', 1)
        )
        assert edited != bytes(state)
        connection.execute("UPDATE application_events SET state = ? WHERE id = ?", (edited, row_id))
    with pytest.raises(VerificationFailure, match=f"leaf {row_id - 1} "):  # SQLite: no gaps
        _verify(copy)


def test_an_event_deleted_from_the_middle_of_a_tender_is_detected(
    database: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "deleted.db"
    shutil.copy(database, copy)
    with sqlite3.connect(copy) as connection:
        (row_id,) = connection.execute(
            "SELECT id FROM application_events ORDER BY id DESC LIMIT 1 OFFSET 3"
        ).fetchone()
        connection.execute("DELETE FROM application_events WHERE id = ?", (row_id,))
    with pytest.raises(VerificationFailure, match="out of sequence"):
        _verify(copy)
