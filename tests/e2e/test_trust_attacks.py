"""The attacks on the verifiers' trust, each made the way its attacker would make it (T5-T9).

The attacker is the platform's operator: it holds a copy of the database and the platform's
keys (the log key included), and, where a test says so, the key of a party colluding with
it. It never holds the registration authority's or the witness's key. Each attack must be
refused, exit 1, naming what and where: by ``verify --policy`` on the database, and by
``verify-bundle --policy`` where it reaches a bundle.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commands import seed
from commands.cli import main
from commands.demo import DemoKeys, witnessed_service
from commands.demo_script import DemoRun, play
from commands.messages import AwardLot, RegisterKey, RevokeKey, SignOpeningRecord
from commands.world import World
from ledger.bundle.export import export_bundle
from ledger.clock import FixedClock
from ledger.crypto.sealing import SealedBid
from ledger.crypto.signing import Signer
from ledger.procedure.attempts import attempts_stream
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.procedure.state import tender_stream
from ledger.store import LedgerStore
from ledger.transparency import TreeStore
from ledger.trust import policy_of
from tests.support.attacker import (
    append,
    copy_database,
    delete_events,
    rebuild_tree,
    rechain,
    resign_checkpoints,
)

TENDER = tender_stream(seed.CODE)


@dataclass
class Deployment:
    """A ledger run to the end of the seed tender, with everything a reviewer is given."""

    folder: Path
    database: Path
    policy: Path
    bundle: Path
    witness_state: Path
    keys: DemoKeys
    run: DemoRun

    @property
    def world(self) -> World:
        return self.run.world

    def copy(self, name: str) -> Path:
        return copy_database(self.database, self.folder / f"{name}.db")


def _deploy(folder: Path, *, witness_late_by: timedelta | None = None) -> Deployment:
    database = folder / "ledger.db"
    (folder / "witness").mkdir()
    clock = FixedClock(seed.beijing("2020-12-20 09:00"))
    store = LedgerStore(f"sqlite:///{database}")
    witness_clock = None if witness_late_by is None else _Late(clock, witness_late_by)
    service, keys = witnessed_service(store, clock, folder / "witness", witness_clock=witness_clock)
    run = play(World(service, clock), log=keys.log, witness=keys.witness)
    service.checkpoint("closing", TENDER)
    registry = store.state(RegistryState, REGISTRY_STREAM)
    policy = folder / "policy.txt"
    policy.write_text(policy_of(registry, keys.log.name).to_text(), encoding="utf-8")
    bundle = folder / "bundle.json"
    bundle.write_text(json.dumps(export_bundle(store, seed.CODE).bundle), encoding="utf-8")
    return Deployment(folder, database, policy, bundle, folder / "witness", keys, run)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    deployment = _deploy(tmp_path_factory.mktemp("real"))
    yield deployment
    deployment.world.service.store.close()


def verify(database: Path, *extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["verify", "--db", f"sqlite:///{database}", *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def verify_bundle(bundle: Path, *extra: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["verify-bundle", str(bundle), *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def export(database: Path, target: Path) -> Path:
    store = LedgerStore(f"sqlite:///{database}")
    try:
        target.write_text(json.dumps(export_bundle(store, seed.CODE).bundle), encoding="utf-8")
    finally:
        store.close()
    return target


def test_the_genuine_ledger_and_bundle_verify_against_the_policy(
    real: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = verify(real.database, "--policy", str(real.policy), capsys=capsys)
    assert code == 0, printed
    assert "anchored in the policy" in printed
    code, printed = verify_bundle(real.bundle, "--policy", str(real.policy), capsys=capsys)
    assert code == 0, printed
    assert printed.splitlines()[0] == "keys: pinned by the trust policy given"


# 1. A whole history re-signed with fresh keys, its witness carrying the real one's name.


def test_a_history_forged_from_scratch_verifies_only_unanchored(
    real: Deployment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = _deploy(tmp_path)  # fresh keys for everyone; the witness has the real one's name
    try:
        assert forged.keys.witness.name == real.keys.witness.name
        code, printed = verify_bundle(forged.bundle, capsys=capsys)
        assert code == 0, printed
        assert "UNANCHORED" in printed.splitlines()[0]
        code, printed = verify_bundle(forged.bundle, "--policy", str(real.policy), capsys=capsys)
        assert code == 1
        assert "registration authority" in printed
        assert "is not the policy's" in printed
        code, printed = verify(forged.database, "--policy", str(real.policy), capsys=capsys)
        assert code == 1
        assert "registration authority" in printed
    finally:
        forged.world.service.store.close()


# 2. A registry event signed by a bidder gives the purchaser a new key; an award signed with it.


def test_a_key_registered_by_a_bidder_and_the_award_it_signs_are_refused(
    real: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = real.copy("bidder-registers")
    bidder = real.world.parties[seed.QXD].signer  # the colluding bidder's own key
    new_key = Signer.generate()
    when = seed.beijing("2021-01-22 11:00")
    register = _signed(
        bidder,
        seed.QXD,
        "authority",
        RegisterKey(seed.PURCHASER, new_key.public_key.hex(), "sign", ("purchaser",), when),
    )
    append(copy, REGISTRY_STREAM, "KeyRegistered", register, when, {"key_id": new_key.key_id})
    award = _signed(new_key, seed.PURCHASER, "purchaser", AwardLot(seed.CODE, "1", seed.QXD))
    append(copy, TENDER, "LotAwarded", award, when, {"amount": "334860.00", "amount_wan": "33.486"})
    rebuild_tree(copy)
    code, printed = verify(copy, "--policy", str(real.policy), capsys=capsys)
    assert code == 1
    assert "KeyRegistered is recorded as accepted, but the rules refuse RegisterKey" in printed
    assert "wuhan-qinxiongdi is not the registration authority" in printed


# 3. A refused award promoted from the attempts stream; a ranking reordered under its digest.


def test_a_refused_award_copied_into_the_tender_is_refused(
    real: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = real.copy("promoted")
    store = LedgerStore(f"sqlite:///{copy}")
    try:
        attempts = list(store.events(attempts_stream(TENDER)))
    finally:
        store.close()
    refused = next(e for e in attempts if e.command == "AwardLot")
    command = refused.signed_command()
    append(copy, TENDER, "LotAwarded", command, seed.beijing("2021-01-22 11:00"), {})
    rebuild_tree(copy)
    code, printed = verify(copy, "--policy", str(real.policy), capsys=capsys)
    assert code == 1
    assert "LotAwarded is recorded as accepted, but the rules refuse AwardLot" in printed


def test_a_ranking_reordered_under_the_signed_report_digest_is_refused(
    real: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = real.copy("reordered")
    with sqlite3.connect(copy) as db:
        row_id, state = db.execute(
            "SELECT id, state FROM application_events WHERE topic LIKE '%EvaluationFinalised' "
            "ORDER BY id LIMIT 1"
        ).fetchone()
        data = json.loads(bytes(state))
        ranking = data["facts"]["ranking"]
        ranking[0]["bidder"], ranking[1]["bidder"] = ranking[1]["bidder"], ranking[0]["bidder"]
        data["facts"]["candidates"] = [row["bidder"] for row in ranking][:3]
        db.execute(
            "UPDATE application_events SET state = ? WHERE id = ?",
            (json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(), row_id),
        )
    rechain(copy)
    rebuild_tree(copy)
    resign_checkpoints(copy, real.keys.log)
    code, printed = verify(copy, "--policy", str(real.policy), capsys=capsys)
    assert code == 1
    assert "the facts of EvaluationFinalised differ from what the rules give (T5)" in printed


# 4. A fork: a genuine event dropped after the deadline, tree rebuilt, checkpoints re-signed.


def test_a_fork_is_refused_by_the_policy_and_proven_against_the_other_history(
    real: Deployment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = real.copy("fork")
    store = LedgerStore(f"sqlite:///{copy}")
    try:  # a genuine event after the deadline: the refused out-of-order award, kept on record
        dropped = next(
            store.log_index_of(e.originator_id, e.originator_version)
            for e in store.events(attempts_stream(TENDER))
            if e.command == "AwardLot"
        )
    finally:
        store.close()
    assert delete_events(copy, "id = ?", dropped) == 1
    rechain(copy)
    rebuild_tree(copy)
    resign_checkpoints(copy, real.keys.log)
    forked = export(copy, tmp_path / "forked.json")
    code, printed = verify_bundle(forked, capsys=capsys)
    assert code == 0, printed  # without a policy both histories verify ...
    code, printed = verify_bundle(forked, "--policy", str(real.policy), capsys=capsys)
    assert code == 1  # ... with one, the forked history lacks the witness
    assert "closing checkpoint" in printed
    honest_notes = json.loads(real.bundle.read_text(encoding="utf-8"))["checkpoints"]
    honest = next(note for note in honest_notes if "bidledger award" in note)
    other = tmp_path / "honest-checkpoint.txt"
    other.write_text(honest, encoding="utf-8")
    code, printed = verify_bundle(forked, "--against", str(other), capsys=capsys)
    assert code == 1
    assert "FORK" in printed
    assert "--- the bundle's ---" in printed
    assert "--- the other ---" in printed
    code, printed = verify(copy, "--policy", str(real.policy), capsys=capsys)
    assert code == 1
    assert "witness cosignature" in printed


# 5. A log cut back; a bundle whose tender's last events hide in other streams' subtrees.


def test_a_log_cut_back_is_caught_against_the_witnesss_own_latest(
    real: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = real.copy("cut-back")
    store = LedgerStore(f"sqlite:///{copy}")
    head = store.head()
    store.close()
    delete_events(copy, "id > ?", head - 2)
    rebuild_tree(copy)
    resign_checkpoints(copy, real.keys.log, keep_up_to=head - 2)
    witness_latest = real.folder / "witness-latest.txt"
    assert (
        main(
            [
                "witness",
                "latest",
                "--state",
                str(real.witness_state),
                "--origin",
                real.keys.log.name,
            ]
        )
        == 0
    )
    witness_latest.write_text(capsys.readouterr().out, encoding="utf-8")
    code, printed = verify(
        copy, "--policy", str(real.policy), "--against", str(witness_latest), capsys=capsys
    )
    assert code == 1
    assert "rolled back" in printed


def test_deleting_the_attempts_stream_loses_the_witnesses(
    real: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = real.copy("no-attempts")
    assert delete_events(copy, "originator_id = ?", attempts_stream(TENDER).bytes) == 4
    rebuild_tree(copy)
    resign_checkpoints(copy, real.keys.log)
    code, printed = verify(copy, capsys=capsys)
    assert code == 0, printed  # without the policy, a clean rewrite looks like a log
    code, printed = verify(copy, "--policy", str(real.policy), capsys=capsys)
    assert code == 1
    assert "witness cosignature" in printed


def test_a_bundle_hiding_the_tenders_last_events_in_subtree_hashes_is_refused(
    real: Deployment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = json.loads(real.bundle.read_text(encoding="utf-8"))
    tender_events = [e for e in bundle["events"] if e["stream"] == str(TENDER)]
    hidden = {e["leaf_index"] for e in tender_events[-2:]}  # the challenge and its answer
    bundle["events"] = [e for e in bundle["events"] if e["leaf_index"] not in hidden]
    bundle["omitted"] = _omitted(real, [e["leaf_index"] for e in bundle["events"]])
    path = tmp_path / "hiding.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    code, printed = verify_bundle(path, capsys=capsys)
    assert code == 1
    assert "events of the stream are hidden (T9)" in printed
    code, printed = verify_bundle(path, "--policy", str(real.policy), capsys=capsys)
    assert code == 1


# 6. Time: a late bid stamped before the deadline; a key used "just before" its revocation.


def test_a_bid_that_arrived_at_0931_stored_as_0929_is_refused(
    real: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = real.copy("backdated-bid")
    store = LedgerStore(f"sqlite:///{copy}")
    try:
        late = next(e for e in store.events(attempts_stream(TENDER)) if e.command == "SubmitBid")
    finally:
        store.close()
    sealed = SealedBid.from_json(late.args["sealed"])
    facts = {
        "sealed_digest": sealed.digest(),
        "ciphertext_sha256": sealed.to_json()["ciphertext_sha256"],
    }
    append(
        copy, TENDER, "BidSubmitted", late.signed_command(), seed.beijing("2021-01-15 09:29"), facts
    )
    rebuild_tree(copy)
    code, printed = verify(copy, "--policy", str(real.policy), capsys=capsys)
    assert code == 1
    assert "time runs backwards along the log" in printed


def test_a_key_used_with_the_clock_set_before_its_revocation_is_refused(
    real: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = real.copy("before-revocation")
    authority = real.world.authority.signer  # here the authority revokes, genuinely
    bidder = real.world.parties[seed.SUPPLIER_B].signer
    revoked_at = seed.beijing("2021-01-23 09:00")
    revoke = _signed(
        authority,
        "registration-authority",
        "authority",
        RevokeKey(bidder.key_id, "certificate lost"),
    )
    append(copy, REGISTRY_STREAM, "KeyRevoked", revoke, revoked_at)
    sign = _signed(bidder, seed.SUPPLIER_B, "bidder", SignOpeningRecord(seed.CODE, "2"))
    append(
        copy,
        TENDER,
        "OpeningRecordSigned",
        sign,
        revoked_at - timedelta(minutes=1),
        {"opening_record": ""},
    )
    rebuild_tree(copy)
    code, printed = verify(copy, "--policy", str(real.policy), capsys=capsys)
    assert code == 1
    assert "time runs backwards along the log" in printed


# 7. A bundle whose cosignature is stripped (and log.witnesses emptied), or cosigned late.


def test_a_bundle_with_its_cosignatures_stripped_is_refused_by_the_policy(
    real: Deployment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = json.loads(real.bundle.read_text(encoding="utf-8"))
    bundle["checkpoints"] = [_strip(note) for note in bundle["checkpoints"]]
    bundle["log"]["witnesses"] = []
    path = tmp_path / "stripped.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    code, printed = verify_bundle(path, capsys=capsys)
    assert code == 0, printed
    code, printed = verify_bundle(path, "--policy", str(real.policy), capsys=capsys)
    assert code == 1
    assert "needs 1 witness cosignature(s) on this deadline checkpoint" in printed


def test_a_deadline_checkpoint_cosigned_a_week_late_does_not_fix_the_bids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    late = _deploy(tmp_path, witness_late_by=timedelta(days=7))
    try:
        code, printed = verify_bundle(late.bundle, "--policy", str(late.policy), capsys=capsys)
        assert code == 1
        assert "too late" in printed
        code, printed = verify(late.database, "--policy", str(late.policy), capsys=capsys)
        assert code == 1
        assert "too late" in printed
    finally:
        late.world.service.store.close()


# 8. The Merkle tree and every checkpoint deleted although the registry holds a log key.


def test_a_database_without_its_tree_and_checkpoints_fails(
    real: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = real.copy("no-tree")
    with sqlite3.connect(copy) as db:
        for table in ("merkle_leaves", "merkle_nodes", "checkpoints", "checkpoint_deadlines"):
            db.execute(f"DROP TABLE {table}")
    code, printed = verify(copy, capsys=capsys)
    assert code == 1
    assert "the registry holds a log key, but the database has no tree" in printed


def test_a_database_without_its_checkpoints_fails(
    real: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = real.copy("no-checkpoints")
    with sqlite3.connect(copy) as db:
        db.execute("DELETE FROM checkpoints")
    code, printed = verify(copy, capsys=capsys)
    assert code == 1
    assert "no deadline checkpoint fixed its sealed bids" in printed


# Helpers


def _signed(signer: Signer, party: str, role: str, command: Any) -> Any:
    from ledger.envelope import sign_command
    from ledger.procedure.state import stream_of

    target = command.target()
    return sign_command(
        signer,
        command=command.kind(),
        stream=str(REGISTRY_STREAM if target is None else stream_of(target)),
        actor=party,
        role=role,
        args=command.args(),
    )


def _omitted(real: Deployment, exported: list[int]) -> list[dict[str, Any]]:
    from ledger.bundle.export import omitted_subtrees

    tree = TreeStore(f"sqlite:///{real.database}")
    try:
        size = json.loads(real.bundle.read_text(encoding="utf-8"))["events"][-1]["leaf_index"]
        latest = tree.checkpoints()[-1].size
        assert latest > size
        return omitted_subtrees(tree, sorted(exported), latest)
    finally:
        tree.close()


def _strip(note: str) -> str:
    """The note with only its first signature line (the log's)."""
    body, _, signatures = note.partition("\n\n")
    return f"{body}\n\n{signatures.splitlines()[0]}\n"


class _Late:
    """A witness's clock that runs behind the events (a witness asked only later)."""

    def __init__(self, clock: FixedClock, by: timedelta) -> None:
        self.clock, self.by = clock, by

    def now(self) -> datetime:
        return self.clock.now() + self.by
