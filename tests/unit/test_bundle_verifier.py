"""The standalone bundle verifier on small bundles built by hand: every check can fail.

The log here is built without a database: signed commands and event preimages from
``ledger.envelope``, a Merkle tree in memory, checkpoints signed with fixed test keys. One
tender, its registry and another tender's events interleaved (shown only as subtree hashes).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import nacl.public
import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from commands.messages import (
    AuthoriseDecryption,
    CheckIn,
    CloseDecryption,
    Command,
    EstablishRegistry,
    LotTerms,
    ObtainDocuments,
    OfficialTerms,
    OpeningTerms,
    PublishTender,
    RecordCalendar,
    RegisterKey,
    RegisterParty,
    RevealBids,
    RevokeKey,
    StartOpening,
    SubmitBid,
    SubmitKeyShares,
    TimetableTerms,
)
from ledger.bundle import verify_bundle
from ledger.bundle.export import omitted_subtrees
from ledger.bundle.format import (
    MAX_SAFE_INTEGER,
    REGISTRY_STREAM,
    BundleFormatError,
    attempts_stream,
    canonical_json,
    loads_strict,
    tender_stream,
)
from ledger.canonical import canonical_bytes
from ledger.clock import BEIJING
from ledger.crypto.sealing import OpeningOfficial, open_share, seal_bid
from ledger.crypto.signing import Signer
from ledger.envelope import GENESIS_HASH, event_preimage, sign_command
from ledger.errors import InvalidInput, VerificationFailure
from ledger.merkle import MemoryNodeStore, consistency_proof, inclusion_proof, leaf_hash
from ledger.merkle import root as tree_root
from ledger.notes import (
    COSIGNATURE_V1,
    Checkpoint,
    NoteSigner,
    add_cosignature,
    cosign,
    sign_checkpoint,
)
from ledger.notes.claims import CheckpointClaim, StreamHead, extension_lines
from ledger.procedure import dispatch
from ledger.procedure.records import EventRecord, StreamState
from ledger.procedure.registry import derived_key_id
from ledger.procedure.registry_state import RegistryState
from ledger.workdays import package_schedule

ROOT = Path(__file__).resolve().parents[2]
CODE, OTHER = "T-2021-1", "T-2021-2"
TENDER, FOREIGN = tender_stream(CODE), tender_stream(OTHER)
T0 = datetime(2021, 1, 4, 9, 0, tzinfo=BEIJING)
DEADLINE = datetime(2021, 1, 5, 9, 30, tzinfo=BEIJING)
AUTHORITY = Signer.from_seed(bytes([1]) * 32)
LOG = NoteSigner("log.example/bidledger", bytes([2]) * 32)
WITNESS = NoteSigner("regulator.example/witness", bytes([3]) * 32, COSIGNATURE_V1)
PARTIES = {
    "platform": ("platform",),
    "agency": ("agency", "official"),
    "purchaser": ("purchaser",),
    "regulator": ("regulator", "official"),
    "bidder-a": ("bidder",),
}
KEYS = {party: Signer.from_seed(bytes([10 + n]) * 32) for n, party in enumerate(PARTIES)}
BOXES = {
    p: nacl.public.PrivateKey(bytes([30 + n]) * 32) for n, p in enumerate(("agency", "regulator"))
}
DOCUMENT = {
    "v": "bidledger/bid-document/v1",
    "lot": "1",
    "bidder": "bidder-a",
    "total_figures": "900.00",
    "total_capital": "玖佰元整",
    "lines": [],
    "brand": None,
    "small_or_micro": False,
    "consortium_sme_share": None,
}


class HandLog:
    """A log written by hand, without a database: each event is what the pure rules decide
    for a command signed by its actor (:meth:`act`), or, for a forger's events, whatever the
    test says (:meth:`forge`); every event is chained in its stream."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.states: dict[str, StreamState] = {}
        self.now = T0
        self.checkpoints: list[tuple[int, str, datetime, str | None]] = []

    def act(
        self, actor: str, role: str, command: Command, *, at: datetime | None = None
    ) -> dict[str, Any]:
        """Record the event the rules give for ``command`` (they must accept it)."""
        signed = self._sign(actor, role, command, None)
        self._tick(at)
        registry = self.states.get(REGISTRY_STREAM)
        assert registry is None or isinstance(registry, RegistryState)
        decision = dispatch.decide(self.states.get(signed.stream), signed, registry, self.now)
        return self._record(signed, decision.event, decision.facts)

    def forge(
        self,
        actor: str,
        role: str,
        command: Command,
        event_type: str,
        facts: dict[str, Any] | None = None,
        *,
        signer: Signer | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """Record an event the rules did not decide, as a forger would write it."""
        signed = self._sign(actor, role, command, signer)
        self._tick(at)
        return self._record(signed, event_type, facts or {})

    def _sign(self, actor: str, role: str, command: Command, signer: Signer | None) -> Any:
        target = command.target()
        return sign_command(
            signer or (AUTHORITY if actor == "authority" else KEYS[actor]),
            command=command.kind(),
            stream=REGISTRY_STREAM if target is None else str(tender_stream(target)),
            actor=actor,
            role=role,
            args=command.args(),
        )

    def _tick(self, at: datetime | None) -> None:
        self.now = at if at is not None else self.now + timedelta(minutes=1)

    def _record(self, signed: Any, event_type: str, facts: dict[str, Any]) -> dict[str, Any]:
        state = self.states.get(signed.stream)
        version = (state.version if state else 0) + 1
        previous = state.head if state else GENESIS_HASH
        preimage = event_preimage(
            stream=signed.stream,
            version=version,
            event_type=event_type,
            class_version=1,
            time=self.now,
            command=signed,
            facts=facts,
            prev_hash=previous,
        )
        entry = {
            "stream": signed.stream,
            "version": version,
            "preimage": preimage,
            "event_hash": hashlib.sha256(preimage).hexdigest(),
            "signed": signed.signed_bytes(),
        }
        event = EventRecord(
            signed.stream,
            version,
            event_type,
            self.now,
            signed,
            facts,
            previous,
            entry["event_hash"],
        )
        with contextlib.suppress(Exception):  # a forged event may not even apply
            self.states[signed.stream] = dispatch.apply(state, event)
        self.entries.append(entry)
        return entry

    def registry(self, *, back_dated: bool = False) -> None:
        self.act(
            "authority", "authority", EstablishRegistry("Authority", AUTHORITY.public_key.hex())
        )
        for party, roles in PARTIES.items():
            self.act("authority", "authority", RegisterParty(party, party, roles))
            self.key(party, KEYS[party].public_key, "sign", roles, back_dated=back_dated)
        for official, box in BOXES.items():
            self.key(official, bytes(box.public_key), "encrypt", ("official",))
        self.key("platform", LOG.public_key, "log", ("platform",), note=LOG.verifier().vkey())
        self.key(
            "regulator", WITNESS.public_key, "log", ("regulator",), note=WITNESS.verifier().vkey()
        )
        year = package_schedule(2021)  # downloads skip its statutory holidays
        self.act(
            "authority",
            "authority",
            RecordCalendar(2021, tuple(sorted(year.days_off)), year.source),
        )

    def key(
        self,
        party: str,
        public_key: bytes,
        purpose: str,
        roles: tuple[str, ...],
        *,
        note: str | None = None,
        back_dated: bool = False,
    ) -> dict[str, Any]:
        when = self.now + timedelta(minutes=1)
        command = RegisterKey(
            party,
            public_key.hex(),
            purpose,
            roles,
            when - timedelta(days=30) if back_dated else when,
            note_key=note,
        )
        if not back_dated:
            return self.act("authority", "authority", command)
        key_id = derived_key_id(purpose, public_key, note)
        return self.forge("authority", "authority", command, "KeyRegistered", {"key_id": key_id})

    def checkpoint(
        self, reason: str, tender: str | None = None, at: datetime | None = None
    ) -> None:
        claim = at or self.now + timedelta(seconds=30)
        self.checkpoints.append((len(self.entries), reason, claim, tender))

    def bundle(self, *, cosign_deadline: bool = True) -> dict[str, Any]:
        tree = MemoryNodeStore()
        for entry in self.entries:
            tree.append(leaf_hash(entry["preimage"]))
        wanted = {TENDER, attempts_stream(TENDER), REGISTRY_STREAM}
        exported = [n for n, e in enumerate(self.entries) if e["stream"] in wanted]
        size = self.checkpoints[-1][0]
        notes = [self._note(tree, n, cosign_deadline) for n in range(len(self.checkpoints))]
        sizes = [c[0] for c in self.checkpoints]
        return {
            "format": "bidledger/bundle/v2",
            "tender": {"code": CODE, "stream": TENDER},
            "log": {
                "origin": LOG.name,
                "vkey": LOG.verifier().vkey(),
                "witnesses": [WITNESS.verifier().vkey()],
            },
            "checkpoints": notes,
            "consistency": [
                {
                    "from_size": a,
                    "to_size": b,
                    "proof": [h.hex() for h in consistency_proof(tree, a, b)],
                }
                for a, b in pairwise(sizes)
            ],
            "events": [self._entry(tree, n, size) for n in exported if n < size],
            "omitted": omitted_subtrees(tree, [n for n in exported if n < size], size),
        }

    def _entry(self, tree: MemoryNodeStore, n: int, size: int) -> dict[str, Any]:
        entry = self.entries[n]
        return {
            "leaf_index": n,
            "stream": entry["stream"],
            "version": entry["version"],
            "preimage": base64.b64encode(entry["preimage"]).decode(),
            "event_hash": entry["event_hash"],
            "signed": base64.b64encode(entry["signed"]).decode(),
            "inclusion_proof": [h.hex() for h in inclusion_proof(tree, n, size)],
        }

    def _note(self, tree: MemoryNodeStore, number: int, cosigned: bool) -> str:
        size, reason, claim, tender = self.checkpoints[number]
        previous = self.checkpoints[number - 1][0] if number else 0
        line = CheckpointClaim(reason, claim, tender)
        head = Checkpoint(
            LOG.name,
            size,
            tree_root(tree, size),
            extension_lines(line, self._heads(previous, size, tender)),
        )
        note = sign_checkpoint(LOG, head)
        if reason == "deadline" and cosigned:
            note = add_cosignature(note, cosign(WITNESS, head, int(claim.timestamp())))
        return note

    def _heads(self, previous: int, size: int, tender: str | None) -> list[StreamHead]:
        """T9: the heads of the streams changed since ``previous`` (and the tender's)."""
        always = {tender, str(attempts_stream(tender))} if tender else set()
        heads: dict[str, StreamHead] = {}
        for index, entry in enumerate(self.entries[:size]):
            if index >= previous or entry["stream"] in always:
                heads[entry["stream"]] = StreamHead(
                    entry["stream"], entry["version"], entry["event_hash"]
                )
        return list(heads.values())


def tender_log(
    log: HandLog | None = None, *, late_bid: bool = False, bad_share: bool = False
) -> HandLog:
    """Registry, a tender with one sealed bid opened by two officials, another tender around."""
    log = log or HandLog()
    if not log.entries:
        log.registry()
    log.act("agency", "agency", _notice(OTHER, log.now))
    log.act("agency", "agency", _notice(CODE, log.now))
    log.act("bidder-a", "bidder", ObtainDocuments(CODE))
    log.act("bidder-a", "bidder", CheckIn(CODE, "1"))
    officials = [OpeningOfficial(p, bytes(k.public_key)) for p, k in BOXES.items()]
    sealed = seal_bid(
        canonical_bytes(DOCUMENT),
        tender=str(TENDER),
        lot="1",
        bidder="bidder-a",
        officials=officials,
        threshold=2,
    )
    submit = SubmitBid(CODE, "1", sealed.to_json())
    submitted = {
        "sealed_digest": sealed.digest(),
        "ciphertext_sha256": sealed.to_json()["ciphertext_sha256"],
    }
    if not late_bid:
        log.act("bidder-a", "bidder", submit)
    log.act("bidder-a", "bidder", ObtainDocuments(OTHER))
    log.checkpoint("deadline", str(TENDER), at=DEADLINE)
    if late_bid:
        log.forge("bidder-a", "bidder", submit, "BidSubmitted", submitted, at=DEADLINE)
        log.checkpoint("manual")
        return log
    log.act("agency", "agency", StartOpening(CODE), at=DEADLINE + timedelta(minutes=1))
    log.act("bidder-a", "bidder", AuthoriseDecryption(CODE, "1"))
    log.act("agency", "agency", CloseDecryption(CODE), at=DEADLINE + timedelta(minutes=31))
    for official, box in BOXES.items():
        share = open_share(sealed, official=official, private_key=box).to_json()
        forged = bad_share and official == "regulator"
        if forged:  # a share the bidder never committed to
            share["share"] = share["share"][:-2] + format(int(share["share"][-2:], 16) ^ 1, "02x")
        command = SubmitKeyShares(CODE, ({"lot": "1", "bidder": "bidder-a", "share": share},))
        if forged:
            log.forge(official, "official", command, "KeySharesSubmitted", {"shares": 1})
            log.checkpoint("manual")
            return log
        log.act(official, "official", command)
    log.act("agency", "agency", RevealBids(CODE))
    log.act("agency", "agency", StartOpening(OTHER))
    log.checkpoint("manual")
    return log


def _notice(code: str, now: datetime) -> PublishTender:
    return PublishTender(
        tender=code,
        name=f"tender {code}",
        plan="PLAN-1",
        purchaser="purchaser",
        regulator="regulator",
        lots=(LotTerms("1", "goods", Decimal("1000.00"), Decimal("1000.00")),),
        timetable=TimetableTerms(now + timedelta(minutes=1), DEADLINE, DEADLINE, DEADLINE),
        opening=OpeningTerms(
            tuple(OfficialTerms(p, bytes(k.public_key).hex()) for p, k in BOXES.items())
        ),
    )


@pytest.fixture(scope="module")
def good() -> dict[str, Any]:
    return tender_log().bundle()


def failure(bundle: dict[str, Any]) -> str:
    with pytest.raises(VerificationFailure) as caught:
        verify_bundle(json.dumps(bundle).encode())
    return str(caught.value)


def record(entry: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(base64.b64decode(entry["preimage"]).split(b"\n", 1)[1])
    return result


def rewrite(entry: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> None:
    """Edit an event's preimage and recompute its hash, as a forger would."""
    data = record(entry)
    change(data)
    preimage = b"bidledger/event/v1\n" + rfc8785.dumps(data)
    entry["preimage"] = base64.b64encode(preimage).decode()
    entry["event_hash"] = hashlib.sha256(preimage).hexdigest()


def of_type(bundle: dict[str, Any], event_type: str) -> dict[str, Any]:
    return next(e for e in bundle["events"] if record(e)["type"] == event_type)


def test_a_hand_built_bundle_verifies_and_reports_what_it_covered(good: dict[str, Any]) -> None:
    report = verify_bundle(good)
    assert report.events == {"registry": 16, f"tender {CODE}": 10}
    assert report.omitted_leaves == 3
    assert (report.sealed_bids, report.revealed_bids) == (1, 1)
    assert report.deadline_checkpoint == 0
    assert report.checkpoints[0].cosigned_by == (WITNESS.name,)
    assert report.checkpoints[1].size == 29 == report.tree_size
    assert "UNANCHORED" in report.lines()[0]
    assert "VERIFIED" in report.lines()[1]


def test_an_omitted_subtree_that_is_dropped_leaves_a_hole_named_as_a_deletion(
    good: dict[str, Any],
) -> None:
    bundle = copy.deepcopy(good)
    dropped = bundle["omitted"].pop()
    assert f"leaf {dropped['start']}" in failure(bundle)


def test_an_omitted_subtree_with_another_hash_does_not_rebuild_the_root(
    good: dict[str, Any],
) -> None:
    bundle = copy.deepcopy(good)
    bundle["omitted"][0]["hash"] = "00" * 32
    assert "rebuild root" in failure(bundle)


def test_a_key_back_dated_by_the_authority_itself_is_refused() -> None:
    log = HandLog()
    log.registry(back_dated=True)
    message = failure(tender_log(log).bundle())
    assert "back-dated key" in message
    assert "leaf 2 (registry v3, KeyRegistered)" in message


def test_a_command_signed_by_a_key_revoked_before_it_is_refused() -> None:
    log = HandLog()
    log.registry()
    log.act("agency", "agency", _notice(CODE, log.now))
    key_id = KEYS["bidder-a"].key_id
    log.act("authority", "authority", RevokeKey(key_id, "lost"))
    log.forge("bidder-a", "bidder", ObtainDocuments(CODE), "DocumentsObtained")
    log.checkpoint("manual")
    message = failure(log.bundle())
    assert f"key {key_id} was revoked" in message
    assert "DocumentsObtained" in message


def test_an_event_signed_by_an_unregistered_key_is_named_a_forgery() -> None:
    log = HandLog()
    log.registry()
    log.act("agency", "agency", _notice(CODE, log.now))
    forger = Signer.from_seed(bytes([99]) * 32)
    log.forge("bidder-a", "bidder", CheckIn(CODE, "1"), "CheckedIn", signer=forger)
    log.checkpoint("manual")
    message = failure(log.bundle())
    assert f"key {forger.key_id} is not a registered signing key of bidder-a" in message
    assert f"leaf {len(log.entries) - 1} (tender {CODE} v2, CheckedIn)" in message


def test_a_bid_logged_after_the_deadline_is_refused_by_the_rules_it_broke() -> None:
    message = failure(tender_log(late_bid=True).bundle())
    assert "BidSubmitted is recorded as accepted, but the rules refuse SubmitBid" in message
    assert "§21.1" in message


def test_the_deadline_checkpoint_without_the_witness_still_verifies_but_shows_no_cosigner() -> None:
    report = verify_bundle(tender_log().bundle(cosign_deadline=False))
    assert report.checkpoints[0].cosigned_by == ()


def test_a_revealed_document_that_is_not_the_sealed_one_fails_c5(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    rewrite(of_type(bundle, "BidsRevealed"), _cheaper)
    message = failure(bundle)
    assert "the facts of BidsRevealed differ from what the rules give (T5)" in message
    assert "facts.bids.1.bidder-a.document.total_figures" in message


def _cheaper(data: dict[str, Any]) -> None:
    data["facts"]["bids"]["1"]["bidder-a"]["document"]["total_figures"] = "90.00"


def test_a_key_share_that_is_not_the_committed_one_fails_c5() -> None:
    message = failure(tender_log(bad_share=True).bundle())
    assert "the rules refuse SubmitKeyShares here: refused by C5" in message
    assert "KeySharesSubmitted" in message


def test_a_checkpoint_signed_by_an_unregistered_log_key_is_refused(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    bundle["log"]["vkey"] = NoteSigner(LOG.name, bytes([77]) * 32).verifier().vkey()
    assert "log.vkey: is not a key registered" in failure(bundle)


def test_a_forged_cosignature_is_refused(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    note = bundle["checkpoints"][0]
    body, _, line = note[:-1].rpartition("\n")
    raw = bytearray(base64.b64decode(line.split(" ")[-1]))
    raw[-1] ^= 1
    bundle["checkpoints"][0] = (
        f"{body}\n{line.rsplit(' ', 1)[0]} {base64.b64encode(raw).decode()}\n"
    )
    assert "checkpoints[0] (size 22): signature check failed" in failure(bundle)


def test_checkpoints_out_of_size_order_are_a_rolled_back_log(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    bundle["checkpoints"].reverse()
    assert "rolled-back log" in failure(bundle)


def test_a_broken_consistency_proof_is_named(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    bundle["consistency"][0]["proof"][0] = "11" * 32
    assert "consistency[0]" in failure(bundle)


def test_an_event_of_another_stream_in_the_bundle_is_refused(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    bundle["tender"] = {"code": OTHER, "stream": FOREIGN}
    assert "does not export" in failure(bundle)


def test_a_preimage_that_is_not_canonical_is_refused(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    entry = bundle["events"][0]
    data = record(entry)
    entry["preimage"] = base64.b64encode(
        b"bidledger/event/v1\n" + json.dumps(data, sort_keys=True).encode()
    ).decode()
    assert "canonical (RFC 8785)" in failure(bundle)


def test_a_file_that_is_not_a_bundle_is_an_input_error() -> None:
    with pytest.raises(InvalidInput, match="not a bundle"):
        verify_bundle(b"not json")
    with pytest.raises(InvalidInput, match="format"):
        verify_bundle({"format": "something else"})


def test_a_missing_field_is_named_with_its_place(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    del bundle["events"][3]["signed"]
    assert "events[3]: field 'signed' is missing" in failure(bundle)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=("Cs",))), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_canonical_json_is_rfc8785(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)
    assert loads_strict(canonical_json(value), "value") == value


def test_canonical_json_refuses_what_the_ledger_never_signs() -> None:
    for value in (1.5, 2**53, {1: "x"}, "\ud800"):
        with pytest.raises(BundleFormatError):
            canonical_json(value)


def test_strict_json_refuses_duplicate_keys_and_floats() -> None:
    for text in ('{"a": 1, "a": 2}', "[1.0]", "NaN"):
        with pytest.raises(BundleFormatError):
            loads_strict(text, "x")


def test_the_verifier_imports_no_event_store_database_or_json_library() -> None:
    code = (
        "import ledger.bundle.verifier, sys; assert not any(m.startswith(("
        "'eventsourcing','sqlalchemy','commands','projections','rfc8785','py_ecc')) "
        "for m in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr.decode()


def test_the_test_vector_of_the_format_document_holds() -> None:
    document = (ROOT / "docs" / "bundle-format.md").read_text(encoding="utf-8")
    signer = Signer.from_seed(bytes([1]) * 32)
    command = sign_command(
        signer,
        command="EstablishRegistry",
        stream=REGISTRY_STREAM,
        actor="registration-authority",
        role="authority",
        args={"name": "Authority", "public_key": signer.public_key.hex()},
        command_id="00000000-0000-4000-8000-000000000001",
    )
    preimage = event_preimage(
        stream=REGISTRY_STREAM,
        version=1,
        event_type="AuthorityEstablished",
        class_version=1,
        time=datetime(2021, 1, 4, 9, 0, tzinfo=BEIJING),
        command=command,
        facts={},
        prev_hash=GENESIS_HASH,
    )
    for value in (
        signer.public_key.hex(),
        signer.key_id,
        command.signed_bytes().decode(),
        command.signature,
        preimage.decode(),
        f"({len(preimage)} bytes)",
        hashlib.sha256(preimage).hexdigest(),
        leaf_hash(preimage).hex(),
    ):
        assert value in document
