"""C2SP signed notes, tlog-checkpoints and tlog-cosignature/v1 witness cosignatures."""

from __future__ import annotations

from ledger.notes.checkpoint import (
    Checkpoint,
    add_cosignature,
    cosign,
    open_checkpoint,
    sign_checkpoint,
    verify_cosignature,
)
from ledger.notes.signed_note import (
    COSIGNATURE_V1,
    ED25519,
    NoteSignature,
    NoteSigner,
    NoteVerifier,
    OpenedNote,
    cosignature_message,
    key_id,
    open_note,
    parse_note,
    parse_signature_line,
    sign_note,
)

__all__ = [
    "COSIGNATURE_V1",
    "ED25519",
    "Checkpoint",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "OpenedNote",
    "add_cosignature",
    "cosign",
    "cosignature_message",
    "key_id",
    "open_checkpoint",
    "open_note",
    "parse_note",
    "parse_signature_line",
    "sign_checkpoint",
    "sign_note",
    "verify_cosignature",
]
