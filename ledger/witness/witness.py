"""A C2SP tlog-witness: cosigns a log's checkpoint only if it extends the last one it cosigned.

:meth:`Witness.add_checkpoint` takes the body of an add-checkpoint request and returns the
status and body the HTTP interface sends, in the order the specification checks them:
400 a malformed body or checkpoint; 404 an origin it does not witness; 403 no valid
signature by the log's key; 400 an old size larger than the checkpoint's; 409 (with the
size, ``text/x.tlog.size``) an old size that is not the one it last cosigned; 409 (plain
text) the same size with another root; 422 a consistency proof that does not verify.
Otherwise it records the checkpoint and answers 200 with its cosignature/v1 line, timed by
its own clock. A fork (same size other root, or a proof that fails) is kept as evidence.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus

from ledger.clock import Clock, SystemClock
from ledger.errors import InvalidInput, LedgerError, VerificationFailure
from ledger.merkle import EMPTY_ROOT, verify_consistency
from ledger.notes import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    cosign,
    open_note,
    parse_note,
)
from ledger.witness.protocol import (
    SIZE_CONTENT_TYPE,
    TEXT_CONTENT_TYPE,
    AddCheckpoint,
    encode_cosignatures,
    encode_size,
)
from ledger.witness.state import CosignedCheckpoint, WitnessState


@dataclass(frozen=True)
class WitnessResponse:
    """What the witness answers: an HTTP status, a body and its content type."""

    status: int
    body: bytes
    content_type: str = TEXT_CONTENT_TYPE


def _text(status: int, message: str) -> WitnessResponse:
    return WitnessResponse(status, f"{message}\n".encode())


class Witness:
    """One witness: its cosigning key, the logs it witnesses, its state folder and clock."""

    def __init__(
        self,
        signer: NoteSigner,
        logs: Sequence[NoteVerifier],
        state: WitnessState,
        *,
        clock: Clock | None = None,
    ) -> None:
        if signer.algorithm != COSIGNATURE_V1:
            raise InvalidInput(f"witness key {signer.name} must be a cosignature (0x04) key")
        self._logs: dict[str, list[NoteVerifier]] = {}
        for log in logs:
            if log.algorithm != ED25519:
                raise InvalidInput(f"log key {log.vkey()} must be an Ed25519 (0x01) key")
            self._logs.setdefault(log.name, []).append(log)
        self.signer = signer
        self.state = state
        self.clock = clock or SystemClock()

    @property
    def vkey(self) -> str:
        return self.signer.verifier().vkey()

    @property
    def origins(self) -> list[str]:
        return sorted(self._logs)

    def add_checkpoint(self, body: bytes) -> WitnessResponse:
        """Handle one add-checkpoint request body; never raises for a bad request."""
        try:
            request = AddCheckpoint.decode(body)
            checkpoint = Checkpoint.parse(parse_note(request.note)[0])
        except (InvalidInput, VerificationFailure) as exc:
            return _text(HTTPStatus.BAD_REQUEST, f"malformed request: {exc}")
        trusted = self._logs.get(checkpoint.origin)
        if trusted is None:
            return _text(HTTPStatus.NOT_FOUND, f"unknown log origin {checkpoint.origin!r}")
        try:
            open_note(request.note, trusted)
        except VerificationFailure as exc:
            return _text(HTTPStatus.FORBIDDEN, f"no valid signature by the log's key: {exc}")
        if request.old_size > checkpoint.size:
            return _text(
                HTTPStatus.BAD_REQUEST,
                f"old size {request.old_size} exceeds checkpoint size {checkpoint.size}",
            )
        try:
            with self.state.locked():
                return self._update(request, checkpoint, body)
        except (LedgerError, OSError) as exc:
            return _text(HTTPStatus.INTERNAL_SERVER_ERROR, f"witness state unavailable: {exc}")

    def _update(
        self, request: AddCheckpoint, checkpoint: Checkpoint, body: bytes
    ) -> WitnessResponse:
        """Check against the latest cosigned checkpoint and cosign; the state is locked."""
        latest = self.state.latest(checkpoint.origin)
        known = latest.size if latest else 0
        if request.old_size != known:
            return WitnessResponse(HTTPStatus.CONFLICT, encode_size(known), SIZE_CONTENT_TYPE)
        if (
            latest is not None
            and latest.size == checkpoint.size
            and not hmac.compare_digest(latest.root, checkpoint.root)
        ):
            reason = f"fork: size {checkpoint.size} was cosigned with another root"
            self.state.keep_evidence(latest, request.note, body, reason)
            return _text(HTTPStatus.CONFLICT, reason)
        try:
            _check_proof(request, checkpoint, latest)
        except VerificationFailure as exc:
            if latest is not None and 0 < request.old_size < checkpoint.size:
                reason = f"possible fork: not an extension of size {latest.size}: {exc}"
                self.state.keep_evidence(latest, request.note, body, reason)
            return _text(HTTPStatus.UNPROCESSABLE_ENTITY, f"consistency proof refused: {exc}")
        line = cosign(self.signer, checkpoint, int(self.clock.now().timestamp()))
        self.state.record(
            CosignedCheckpoint(
                checkpoint.origin, checkpoint.size, checkpoint.root, request.note, line
            )
        )
        return WitnessResponse(HTTPStatus.OK, encode_cosignatures([line]))


def _check_proof(
    request: AddCheckpoint, checkpoint: Checkpoint, latest: CosignedCheckpoint | None
) -> None:
    """Raise unless the proof takes the witness's tree to the checkpoint's."""
    old, size, proof = request.old_size, checkpoint.size, request.proof
    where = f"consistency proof from size {old} to size {size}"
    if old in (0, size) and proof:
        raise VerificationFailure(where, f"must be empty, found {len(proof)} hashes")
    if size == 0 and not hmac.compare_digest(checkpoint.root, EMPTY_ROOT):
        raise VerificationFailure(where, "an empty tree has the root SHA-256 of nothing")
    if latest is not None and 0 < old < size:
        verify_consistency(old, size, proof, latest.root, checkpoint.root)
