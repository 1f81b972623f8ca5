"""An independent C2SP tlog-witness (T8): its state, its HTTP server, and the client logs use."""

from __future__ import annotations

from ledger.witness.client import ProofSource, WitnessError, submit_checkpoint
from ledger.witness.protocol import (
    ADD_CHECKPOINT_PATH,
    MAX_PROOF_LINES,
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    decode_cosignatures,
    decode_size,
    encode_cosignatures,
    encode_size,
)
from ledger.witness.server import WitnessServer
from ledger.witness.state import CosignedCheckpoint, WitnessState
from ledger.witness.witness import Witness, WitnessResponse

__all__ = [
    "ADD_CHECKPOINT_PATH",
    "MAX_PROOF_LINES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpoint",
    "CosignedCheckpoint",
    "ProofSource",
    "Witness",
    "WitnessError",
    "WitnessResponse",
    "WitnessServer",
    "WitnessState",
    "decode_cosignatures",
    "decode_size",
    "encode_cosignatures",
    "encode_size",
    "submit_checkpoint",
]
