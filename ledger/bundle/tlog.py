"""The bundle's checkpoints and proofs against the log's Merkle tree (T1, T4).

Checkpoints are C2SP signed notes (``ledger.notes``), in the order issued; consecutive ones
are linked by RFC 9162 consistency proofs; every exported event has an inclusion proof to
the latest; and the exported leaves together with the omitted subtrees must rebuild the
latest root exactly, so that no leaf the checkpoint covers is missing from the bundle.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ledger.bundle.keys import NoteKeys
from ledger.bundle.parse import ConsistencyEntry, Subtree
from ledger.errors import LedgerError, VerificationFailure
from ledger.merkle import EMPTY_ROOT, node_hash, verify_consistency
from ledger.notes import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    NoteVerifier,
    open_checkpoint,
    parse_note,
    verify_cosignature,
)
from ledger.notes.claims import CheckpointClaim, StreamHead, claims_of
from ledger.procedure.registry_state import KeyRecord


@dataclass(frozen=True)
class IssuedCheckpoint:
    """One checkpoint of the bundle: its number, note, parsed head and claim."""

    number: int
    note: str
    head: Checkpoint
    claim: CheckpointClaim
    stream_heads: Mapping[str, StreamHead]

    @property
    def where(self) -> str:
        return f"checkpoints[{self.number}] (size {self.head.size})"


def read_checkpoints(notes: Sequence[str], origin: str) -> list[IssuedCheckpoint]:
    """Parse every checkpoint (signatures come later): each of the log ``origin``; sizes
    never shrink."""
    if not notes:
        raise VerificationFailure("checkpoints", "the bundle holds no checkpoint")
    issued: list[IssuedCheckpoint] = []
    for number, note in enumerate(notes):
        try:
            text, _ = parse_note(note)
            head = Checkpoint.parse(text)
        except LedgerError as exc:
            raise VerificationFailure(f"checkpoints[{number}]", f"unreadable: {exc}") from None
        if head.origin != origin:
            raise VerificationFailure(
                f"checkpoints[{number}] (size {head.size})",
                f"is a checkpoint of {head.origin!r}, not of the bundle's log {origin!r}",
            )
        if issued and head.size < issued[-1].head.size:
            raise VerificationFailure(
                f"checkpoints[{number}] (size {head.size})",
                f"rolled-back log: this checkpoint is smaller than the one before it "
                f"(size {issued[-1].head.size})",
            )
        try:
            claims = claims_of(head)
        except VerificationFailure as exc:
            raise VerificationFailure(
                f"checkpoints[{number}] (size {head.size})", exc.detail
            ) from None
        issued.append(IssuedCheckpoint(number, note, head, claims.claim, claims.heads))
    return issued


def check_coverage(
    leaves: Mapping[int, bytes], omitted: Sequence[Subtree], latest: IssuedCheckpoint
) -> int:
    """Exported leaves and omitted subtrees must tile [0, size) and rebuild the root.

    Returns how many leaves are omitted.
    """
    size = latest.head.size
    pieces = sorted(
        [(index, 1, digest, f"leaf {index}") for index, digest in leaves.items()]
        + [(s.start, s.size, s.hash, f"omitted[{n}]") for n, s in enumerate(omitted)]
    )
    stack: list[tuple[int, int, bytes]] = []
    covered = 0
    for start, width, digest, name in pieces:
        if width & (width - 1) or start % width:
            raise VerificationFailure(name, f"[{start}, {start + width}) is not a complete subtree")
        if start != covered:
            _gap(covered, start, name, latest)
        if start + width > size:
            raise VerificationFailure(name, f"lies beyond the latest checkpoint {latest.where}")
        covered = start + width
        stack.append((start, width, digest))
        _merge(stack)
    if covered != size:
        _gap(covered, size, "the end of the bundle", latest)
    root = EMPTY_ROOT if not stack else stack[-1][2]
    for _, _, digest in reversed(stack[:-1]):
        root = node_hash(digest, root)
    if not hmac.compare_digest(root, latest.head.root):
        raise VerificationFailure(
            latest.where,
            f"the bundle's leaves and omitted subtrees rebuild root {root.hex()}, the "
            f"checkpoint says {latest.head.root.hex()}",
        )
    return sum(s.size for s in omitted)


def _merge(stack: list[tuple[int, int, bytes]]) -> None:
    """Fold equal-sized siblings on top of ``stack`` into their parent, while any are."""
    while (
        len(stack) > 1 and stack[-2][1] == stack[-1][1] and stack[-2][0] % (2 * stack[-1][1]) == 0
    ):
        right, left = stack.pop(), stack.pop()
        stack.append((left[0], 2 * left[1], node_hash(left[2], right[2])))


def _gap(covered: int, start: int, name: str, latest: IssuedCheckpoint) -> None:
    if start < covered:
        raise VerificationFailure(name, f"overlaps leaves before {covered}")
    end = min(start, latest.head.size)
    if end <= covered:
        raise VerificationFailure(name, f"lies beyond the latest checkpoint {latest.where}")
    span = f"leaf {covered}" if end == covered + 1 else f"leaves {covered}..{end - 1}"
    raise VerificationFailure(
        span,
        f"deleted event: the latest checkpoint {latest.where} covers {span}, but the bundle "
        "holds neither an event nor an omitted subtree there",
    )


def check_signatures(
    issued: Sequence[IssuedCheckpoint],
    log: NoteVerifier,
    witnesses: Sequence[tuple[NoteVerifier, KeyRecord]],
) -> list[tuple[str, ...]]:
    """Each checkpoint signed by the log key; each witness line a valid cosignature, made
    before that witness key's revocation (``witnesses``: key and revocation time).

    Returns, per checkpoint, the names of the witnesses that cosigned it.
    """
    cosigners: list[tuple[str, ...]] = []
    for checkpoint in issued:
        try:
            opened = open_checkpoint(checkpoint.note, log)
            if opened != checkpoint.head:
                raise VerificationFailure("checkpoint", "signed text differs from the parsed one")
            _, lines = parse_note(checkpoint.note)
            present = {(line.name, line.key_id) for line in lines}
            names = []
            for witness, key in witnesses:
                if (witness.name, witness.key_id) in present:
                    when = datetime.fromtimestamp(verify_cosignature(checkpoint.note, witness), UTC)
                    if key.revoked_at is not None and when >= key.revoked_at:
                        raise VerificationFailure(
                            witness.name, f"cosigned at {when.isoformat()}, after its revocation"
                        )
                    if when < key.valid_from:
                        raise VerificationFailure(
                            witness.name,
                            f"cosigned at {when.isoformat()}, before the key's validity "
                            f"({key.valid_from.isoformat()})",
                        )
                    names.append(witness.name)
        except LedgerError as exc:
            raise VerificationFailure(checkpoint.where, f"signature check failed: {exc}") from None
        cosigners.append(tuple(names))
    return cosigners


def log_verifier(vkey: str, origin: str, keys: NoteKeys) -> NoteVerifier:
    """The log's Ed25519 note key: named ``origin`` and registered (purpose "log")."""
    verifier = _registered(vkey, "log.vkey", keys)
    if verifier.algorithm != ED25519 or verifier.name != origin:
        raise VerificationFailure("log.vkey", f"must be an Ed25519 (0x01) key named {origin!r}")
    return verifier


def witness_verifiers(vkeys: Sequence[str], keys: NoteKeys) -> list[tuple[NoteVerifier, KeyRecord]]:
    """The witnesses' cosignature (type 0x04) keys, each registered (purpose "log"), with
    its registration (validity and revocation)."""
    result = []
    for number, vkey in enumerate(vkeys):
        verifier = _registered(vkey, f"log.witnesses[{number}]", keys)
        if verifier.algorithm != COSIGNATURE_V1:
            raise VerificationFailure(f"log.witnesses[{number}]", "must be a type 0x04 key")
        key = keys.note_key(vkey)
        assert key is not None  # _registered found it
        result.append((verifier, key))
    return result


def check_key_times(issued: Sequence[IssuedCheckpoint], vkey: str, keys: NoteKeys) -> None:
    """Every checkpoint claims a time within the log key's validity: not before it starts,
    not at or after its revocation."""
    key = keys.note_key(vkey)
    if key is None:
        return
    for checkpoint in issued:
        claimed = checkpoint.claim.time
        if key.revoked_at is not None and claimed >= key.revoked_at:
            raise VerificationFailure(
                checkpoint.where, f"signed by the log key revoked at {key.revoked_at.isoformat()}"
            )
        if claimed < key.valid_from and checkpoint.claim.reason != "deadline":
            raise VerificationFailure(
                checkpoint.where,
                f"claims {claimed.isoformat()}, before the log key's validity "
                f"({key.valid_from.isoformat()})",
            )


def _registered(vkey: str, where: str, keys: NoteKeys) -> NoteVerifier:
    try:
        verifier = NoteVerifier.from_vkey(vkey)
    except LedgerError as exc:
        raise VerificationFailure(where, str(exc)) from None
    if keys.note_key(vkey) is None:
        raise VerificationFailure(
            where, "is not a key registered (purpose 'log') in the bundle's registry events"
        )
    return verifier


def check_consistency(
    issued: Sequence[IssuedCheckpoint], proofs: Sequence[ConsistencyEntry]
) -> None:
    """One consistency proof from each checkpoint to the next, in order."""
    if len(proofs) != len(issued) - 1:
        raise VerificationFailure(
            "consistency",
            f"expected {len(issued) - 1} proofs between {len(issued)} checkpoints, "
            f"found {len(proofs)}",
        )
    for number, (old, new, proof) in enumerate(zip(issued, issued[1:], proofs, strict=False)):
        where = f"consistency[{number}] ({old.where} to {new.where})"
        if (proof.from_size, proof.to_size) != (old.head.size, new.head.size):
            raise VerificationFailure(
                where, f"proves sizes {proof.from_size} to {proof.to_size}, not these checkpoints"
            )
        if old.head.size == 0:
            if old.head.root != EMPTY_ROOT or proof.proof:
                raise VerificationFailure(where, "an empty tree has the empty root and no proof")
            continue
        try:
            verify_consistency(
                old.head.size, new.head.size, proof.proof, old.head.root, new.head.root
            )
        except VerificationFailure as exc:
            raise VerificationFailure(
                where, f"rolled-back or forked log: the checkpoints are not consistent: {exc}"
            ) from None
