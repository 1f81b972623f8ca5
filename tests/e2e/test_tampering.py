"""Each tampering of T2, applied to a copy of the demo database, and `bidledger verify`.

The attacker here holds the database (not the parties' keys): it edits rows, deletes,
reorders, inserts and duplicates events, and where it can it recomputes the hash chain and
rebuilds the Merkle tables too. Every tampering makes verify exit 1 naming what and where;
the untouched copy exits 0. A deletion at the very end, with the tree and checkpoints erased
as well, needs a checkpoint saved earlier (--against).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from commands.cli import main
from ledger.clock import format_time
from ledger.crypto.sealing import SealedBid
from ledger.envelope import SignedCommand, event_hash
from ledger.notes import Checkpoint, NoteSigner, parse_note, sign_checkpoint
from ledger.procedure.base import EVENT_VERSIONS
from ledger.store import LedgerStore
from ledger.transparency import TreeStore

Db = sqlite3.Connection


@pytest.fixture
def copy(demo: tuple[Path, Path], tmp_path: Path) -> Path:
    target = tmp_path / "copy.db"
    shutil.copy(demo[0], target)
    return target


def _verify(
    path: Path, capsys: pytest.CaptureFixture[str], against: Path | None = None
) -> tuple[int, str]:
    extra = ["--against", str(against)] if against is not None else []
    code = main(["verify", "--db", f"sqlite:///{path}", *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@dataclass
class Row:
    id: int
    stream: bytes
    version: int
    topic: str
    state: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.topic.rsplit(":", 1)[1]

    @property
    def where(self) -> str:
        return f"leaf {self.id - 1} (stream {UUID(bytes=self.stream)} v{self.version})"


def _rows(db: Db, kind: str | None = None) -> list[Row]:
    found = [
        Row(row[0], bytes(row[1]), row[2], row[3], json.loads(row[4]))
        for row in db.execute(
            "SELECT id, originator_id, originator_version, topic, state FROM application_events "
            "ORDER BY id"
        )
    ]
    return [row for row in found if kind is None or row.kind == kind]


def _put(db: Db, row: Row, *, insert: bool = False) -> None:
    state = json.dumps(row.state, ensure_ascii=False, separators=(",", ":")).encode()
    if insert:
        db.execute(
            "INSERT INTO application_events (id, originator_id, originator_version, topic, state)"
            " VALUES (?, ?, ?, ?, ?)",
            (row.id, row.stream, row.version, row.topic, state),
        )
    else:
        db.execute("UPDATE application_events SET state = ? WHERE id = ?", (state, row.id))


def _hash(row: Row) -> str:
    """The event hash of a row, as the ledger computes it (the attacker can do this too)."""
    name = row.topic.split(":")[1]
    state = row.state
    stream = str(UUID(bytes=row.stream))
    command = SignedCommand(
        command=state["command"],
        command_id=state["command_id"],
        stream=state["facts"].get("stream", stream) if "Attempt" in name else stream,
        actor=state["actor"],
        role=state["role"],
        key_id=state["key_id"],
        args=state["args"],
        signature=state["signature"],
    )
    return event_hash(
        stream=stream,
        version=row.version,
        event_type=name,
        class_version=EVENT_VERSIONS[name],
        time=datetime.fromisoformat(state["timestamp"]["_data_"]),
        command=command,
        facts=state["facts"],
        prev_hash=state["prev_hash"],
    )


def _rechain(db: Db, stream: bytes) -> None:
    """Recompute every hash and link of a stream, as a careful attacker would."""
    previous = "0" * 64
    for row in sorted((r for r in _rows(db) if r.stream == stream), key=lambda r: r.version):
        row.state["prev_hash"] = previous
        row.state["event_hash"] = previous = _hash(row)
        _put(db, row)


def _rebuild_tree(path: Path) -> None:
    """Drop the Merkle tables' rows and rebuild them from the (tampered) log."""
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM merkle_leaves")
        db.execute("DELETE FROM merkle_nodes")
    store, tree = LedgerStore(f"sqlite:///{path}"), TreeStore(f"sqlite:///{path}")
    tree.sync(store)
    tree.close()
    store.close()


def _tamper(path: Path, change: Callable[[Db], Any]) -> Any:
    with sqlite3.connect(path) as db:
        return change(db)


def _revealed_price(db: Db) -> Row:
    (row,) = _rows(db, "BidsRevealed")
    row.state["facts"]["bids"]["1"]["wuhan-qinxiongdi"]["price"] = "334800.00"
    _put(db, row)
    return row


def test_the_untouched_copy_verifies_also_against_the_saved_checkpoint(
    copy: Path, demo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = _verify(copy, capsys)
    assert code == 0, printed
    assert "7 signed checkpoints agree" in printed
    code, printed = _verify(copy, capsys, demo[1])
    assert code == 0, printed
    assert "consistent with" in printed


def test_an_edited_payload_is_named_by_its_log_index(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = _tamper(copy, _revealed_price)
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert f"verification FAILED at {row.where}: event hash mismatch" in printed


def test_an_edited_payload_with_its_hash_chain_recomputed_is_named_as_rewritten(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(db: Db) -> Row:
        row = _revealed_price(db)
        _rechain(db, row.stream)
        return row

    row = _tamper(copy, change)
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert f"verification FAILED at {row.where}: the facts of BidsRevealed differ" in printed
    assert "from what the rules give (T5)" in printed


def test_an_edited_reveal_with_the_chain_and_tree_rebuilt_fails_its_re_execution(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    revealed = _tamper(copy, _revealed_price)
    _tamper(copy, lambda db: _rechain(db, revealed.stream))
    _rebuild_tree(copy)
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert f"verification FAILED at {revealed.where}" in printed
    assert "facts.bids.1.wuhan-qinxiongdi.price: expected 334860.00, found 334800.00" in printed


def test_a_rewritten_award_with_the_chain_and_tree_rebuilt_fails_its_re_execution(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(db: Db) -> None:
        award = _rows(db, "LotAwarded")[0]
        award.state["facts"]["amount_wan"] = "30"
        _put(db, award)
        _rechain(db, award.stream)

    _tamper(copy, change)
    _rebuild_tree(copy)
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert "the facts of LotAwarded differ from what the rules give (T5)" in printed
    assert "facts.amount_wan: expected 33.486, found 30" in printed


def test_a_deleted_event_is_named(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def change(db: Db) -> Row:
        tender = _rows(db, "BidsRevealed")[0].stream
        rows = [r for r in _rows(db) if r.stream == tender]
        db.execute("DELETE FROM application_events WHERE id = ?", (rows[30].id,))
        return rows[31]

    after = _tamper(copy, change)
    code, printed = _verify(copy, capsys)
    assert code == 1
    place = f"leaf {after.id - 2} (stream {UUID(bytes=after.stream)} v{after.version})"
    assert f"verification FAILED at {place}: stream out of sequence" in printed  # one gone


def test_a_deleted_last_event_is_named_by_the_stored_tree(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _tamper(copy, _rows)
    last = rows[-1]
    _tamper(copy, lambda db: db.execute("DELETE FROM application_events WHERE id = ?", (last.id,)))
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert f"verification FAILED at leaf {len(rows) - 1} (log index {last.id})" in printed
    assert "an event was deleted from the end of the log" in printed


def _erase_tail(db: Db, keep: int) -> None:
    """Delete the log after ``keep`` entries, with their leaves, nodes and checkpoints, and
    forget the read models (as if never run)."""
    ids = [row.id for row in _rows(db)][keep:]
    db.executemany("DELETE FROM application_events WHERE id = ?", [(i,) for i in ids])
    db.execute("DELETE FROM merkle_leaves WHERE leaf_index >= ?", (keep,))
    db.execute("DELETE FROM merkle_nodes WHERE ((idx + 1) << level) > ?", (keep,))
    db.execute("DELETE FROM checkpoints WHERE size > ?", (keep,))
    db.execute("DELETE FROM projection_positions")  # and the read models the demo kept


@pytest.mark.parametrize("erased", [1, 7])
def test_a_rolled_back_log_is_caught_against_a_checkpoint_issued_earlier(
    copy: Path, demo: tuple[Path, Path], capsys: pytest.CaptureFixture[str], erased: int
) -> None:
    size = len(_tamper(copy, _rows))
    keep = size - erased
    _tamper(copy, lambda db: _erase_tail(db, keep))
    code, printed = _verify(copy, capsys)
    assert code == 0, "without an earlier checkpoint, a clean rollback looks like a shorter log"
    code, printed = _verify(copy, capsys, demo[1])
    assert code == 1
    assert "verification FAILED at the checkpoint given with --against" in printed
    assert (
        f"the log was rolled back: this checkpoint covers {size} entries, the log has only {keep}"
        in printed
    )


def test_events_reordered_across_streams_are_named(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(db: Db) -> tuple[Row, Row]:
        rows = _rows(db)
        first, second = next((a, b) for a, b in itertools.pairwise(rows) if a.stream != b.stream)
        _swap_ids(db, first, second)
        return first, second

    first, second = _tamper(copy, change)
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert (
        f"verification FAILED at leaf {second.id - 1} (stream {UUID(bytes=first.stream)} "
        f"v{first.version}): time runs backwards along the log"
    ) in printed


def test_events_reordered_within_a_stream_are_named(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(db: Db) -> tuple[Row, Row]:
        first, second = _rows(db, "CheckedIn")[:2]
        assert (second.id, second.version) == (first.id + 1, first.version + 1)
        _swap_ids(db, first, second)
        return first, second

    first, second = _tamper(copy, change)
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert (
        f"verification FAILED at leaf {first.id - 1} (stream {UUID(bytes=first.stream)} "
        f"v{second.version}): stream out of sequence: expected version {first.version}"
    ) in printed


def _swap_ids(db: Db, first: Row, second: Row) -> None:
    """Swap two events' places in the log (their notification ids)."""
    db.execute("UPDATE application_events SET id = -1 WHERE id = ?", (first.id,))
    db.execute("UPDATE application_events SET id = ? WHERE id = ?", (first.id, second.id))
    db.execute("UPDATE application_events SET id = ? WHERE id = -1", (second.id,))


def _late_bid(db: Db) -> Row:
    """The refused late bid, genuinely signed, inserted as an accepted bid after the log."""
    (attempt,) = [r for r in _rows(db) if "Attempt" in r.kind and r.state["command"] == "SubmitBid"]
    tender_rows = [r for r in _rows(db) if r.stream == _rows(db, "BidsRevealed")[0].stream]
    head = tender_rows[-1]
    sealed = SealedBid.from_json(attempt.state["args"]["sealed"])
    state = {
        key: attempt.state[key]
        for key in ("command", "command_id", "actor", "role", "key_id", "args", "signature")
    }
    moment = datetime.fromisoformat(head.state["timestamp"]["_data_"]) + timedelta(minutes=1)
    state["timestamp"] = {"_type_": "datetime_iso", "_data_": format_time(moment)}
    state["facts"] = {
        "sealed_digest": sealed.digest(),
        "ciphertext_sha256": hashlib.sha256(sealed.ciphertext).hexdigest(),
    }
    state["prev_hash"] = head.state["event_hash"]
    row = Row(_rows(db)[-1].id + 1, head.stream, head.version + 1, head.topic, state)
    row.topic = "ledger.events:BidSubmitted"
    row.state["event_hash"] = _hash(row)
    _put(db, row, insert=True)
    return row


def test_an_inserted_bid_genuinely_signed_but_late_is_named(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = _tamper(copy, _late_bid)
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert f"verification FAILED at {row.where}: BidSubmitted is recorded as accepted" in printed
    assert "the rules refuse SubmitBid here: refused by §21.1" in printed


def test_a_forged_event_is_named(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def change(db: Db) -> Row:
        row = _late_bid(db)
        row.state["signature"] = base64.b64encode(bytes(64)).decode()
        row.state["event_hash"] = _hash(row)
        _put(db, row)
        return row

    row = _tamper(copy, change)
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert f"verification FAILED at {row.where}: BidSubmitted is recorded as accepted" in printed
    assert "refused by S1 (every action is signed by its actor with a registered key)" in printed


def test_a_duplicated_event_is_named(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def change(db: Db) -> tuple[Row, Row]:
        original = _rows(db, "BidSubmitted")[0]
        last = max(r.version for r in _rows(db) if r.stream == original.stream)
        duplicate = Row(_rows(db)[-1].id + 1, original.stream, last + 1, original.topic, {})
        duplicate.state = json.loads(json.dumps(original.state))
        _put(db, duplicate, insert=True)
        return original, duplicate

    original, duplicate = _tamper(copy, change)
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert (
        f"verification FAILED at {duplicate.where}: duplicated event: it repeats the event at "
        f"log index {original.id}"
    ) in printed


def test_a_duplicated_event_with_its_chain_recomputed_is_named(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(db: Db) -> tuple[Row, Row]:
        original = _rows(db, "BidSubmitted")[0]
        stream = [r for r in _rows(db) if r.stream == original.stream]
        duplicate = Row(_rows(db)[-1].id + 1, original.stream, len(stream) + 1, original.topic, {})
        duplicate.state = {
            **json.loads(json.dumps(original.state)),
            "timestamp": stream[-1].state["timestamp"],
        }
        duplicate.state["prev_hash"] = stream[-1].state["event_hash"]
        duplicate.state["event_hash"] = _hash(duplicate)
        _put(db, duplicate, insert=True)
        return original, duplicate

    original, duplicate = _tamper(copy, change)
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert f"verification FAILED at {duplicate.where}: duplicated event: command" in printed
    assert f"already recorded in this stream at log index {original.id}" in printed


def test_a_swapped_bid_ciphertext_is_named(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def change(db: Db) -> Row:
        first, second = _rows(db, "BidSubmitted")[:2]
        for key in ("ciphertext", "ciphertext_sha256"):
            a, b = first.state["args"]["sealed"], second.state["args"]["sealed"]
            a[key], b[key] = b[key], a[key]
        _put(db, first)
        _put(db, second)
        return first

    first = _tamper(copy, change)
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert f"verification FAILED at {first.where}: bid ciphertext swapped or altered" in printed


def test_a_key_registered_with_a_back_dated_validity_is_named(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(db: Db) -> Row:
        row = _rows(db, "KeyRegistered")[5]
        row.state["args"]["valid_from"] = "2019-01-01T00:00:00+08:00"
        _put(db, row)
        return row

    row = _tamper(copy, change)
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert f"verification FAILED at {row.where}: key registered with a back-dated validity" in (
        printed
    )


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 5",
            "stored Merkle node (level 2, index 5), leaves 20 to 23: the stored Merkle tree "
            "(a read model) disagrees with the log",
        ),
        (
            "UPDATE merkle_leaves SET leaf_hash = zeroblob(32) WHERE leaf_index = 7",
            "(a read model) disagrees with the log: the stored leaf is 0000",
        ),
        (
            "UPDATE checkpoints SET size = 100 WHERE seq = 3",
            "checkpoint #3 (opening, issued 2021-01-15T09:30:00+08:00): the checkpoints table "
            "disagrees with its signed note: size 100 is stored, the note signs 111",
        ),
        (
            "DELETE FROM merkle_nodes WHERE level = 3 AND idx = 2",
            "stored Merkle node (level 3, index 2): the stored Merkle tree (a read model) "
            "disagrees with the log: missing",
        ),
    ],
)
def test_a_read_model_that_disagrees_with_the_log_is_named(
    copy: Path, capsys: pytest.CaptureFixture[str], statement: str, expected: str
) -> None:
    _tamper(copy, lambda db: db.execute(statement))
    code, printed = _verify(copy, capsys)
    assert code == 1
    assert expected in printed


def test_a_checkpoint_not_signed_by_the_registered_log_key_is_refused(
    copy: Path, demo: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    genuine = Checkpoint.parse(parse_note(demo[1].read_text(encoding="utf-8"))[0])
    impostor = NoteSigner(genuine.origin, secrets.token_bytes(32))
    forged = tmp_path / "forged.txt"
    forged.write_text(sign_checkpoint(impostor, genuine), encoding="utf-8")
    code, printed = _verify(copy, capsys, forged)
    assert code == 1
    assert (
        "verification FAILED at the checkpoint given with --against: forged or damaged "
        "checkpoint: signed note: no signature by a trusted key"
    ) in printed
    forged.write_text("not a note\n", encoding="utf-8")
    code, printed = _verify(copy, capsys, forged)
    assert code == 2  # the wrong file was given: nothing failed verification
    assert f"error: {forged} is not a signed checkpoint note" in printed
