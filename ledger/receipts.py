"""Signed submission receipts (确认回执, T3): proof that a bid was accepted, and when.

A receipt is signed at once; later :func:`complete_receipt` adds an inclusion proof of the
bid's event to a signed checkpoint (by default its tender's deadline checkpoint), and
:func:`verify_receipt_inclusion` lets the bidder prove, with only the receipt, that proof,
the checkpoint note and the log's public key, that its bid was in the log as of that
checkpoint's time (T3, T4).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.canonical import canonical_bytes, loads_strict
from ledger.clock import format_time, parse_time
from ledger.crypto.signing import Signer, decode_signature, encode_signature, verify_signature
from ledger.envelope import EVENT_DOMAIN
from ledger.errors import InvalidInput, NotFound, VerificationFailure
from ledger.merkle import leaf_hash, verify_inclusion
from ledger.notes import Checkpoint, NoteVerifier, open_checkpoint
from ledger.procedure.registry_state import RegistryState
from ledger.store import LedgerStore
from ledger.transparency import CheckpointClaim, StoredCheckpoint, TreeStore, inclusion_json

RECEIPT_DOMAIN = b"bidledger/receipt/v1\n"
RECEIPT_VERSION = 2  # v2: no log index or stream version (V2), a registered receipt key (T3)


@dataclass(frozen=True)
class Receipt:
    """What the platform signs for an accepted submission."""

    tender: str
    lot: str
    bidder: str
    command_id: str
    event_hash: str
    time: str
    platform: str
    key_id: str
    signature: str = ""

    def body(self) -> dict[str, Any]:
        body = asdict(self)
        del body["signature"]
        return {"v": RECEIPT_VERSION, **body}

    def signed_bytes(self) -> bytes:
        return RECEIPT_DOMAIN + canonical_bytes(self.body())

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "signature": self.signature}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Receipt:
        if data.get("v") != RECEIPT_VERSION:
            found = data.get("v")
            raise InvalidInput(f"receipt: version must be {RECEIPT_VERSION}, found {found!r}")
        names = set(cls.__dataclass_fields__)
        if extra := sorted(set(data) - names - {"v"}):
            raise InvalidInput(f"receipt: unknown field {extra[0]!r}")
        fields: dict[str, Any] = {key: data.get(key) for key in names}
        wrong = sorted(key for key, value in fields.items() if not isinstance(value, str))
        if wrong:
            raise InvalidInput(f"receipt: field {wrong[0]!r} must be a string")
        return cls(**fields)


def issue_receipt(
    platform: Signer,
    *,
    platform_id: str,
    tender: str,
    lot: str,
    bidder: str,
    command_id: str,
    event_hash: str,
    time: datetime,
) -> Receipt:
    """Sign a receipt for an accepted bid with the platform's registered receipt key.

    It names no log index and no stream version: before the deadline they would tell how
    many bids there are (V2); the inclusion proof, later, gives the leaf.
    """
    unsigned = Receipt(
        tender, lot, bidder, command_id, event_hash, format_time(time), platform_id, platform.key_id
    )
    signature = encode_signature(platform.sign(unsigned.signed_bytes()))
    return Receipt(**{**asdict(unsigned), "signature": signature})


def verify_receipt(receipt: Receipt, platform_key: bytes) -> None:
    """Raise :class:`VerificationFailure` unless ``platform_key`` signed this receipt."""
    where = f"receipt for {receipt.bidder} lot {receipt.lot}"
    verify_signature(
        platform_key,
        receipt.signed_bytes(),
        decode_signature(receipt.signature, where=where),
        where=where,
    )


def verify_registered_receipt(receipt: Receipt, registry: RegistryState) -> None:
    """T3: the receipt is signed by a receipt key the registry holds for its platform,
    valid at the receipt's time."""
    key = registry.receipt_key(receipt.key_id, parse_time(receipt.time))
    if key.party != receipt.platform:
        raise VerificationFailure(
            f"receipt for {receipt.bidder} lot {receipt.lot}",
            f"key {receipt.key_id} belongs to {key.party}, not to {receipt.platform}",
        )
    verify_receipt(receipt, key.public_key)


@dataclass(frozen=True)
class ReceiptInclusion:
    """What a verified inclusion proves: the bid is leaf ``leaf_index`` of ``checkpoint``."""

    leaf_index: int
    checkpoint: Checkpoint
    claim: CheckpointClaim
    event_time: str


def complete_receipt(
    receipt: Receipt,
    store: LedgerStore,
    tree: TreeStore,
    checkpoint: StoredCheckpoint | None = None,
) -> tuple[dict[str, Any], str]:
    """(proof JSON, checkpoint note): the receipt's event included in a checkpoint's tree.

    By default the checkpoint is the tender's deadline checkpoint, else the first that
    covers the event. The proof carries the event's leaf data (its hash preimage) so the
    holder of the receipt can tie the leaf to the receipt's event hash.
    """
    leaf = tree.find_event(receipt.event_hash)
    if leaf is None:
        raise NotFound(f"the log holds no event {receipt.event_hash} (yet)")
    index = leaf.leaf_index
    if checkpoint is None:
        covering = [c for c in tree.checkpoints() if c.size > index]
        deadline = [c for c in covering if c.reason == "deadline" and c.tender == receipt.tender]
        if not covering:
            raise NotFound(f"no checkpoint covers leaf {index} yet")
        checkpoint = (deadline or covering)[0]
    event = store.event_at(UUID(leaf.stream), leaf.version)
    proof = inclusion_json(tree, index, checkpoint.size)
    proof["leaf_data"] = base64.b64encode(event.preimage()).decode("ascii")
    return proof, checkpoint.note


def verify_receipt_inclusion(
    receipt: Receipt,
    proof_json: Mapping[str, Any],
    checkpoint_note: str,
    log_verifier: NoteVerifier,
    *,
    deadline: datetime | None = None,
) -> ReceiptInclusion:
    """Raise unless the receipt's bid is in the tree the log signed in ``checkpoint_note``.

    With ``deadline``, the checkpoint must also fix the log as of a moment no later than
    it: then the bid was in the log before the deadline (T3, T4).
    """
    where = f"inclusion proof of the receipt for {receipt.bidder} lot {receipt.lot}"
    checkpoint = open_checkpoint(checkpoint_note, log_verifier)
    claim = CheckpointClaim.of(checkpoint)
    try:
        data = base64.b64decode(str(proof_json["leaf_data"]), validate=True)
        index, size = int(proof_json["leaf_index"]), int(proof_json["tree_size"])
        proof = [bytes.fromhex(str(item)) for item in proof_json["proof"]]
        record = loads_strict(data.removeprefix(EVENT_DOMAIN), "leaf data")
    except (KeyError, TypeError, ValueError, binascii.Error, InvalidInput) as exc:
        raise VerificationFailure(where, f"malformed proof: {exc}") from None
    found = hashlib.sha256(data).hexdigest()
    if not hmac.compare_digest(found, receipt.event_hash):
        raise VerificationFailure(
            where, f"the leaf data hashes to {found}, the receipt names {receipt.event_hash}"
        )
    if size != checkpoint.size:
        raise VerificationFailure(
            where, f"the proof is to a tree of {size}, the checkpoint has {checkpoint.size}"
        )
    verify_inclusion(leaf_hash(data), index, size, proof, checkpoint.root)
    logged = str(record.get("time"))
    if deadline is not None:
        _before_deadline(where, claim, parse_time(logged), deadline)
    return ReceiptInclusion(index, checkpoint, claim, logged)


def _before_deadline(
    where: str, claim: CheckpointClaim, logged: datetime, deadline: datetime
) -> None:
    if claim.time > deadline:
        raise VerificationFailure(
            where,
            f"the checkpoint fixes the log as of {format_time(claim.time)}, after the "
            f"deadline {format_time(deadline)}",
        )
    if logged >= deadline:
        raise VerificationFailure(
            where, f"the bid was logged at {format_time(logged)}, not before the deadline"
        )
