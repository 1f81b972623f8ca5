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
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa

from ledger.errors import LedgerError
from ledger.notes import Checkpoint, NoteVerifier, add_cosignature, parse_note
from ledger.transparency.tables import CHECKPOINTS, read_counter, write_counter
from ledger.witness import (
    AddCheckpoint,
    ProofSource,
    Witness,
    WitnessError,
    decode_cosignatures,
    submit_checkpoint,
)

if TYPE_CHECKING:
    from ledger.store import LedgerStore
    from ledger.transparency.tree_store import TreeStore

_WITNESSED = "witnessed"  # the counter: checkpoints up to this number were submitted


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


class Witnessing:
    """Submits the log's checkpoints to its witnesses, once each, in the order issued.

    Runs after the transaction that issued them commits (a witness never sees a checkpoint
    that could still roll back), in a transaction of its own under the log's write lock, so
    that with several writer processes the witnesses still receive sizes in increasing
    order. A refusal is kept in ``refused`` (checkpoint number, witness, why).
    """

    def __init__(
        self, store: LedgerStore, tree: TreeStore, witnesses: Sequence[WitnessEndpoint]
    ) -> None:
        self.store = store
        self.tree = tree
        self.witnesses = tuple(witnesses)
        self.refused: list[tuple[int, str, str]] = []

    def submit_pending(self, first: int) -> None:
        """Every checkpoint not yet submitted (from ``first`` on a log never witnessed)."""
        with self.store.writing() as transaction:
            connection = transaction.connection
            done = read_counter(connection, _WITNESSED) or first - 1
            rows = connection.execute(
                sa.select(CHECKPOINTS.c.seq, CHECKPOINTS.c.note)
                .where(CHECKPOINTS.c.seq > done)
                .order_by(CHECKPOINTS.c.seq)
            ).all()
            for seq, note in rows:
                cosigned = self._cosign(seq, note)
                connection.execute(
                    sa.update(CHECKPOINTS).where(CHECKPOINTS.c.seq == seq).values(note=cosigned)
                )
            if rows:
                write_counter(connection, _WITNESSED, rows[-1].seq)

    def _cosign(self, seq: int, note: str) -> str:
        for witness in self.witnesses:
            try:
                for line in witness.cosign(note, self.tree.consistency_proof):
                    note = add_cosignature(note, line)
            except LedgerError as exc:
                self.refused.append((seq, witness.name, str(exc)))
        return note
