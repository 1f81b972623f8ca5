"""Getting the platform's checkpoints cosigned by independent witnesses (T8).

A witness is reached over the C2SP tlog-witness protocol: over HTTP (:class:`HttpWitness`,
a witness run by another party as its own process) or in the same process
(:class:`LocalWitness`, for demos and tests; the same request and response bytes). Each
answers with its cosignature line if the checkpoint is a consistent extension of the last
one it cosigned for this log, and refuses otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Protocol

from ledger.notes import Checkpoint, NoteVerifier, parse_note
from ledger.witness import (
    AddCheckpoint,
    ProofSource,
    Witness,
    WitnessError,
    decode_cosignatures,
    submit_checkpoint,
)


class WitnessEndpoint(Protocol):
    """Something that cosigns a checkpoint note, given a way to prove consistency."""

    @property
    def name(self) -> str: ...

    def cosign(self, note: str, proof: ProofSource) -> list[str]: ...


class HttpWitness:
    """A witness at ``url`` whose cosignature key is ``verifier``."""

    def __init__(self, url: str, verifier: NoteVerifier, *, timeout: float = 10.0) -> None:
        self.url = url
        self.verifier = verifier
        self.timeout = timeout
        self._last = 0

    @property
    def name(self) -> str:
        return self.verifier.name

    def cosign(self, note: str, proof: ProofSource) -> list[str]:
        lines = submit_checkpoint(
            self.url,
            note,
            proof,
            old_size=self._last,
            witness=self.verifier,
            timeout=self.timeout,
        )
        self._last = Checkpoint.parse(parse_note(note)[0]).size
        return lines


class LocalWitness:
    """A :class:`Witness` in this process, spoken to with the protocol's own bytes."""

    def __init__(self, witness: Witness) -> None:
        self.witness = witness

    @property
    def name(self) -> str:
        return self.witness.signer.name

    def cosign(self, note: str, proof: ProofSource) -> list[str]:
        checkpoint = Checkpoint.parse(parse_note(note)[0])
        latest = self.witness.state.latest(checkpoint.origin)
        old = latest.size if latest is not None else 0
        hashes: Sequence[bytes] = proof(old, checkpoint.size) if 0 < old < checkpoint.size else ()
        response = self.witness.add_checkpoint(AddCheckpoint(old, tuple(hashes), note).encode())
        if response.status != HTTPStatus.OK:
            detail = response.body.decode("utf-8", errors="replace").strip()
            raise WitnessError(f"local:{self.name}", response.status, detail)
        return decode_cosignatures(response.body)
