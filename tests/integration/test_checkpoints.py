"""Signed checkpoints: the log key on the registry, when checkpoints are issued, witness
cosignatures, and receipts completed with inclusion proofs (T1, T3, T4), on real SQLite."""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from commands import seed
from commands.client import Actor
from commands.demo import witnessed_service
from commands.demo_script import LOG_ORIGIN, DemoRun, play
from commands.messages import RegisterKey, RegisterParty, StartOpening, SubmitBid
from commands.world import World
from ledger.clock import FixedClock
from ledger.crypto.signing import Signer
from ledger.errors import InvalidInput, NotFound, RuleViolation, VerificationFailure
from ledger.merkle import root as merkle_root
from ledger.notes import (
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    open_checkpoint,
    sign_checkpoint,
    verify_cosignature,
)
from ledger.procedure.state import tender_stream
from ledger.receipts import (
    Receipt,
    complete_receipt,
    verify_receipt,
    verify_receipt_inclusion,
)
from ledger.store import LedgerStore
from ledger.transparency import CheckpointClaim, StoredCheckpoint, TreeStore
from ledger.verification import verify_log
from ledger.witness import WitnessError
from tests.conftest import tender_of
from tests.support.bids import sealed_bid
from tests.support.opening import OPENING_AT, submit_bids
from tests.support.transparency import ORIGIN, log_entries, logged_world, publish, transparency

BIDS = {("1", seed.QXD): "334860.00", ("1", seed.RUNHUA): "400000.00", ("2", seed.QXD): "410000"}


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    world, _ = logged_world(database_url, every=1000)
    publish(world)
    yield world
    world.service.store.close()


def _checkpoints(world: World) -> list[StoredCheckpoint]:
    return transparency(world).tree.checkpoints()


def _opened(world: World, stored: StoredCheckpoint) -> tuple[Checkpoint, CheckpointClaim]:
    verifier = world.service.registry().log_verifier(ORIGIN)
    checkpoint = open_checkpoint(stored.note, verifier)
    return checkpoint, CheckpointClaim.of(checkpoint)


def test_the_log_key_is_registered_with_purpose_log_under_its_note_key_id(world: World) -> None:
    log = transparency(world).signer
    registry = world.service.registry()
    record = registry.keys[f"note:{log.key_id:08x}"]
    assert (record.party, record.purpose, record.public_key) == (
        seed.PLATFORM,
        "log",
        log.public_key,
    )
    assert registry.log_verifier(ORIGIN) == log.verifier()
    with pytest.raises(VerificationFailure, match="no log key registered"):
        registry.log_verifier("another.example/log")


def test_a_log_key_cannot_sign_commands(world: World) -> None:
    key = secrets.token_bytes(32)
    world.register_note_key(seed.PLATFORM, NoteSigner("platform.test/second", key))
    command = Actor(seed.PLATFORM, "platform", Signer.from_seed(key)).sign(
        RegisterParty("someone-new", "新人", ("bidder",))
    )
    with pytest.raises(RuleViolation, match=r"^refused by S1 .*not a registered signing key"):
        world.service.registry().authenticate(command, world.clock.now(), "platform")


def test_a_note_key_naming_another_public_key_is_refused(world: World) -> None:
    ours, other = (NoteSigner("platform.test/x", secrets.token_bytes(32)) for _ in range(2))
    version = world.service.registry().version
    command = RegisterKey(
        seed.PLATFORM,
        ours.public_key.hex(),
        "log",
        ("platform",),
        world.clock.now(),
        note_key=other.verifier().vkey(),
    )
    with pytest.raises(InvalidInput, match="names another public key"):
        world.as_authority(command)
    assert world.service.registry().version == version


def test_a_back_dated_log_key_is_refused(world: World) -> None:
    key = NoteSigner("platform.test/late", secrets.token_bytes(32))
    version = world.service.registry().version
    command = RegisterKey(
        seed.PLATFORM,
        key.public_key.hex(),
        "log",
        ("platform",),
        world.clock.now() - timedelta(days=1),
        note_key=key.verifier().vkey(),
    )
    with pytest.raises(RuleViolation, match=r"^refused by S2 "):
        world.as_authority(command)
    assert world.service.registry().version == version


def test_a_batch_checkpoint_is_signed_every_n_new_leaves(database_url: str) -> None:
    world, _ = logged_world(database_url, every=8)
    publish(world)
    tree = transparency(world).tree
    stored = _checkpoints(world)
    entries = log_entries(world.service.store)
    registered = next(
        i for i, (_, e) in enumerate(entries) if e.args.get("purpose") == "log"
    )  # no checkpoint before the log key is on the registry
    assert [c.size for c in stored] == list(range(registered + 1, tree.size() + 1, 8))
    for item in stored:
        checkpoint, claim = _opened(world, item)
        assert (claim.reason, checkpoint.size, checkpoint.root) == (
            "batch",
            item.size,
            tree.root(item.size),
        )
    verify_log(world.service.store)
    world.service.store.close()


def test_the_deadline_checkpoint_fixes_exactly_the_bids_sealed_before_the_deadline(
    world: World,
) -> None:
    submit_bids(world, BIDS)
    sealed = transparency(world).tree.size()
    world.act(seed.AGENCY, "agency", StartOpening(seed.CODE), at=OPENING_AT)
    deadline, opening = _checkpoints(world)
    checkpoint, claim = _opened(world, deadline)
    tender = str(tender_stream(seed.CODE))
    assert (claim.reason, claim.tender, claim.time, checkpoint.size) == (
        "deadline",
        tender,
        OPENING_AT,
        sealed,
    )
    entries = log_entries(world.service.store)
    bids = [i for i, (_, e) in enumerate(entries) if type(e).__name__ == "BidSubmitted"]
    assert len(bids) == len(BIDS)
    assert max(bids) < checkpoint.size
    assert type(entries[checkpoint.size][1]).__name__ == "OpeningStarted"
    assert (_opened(world, opening)[1].reason, opening.size) == ("opening", sealed + 1)


def test_the_deadline_checkpoint_comes_before_a_refused_late_bid(world: World) -> None:
    submit_bids(world, BIDS)
    sealed = transparency(world).tree.size()
    late = sealed_bid(tender_of(world), "2", seed.RUNHUA, "390000.00")
    with pytest.raises(RuleViolation, match=r"§21\.1"):
        world.act(
            seed.RUNHUA,
            "bidder",
            SubmitBid(seed.CODE, "2", late),
            at=OPENING_AT + timedelta(minutes=1),
        )
    (deadline,) = _checkpoints(world)
    assert (deadline.reason, deadline.size) == ("deadline", sealed)
    assert transparency(world).tree.size() == sealed + 1  # the refused attempt, after it


def test_the_deadline_checkpoint_comes_before_any_first_command_after_the_deadline(
    world: World,
) -> None:
    submit_bids(world, BIDS)
    sealed = transparency(world).tree.size()
    world.clock.set(OPENING_AT + timedelta(minutes=5))
    world.as_authority(RegisterParty("late-comer", "迟到者", ("bidder",)))
    (deadline,) = _checkpoints(world)
    assert (deadline.reason, deadline.size) == ("deadline", sealed)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoRun, Path]]:
    """The demo's tender played with a log key and a witness, on a SQLite file."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.db"
    clock = FixedClock(seed.beijing("2020-12-20 09:00"))
    store = LedgerStore(f"sqlite:///{path}")
    (folder / "witness").mkdir()
    service, keys = witnessed_service(store, clock, folder / "witness")
    yield play(World(service, clock), log=keys.log, witness=keys.witness), path
    store.close()


def test_the_demo_signs_batch_deadline_opening_and_award_checkpoints(
    demo: tuple[DemoRun, Path],
) -> None:
    run, _ = demo
    log = transparency(run.world)
    stored = log.tree.checkpoints()
    reasons = [c.reason for c in stored]
    assert reasons[0] == "batch"
    assert [r for r in reasons if r != "batch"] == ["deadline", "opening", "award", "award"]
    entries = log_entries(run.world.service.store)
    for award in (c for c in stored if c.reason == "award"):
        assert type(entries[award.size - 1][1]).__name__ == "LotAwarded"
        assert award.tender == str(tender_stream(seed.CODE))
    verifier = run.world.service.registry().log_verifier(LOG_ORIGIN)
    for item in stored:
        assert open_checkpoint(item.note, verifier).root == log.tree.root(item.size)


def test_the_regulator_cosigns_the_deadline_checkpoint_as_witness(
    demo: tuple[DemoRun, Path],
) -> None:
    run, _ = demo
    assert run.witness is not None
    deadline = next(c for c in transparency(run.world).tree.checkpoints() if c.reason == "deadline")
    (registered,) = run.world.service.registry().witness_verifiers()
    assert registered == run.witness.verifier()
    assert verify_cosignature(deadline.note, registered) == int(OPENING_AT.timestamp())
    verify_log(run.world.service.store)


def test_a_forged_cosignature_fails_verification(
    demo: tuple[DemoRun, Path], tmp_path: Path
) -> None:
    _, path = demo
    copy = tmp_path / "copy.db"
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # the live file's write-ahead log included
    with sqlite3.connect(copy) as connection:
        seq, note = connection.execute(
            "SELECT seq, note FROM checkpoints WHERE reason = 'deadline'"
        ).fetchone()
        head, _, cosignature = note.rstrip("\n").rpartition("\n")
        name, _, encoded = cosignature.rpartition(" ")
        raw = bytearray(base64.b64decode(encoded))
        raw[-1] ^= 1  # the last byte of the Ed25519 signature
        forged = f"{name} {base64.b64encode(bytes(raw)).decode()}"
        connection.execute(
            "UPDATE checkpoints SET note = ? WHERE seq = ?", (f"{head}\n{forged}\n", seq)
        )
    store = LedgerStore(f"sqlite:///{copy}")
    try:
        with pytest.raises(VerificationFailure, match=r"checkpoint #2 \(deadline.*forged"):
            verify_log(store)
    finally:
        store.close()


def test_the_witness_refuses_a_checkpoint_re_signed_with_another_tree(
    demo: tuple[DemoRun, Path],
) -> None:
    """The platform holds the log key: it can sign any tree, but the witness that cosigned
    the deadline checkpoint refuses another root at that size (a fork), keeping both."""
    run, _ = demo
    log = transparency(run.world)
    deadline = next(c for c in log.tree.checkpoints() if c.reason == "deadline")
    fake = Checkpoint(log.origin, deadline.size, merkle_root(_Zero(), deadline.size))
    (witness,) = log.witnesses
    with pytest.raises(WitnessError, match="refused"):
        witness.cosign(sign_checkpoint(log.signer, fake), log.tree.consistency_proof)


class _Zero:
    def node(self, level: int, index: int) -> bytes:
        return bytes(32)


def _strings(world: World, receipt: Receipt) -> dict[str, str]:
    """What the bidder keeps, as plain text: its receipt, the proof, the checkpoint, keys."""
    log = transparency(world)
    proof, note = complete_receipt(receipt, world.service.store, log.tree)
    return {
        "receipt": json.dumps(receipt.to_json()),
        "proof": json.dumps(proof),
        "checkpoint": note,
        "log_vkey": log.signer.verifier().vkey(),
    }


def _bidder_checks(kept: dict[str, str], platform_key: bytes) -> Any:
    """The bidder's own check, with nothing but what it kept."""
    receipt = Receipt.from_json(json.loads(kept["receipt"]))
    verify_receipt(receipt, platform_key)
    return verify_receipt_inclusion(
        receipt,
        json.loads(kept["proof"]),
        kept["checkpoint"],
        NoteVerifier.from_vkey(kept["log_vkey"]),
        deadline=OPENING_AT,
    )


def _platform_key(world: World) -> bytes:
    platform = world.service._platform
    assert isinstance(platform, Signer)
    return platform.public_key


def _submitted(world: World) -> list[Receipt]:
    tender = tender_of(world)
    receipts = []
    for (lot, bidder), total in BIDS.items():
        sealed = sealed_bid(tender, lot, bidder, total)
        outcome = world.act(
            bidder, "bidder", SubmitBid(seed.CODE, lot, sealed), at=seed.beijing("2021-01-14 10:00")
        )
        assert outcome.receipt is not None
        receipts.append(outcome.receipt)
    world.act(seed.AGENCY, "agency", StartOpening(seed.CODE), at=OPENING_AT)
    return receipts


def test_a_bidder_proves_its_bid_was_logged_before_the_deadline_with_only_its_receipt(
    world: World,
) -> None:
    receipts = _submitted(world)
    kept = _strings(world, receipts[1])
    proved = _bidder_checks(kept, _platform_key(world))
    assert (proved.claim.reason, proved.claim.time) == ("deadline", OPENING_AT)
    found = transparency(world).tree.find_event(receipts[1].event_hash)
    assert found is not None
    assert proved.leaf_index == found.leaf_index
    assert proved.event_time == "2021-01-14T10:00:00+08:00"


def test_a_receipt_proof_fails_for_another_bid_a_changed_path_or_a_later_checkpoint(
    world: World,
) -> None:
    receipts = _submitted(world)
    kept = _strings(world, receipts[0])
    platform_key = _platform_key(world)
    other = {**kept, "receipt": _strings(world, receipts[2])["receipt"]}
    with pytest.raises(VerificationFailure, match="the receipt names"):
        _bidder_checks(other, platform_key)
    proof = json.loads(kept["proof"])
    proof["proof"][0] = "00" * 32
    with pytest.raises(VerificationFailure, match="inclusion proof of leaf"):
        _bidder_checks({**kept, "proof": json.dumps(proof)}, platform_key)
    world.clock.set(seed.beijing("2021-01-16 09:00"))
    later = transparency(world).checkpoint(world.clock.now())
    tree = transparency(world).tree
    latest = tree.latest_checkpoint()
    assert latest is not None
    assert latest.note == later
    proof, note = complete_receipt(receipts[0], world.service.store, tree, latest)
    with pytest.raises(VerificationFailure, match="after the deadline"):
        _bidder_checks({**kept, "proof": json.dumps(proof), "checkpoint": note}, platform_key)
    stranger = NoteSigner(ORIGIN, secrets.token_bytes(32)).verifier().vkey()
    with pytest.raises(VerificationFailure, match="no signature by a trusted key"):
        _bidder_checks({**kept, "log_vkey": stranger}, platform_key)


def test_a_tree_of_another_database_cannot_complete_a_receipt(world: World, tmp_path: Path) -> None:
    receipts = _submitted(world)
    empty = TreeStore(f"sqlite:///{tmp_path / 'empty.db'}")
    empty.create()
    with pytest.raises(NotFound, match="holds no event"):
        complete_receipt(receipts[0], world.service.store, empty)
    empty.close()
