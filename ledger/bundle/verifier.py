"""The standalone audit-bundle verifier: one tender, checked offline (S1, S2, T1-T4, C5).

Needs only the bundle and the standard library, PyNaCl and ``cryptography`` (through the
pure modules ``ledger.errors``, ``ledger.merkle``, ``ledger.notes`` and ``ledger.crypto``);
no database, no event store. The checks and their order are those of
docs/bundle-format.md; the first that fails raises :class:`VerificationFailure` naming what
and where. A file that is not a bundle at all, or whose own fields are missing, mistyped or
badly encoded (before anything signed or hashed is opened), raises :class:`InvalidInput`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ledger.bundle.anchoring import anchor, check_against, check_policy_checkpoints
from ledger.bundle.format import (
    FORMAT,
    POOLS_STREAM,
    REGISTRY_STREAM,
    BundleFormatError,
    attempts_stream,
    loads_strict,
    tender_stream,
)
from ledger.bundle.heads import Exported, check_stream_heads
from ledger.bundle.keys import check_back_dated
from ledger.bundle.parse import Bundle, EventEntry, is_bundle, parse_bundle
from ledger.bundle.records import Record, check_signed_bytes, read_record
from ledger.bundle.report import BundleReport, CheckpointSummary
from ledger.bundle.sequence import check_sequence
from ledger.bundle.tlog import (
    IssuedCheckpoint,
    check_consistency,
    check_coverage,
    check_key_times,
    check_signatures,
    log_verifier,
    read_checkpoints,
    witness_verifiers,
)
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput, LedgerError, VerificationFailure
from ledger.merkle import leaf_hash, verify_inclusion
from ledger.policy import TrustPolicy
from ledger.procedure.base import EVENT_VERSIONS
from ledger.procedure.records import EventRecord
from ledger.procedure.registry_state import RegistryState
from ledger.procedure.replay import Replayer, check_ciphertext
from ledger.procedure.state import TenderState

__all__ = ["BundleReport", "verify_bundle"]

_ATTEMPT_TYPES = ("AttemptsOpened", "AttemptRefused")


def verify_bundle(
    data: bytes | str | Mapping[str, Any],
    *,
    policy: TrustPolicy | None = None,
    against: str | None = None,
) -> BundleReport:
    """Verify a bundle (its JSON bytes or the parsed object); raise at the first failure.

    With ``policy`` the keys are the policy's, pinned (T7, T8); without, the bundle's own,
    and the report says so. ``against``: a signed checkpoint from elsewhere to compare.
    """
    parsed: Any = data
    if isinstance(data, bytes | str):
        try:
            parsed = loads_strict(data, "bundle")
        except BundleFormatError as exc:
            raise InvalidInput(f"not a bundle: {exc.detail}") from None
    if not is_bundle(parsed):
        raise InvalidInput(f"not a {FORMAT} file (its 'format' field is missing)")
    if parsed["format"] != FORMAT:
        raise InvalidInput(
            f"this is a {parsed['format']} bundle; this verifier reads {FORMAT} only "
            "(export the tender again with this version)"
        )
    try:
        bundle = parse_bundle(parsed)
    except BundleFormatError as exc:  # the file's own shape, not what was signed: input error
        raise InvalidInput(f"not a well-formed bundle: {exc}") from None
    return _Verifier(bundle, policy, against).run()


class _Verifier:
    def __init__(self, bundle: Bundle, policy: TrustPolicy | None, against: str | None) -> None:
        self.bundle = bundle
        self.policy = policy
        self.against = against
        self.tender = bundle.tender_stream
        self.attempts = attempts_stream(self.tender)
        self.labels = {
            self.tender: f"tender {bundle.tender_code}",
            self.attempts: f"attempts of {bundle.tender_code}",
            REGISTRY_STREAM: "registry",
            POOLS_STREAM: "expert pools",
        }
        # BLS needs a pairing library, which this verifier does without: a drand beacon's
        # signature is left to verify-draw (the report says so); all else is re-executed.
        self.replayer = Replayer(beacon_signatures=False)
        self.leaves: dict[int, bytes] = {}
        self.exported: list[Exported] = []
        self.submissions: list[tuple[int, datetime, str]] = []

    def label(self, stream: str) -> str:
        return self.labels.get(stream, f"stream {stream}")

    def run(self) -> BundleReport:
        if tender_stream(self.bundle.tender_code) != self.tender:
            raise VerificationFailure(
                "tender.stream", f"is not the stream of tender {self.bundle.tender_code}"
            )
        issued = read_checkpoints(self.bundle.checkpoints, self.bundle.log_origin)
        latest = issued[-1]
        check_sequence(self.bundle.events, self.label)
        for entry in self.bundle.events:
            self._event(entry, latest)
        omitted = check_coverage(self.leaves, self.bundle.omitted, latest)
        registry = self.replayer.registry or RegistryState()
        log = log_verifier(self.bundle.log_vkey, self.bundle.log_origin, registry)
        vkeys = self.bundle.witness_vkeys
        if self.policy is not None:
            log = anchor(self.policy, registry, self.bundle.log_vkey)
            vkeys = self.policy.witness_vkeys
        witnesses = witness_verifiers(vkeys, registry)
        cosigners = check_signatures(issued, log, witnesses)
        check_key_times(issued, self.bundle.log_vkey, registry)
        check_consistency(issued, self.bundle.consistency)
        check_stream_heads(issued, self.exported, self.labels, self.tender)
        deadline = self._deadline(issued)
        if self.policy is not None:
            tender = self._tender_state()
            opened = tender is not None and tender.opening_started_at is not None
            shared = (REGISTRY_STREAM, POOLS_STREAM)
            last = max(e.leaf_index for e in self.exported if e.stream not in shared)
            check_policy_checkpoints(self.policy, issued, self.tender, last, opened)
        compared = None
        if self.against is not None:
            compared = check_against(self.against, log, issued, self.exported, self.labels)
        return self._report(issued, cosigners, omitted, deadline, compared)

    def _event(self, entry: EventEntry, latest: IssuedCheckpoint) -> None:
        where = f"leaf {entry.leaf_index} ({self.label(entry.stream)} v{entry.version}"
        try:
            record = read_record(entry.preimage, where + ")")
        except BundleFormatError as exc:
            raise VerificationFailure(where + ")", f"preimage unreadable: {exc.detail}") from None
        where = f"{where}, {record.type})"
        try:
            self._check(entry, record, latest, where)
        except VerificationFailure:
            raise
        except (LedgerError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise VerificationFailure(
                where, f"event cannot be checked ({type(exc).__name__}: {exc})"
            ) from None

    def _check(
        self, entry: EventEntry, record: Record, latest: IssuedCheckpoint, where: str
    ) -> None:
        if (record.stream, record.version) != (entry.stream, entry.version):
            raise VerificationFailure(
                where,
                f"the entry says {self.label(entry.stream)} v{entry.version}, its preimage "
                f"says {self.label(record.stream)} v{record.version}",
            )
        check_back_dated(record, where)
        if record.class_version != EVENT_VERSIONS.get(record.type):
            raise VerificationFailure(
                where,
                f"{record.type} version {record.class_version} is not an event type this "
                "verifier knows",
            )
        digest = hashlib.sha256(entry.preimage).hexdigest()
        if not hmac.compare_digest(digest, entry.event_hash):
            raise VerificationFailure(
                where,
                f"edited payload: the preimage hashes to {digest}, the event_hash is "
                f"{entry.event_hash}",
            )
        event = _event_record(record, entry.event_hash)
        if record.type == "BidSubmitted":
            check_ciphertext(event, where)
        check_signed_bytes(entry.signed, record, where)
        self._stream_rules(record, where)
        self.replayer.check(event, where)
        self.exported.append(
            Exported(entry.leaf_index, record.stream, record.version, entry.event_hash)
        )
        if record.type == "BidSubmitted":
            self.submissions.append((entry.leaf_index, record.time, where))
        self._include(entry, latest, where)

    def _stream_rules(self, record: Record, where: str) -> None:
        if record.stream not in self.labels:
            raise VerificationFailure(where, "an event of a stream this bundle does not export")
        shared = record.stream in (REGISTRY_STREAM, POOLS_STREAM)
        expected = record.stream if shared else self.tender
        if record.command["stream"] != expected:
            raise VerificationFailure(
                where, f"the command was signed for stream {record.command['stream']}"
            )
        if record.stream == self.attempts:
            first = record.version == 1
            if record.type != _ATTEMPT_TYPES[0 if first else 1]:
                raise VerificationFailure(where, f"{record.type} in the attempts stream")
            if record.facts.get("stream") != self.tender:
                raise VerificationFailure(where, "the refused attempt names another tender")

    def _include(self, entry: EventEntry, latest: IssuedCheckpoint, where: str) -> None:
        digest = leaf_hash(entry.preimage)
        if entry.leaf_index >= latest.head.size:
            raise VerificationFailure(where, f"not covered by the latest checkpoint {latest.where}")
        try:
            verify_inclusion(
                digest, entry.leaf_index, latest.head.size, entry.inclusion_proof, latest.head.root
            )
        except VerificationFailure as exc:
            raise VerificationFailure(
                where,
                f"not the event the log holds at leaf {entry.leaf_index}: its inclusion proof "
                f"to {latest.where} fails ({exc.detail})",
            ) from None
        self.leaves[entry.leaf_index] = digest

    def _deadline(self, issued: list[IssuedCheckpoint]) -> IssuedCheckpoint | None:
        """T4: every sealed bid was logged before the tender's deadline checkpoint."""
        fixed = [
            c for c in issued if c.claim.reason == "deadline" and c.claim.tender == self.tender
        ]
        tender = self._tender_state()
        if not fixed:
            if tender is not None and tender.revealed_at is not None:
                raise VerificationFailure(
                    "checkpoints",
                    "T4 the bids were revealed, but no deadline checkpoint fixed them",
                )
            return None
        deadline = fixed[-1]
        for leaf, time, where in self.submissions:
            if leaf >= deadline.head.size or time >= deadline.claim.time:
                raise VerificationFailure(
                    where,
                    f"T4 sealed bid logged after the deadline checkpoint {deadline.where} "
                    f"(deadline {deadline.claim.time.isoformat()})",
                )
        return deadline

    def _report(
        self,
        issued: list[IssuedCheckpoint],
        cosigners: list[tuple[str, ...]],
        omitted: int,
        deadline: IssuedCheckpoint | None,
        compared: int | None,
    ) -> BundleReport:
        counts: dict[str, int] = {}
        for entry in self.bundle.events:
            counts[self.label(entry.stream)] = counts.get(self.label(entry.stream), 0) + 1
        latest = issued[-1].head
        registry = self.replayer.registry or RegistryState()
        authority = next(
            (k.key_id for k in registry.keys.values() if k.party == registry.authority), ""
        )
        bids = (
            []
            if (tender := self._tender_state()) is None
            else [bid for lot in tender.lots.values() for bid in lot.bids.values()]
        )
        return BundleReport(
            tender_code=self.bundle.tender_code,
            tender_stream=self.tender,
            events=counts,
            tree_size=latest.size,
            root=latest.root.hex(),
            omitted_leaves=omitted,
            checkpoints=tuple(
                CheckpointSummary(
                    c.head.size,
                    c.head.root.hex(),
                    c.claim.reason,
                    c.claim.time.isoformat(),
                    names,
                )
                for c, names in zip(issued, cosigners, strict=True)
            ),
            authority=authority,
            log_vkey=self.bundle.log_vkey,
            deadline_checkpoint=None if deadline is None else deadline.number,
            complete_to=self._complete_to(issued),
            sealed_bids=len(self.submissions),
            revealed_bids=sum(1 for bid in bids if bid.document is not None),
            anchored=self.policy is not None,
            against_compared=compared,
            unreadable_bids=tuple(
                f"lot {bid.lot} {bid.bidder}"
                for bid in bids
                if bid.status == "revealed" and bid.document is None
            ),
            unchecked_beacons=tuple(
                f"{draw['draw_id']} (round {draw['beacon']['round']})"
                for draw in ([] if tender is None else tender.remote.draws)
                if draw["beacon"] is not None
            ),
        )

    def _complete_to(self, issued: list[IssuedCheckpoint]) -> int | None:
        """The first checkpoint whose head line names the tender's last exported event (T9)."""
        mine = [e for e in self.exported if e.stream == self.tender]
        if not mine:
            return None
        last = mine[-1]
        for checkpoint in issued:
            head = checkpoint.stream_heads.get(self.tender)
            if head is not None and head.version == last.version:
                return checkpoint.number
        return None

    def _tender_state(self) -> TenderState | None:
        state = self.replayer.states.get(self.tender)
        return state if isinstance(state, TenderState) else None


def _event_record(record: Record, event_hash: str) -> EventRecord:
    """A bundle record as the rules read it."""
    return EventRecord(
        stream=record.stream,
        version=record.version,
        type=record.type,
        time=record.time,
        command=SignedCommand.from_json(record.command),
        facts=record.facts,
        prev_hash=record.prev_hash,
        event_hash=event_hash,
    )
