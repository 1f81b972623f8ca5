"""A small log written by hand, without a database, and its audit bundle.

One tender, its registry and another tender's events interleaved (shown only as subtree
hashes). Each event is what the pure rules decide for a command signed by its actor, or, for a
forger's events, whatever a test says; checkpoints are signed with fixed test keys.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import nacl.public
import pytest
import rfc8785

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
    StartOpening,
    SubmitBid,
    SubmitKeyShares,
    TimetableTerms,
)
from ledger.bundle import verify_bundle
from ledger.bundle.export import omitted_subtrees
from ledger.bundle.format import (
    REGISTRY_STREAM,
    attempts_stream,
    tender_stream,
)
from ledger.canonical import canonical_bytes
from ledger.clock import BEIJING
from ledger.crypto.sealing import OpeningOfficial, open_share, seal_bid
from ledger.crypto.signing import Signer
from ledger.envelope import GENESIS_HASH, event_preimage, sign_command
from ledger.errors import VerificationFailure
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
    log: HandLog | None = None,
    *,
    late_bid: bool = False,
    bad_share: bool = False,
    replayed_share: bool = False,
) -> HandLog:
    """Registry, a tender with one sealed bid opened by two officials, another tender around.

    ``bad_share``: the second official's share is one the bidder never committed to;
    ``replayed_share``: the second official hands in the first official's share as its own.
    """
    log = log or HandLog()
    if not log.entries:
        log.registry()
    log.act("agency", "agency", notice(OTHER, log.now))
    log.act("agency", "agency", notice(CODE, log.now))
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
    opened = {p: open_share(sealed, official=p, private_key=b).to_json() for p, b in BOXES.items()}
    for official in BOXES:
        forged = (bad_share or replayed_share) and official == "regulator"
        share = opened["agency" if forged and replayed_share else official]
        if forged and bad_share:  # a share the bidder never committed to
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


def notice(code: str, now: datetime) -> PublishTender:
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
