"""C2SP tlog-checkpoints and cosignature/v1, against the generated known-answer checkpoint."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import InvalidInput, VerificationFailure
from ledger.notes import (
    COSIGNATURE_V1,
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    add_cosignature,
    cosign,
    cosignature_message,
    key_id,
    open_checkpoint,
    sign_checkpoint,
    sign_note,
    verify_cosignature,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
KAT: dict[str, Any] = json.loads((VECTORS / "signed_note_checkpoint.json").read_text())[
    "generated_checkpoint"
]
RFC6962_ROOT_8 = bytes.fromhex(
    json.loads((VECTORS / "rfc6962.json").read_text())["roots_by_size"]["8"]
)
LOG = NoteSigner("tenders.example/ledger1", bytes.fromhex(KAT["log_seed_hex"]))
WITNESS = NoteSigner("witness.example/w1", bytes.fromhex(KAT["witness_seed_hex"]), COSIGNATURE_V1)
TIME = KAT["cosignature_timestamp"]
CHECKPOINT = Checkpoint("tenders.example/ledger1", 8, RFC6962_ROOT_8)


def _signed() -> str:
    return add_cosignature(sign_checkpoint(LOG, CHECKPOINT), cosign(WITNESS, CHECKPOINT, TIME))


def test_the_seeds_give_the_published_log_and_witness_keys() -> None:
    assert LOG.verifier().vkey() == KAT["log_vkey"]
    assert WITNESS.verifier().vkey() == KAT["witness_vkey"]


def test_the_witness_key_id_uses_the_cosignature_type_byte() -> None:
    digest = hashlib.sha256(b"witness.example/w1\n\x04" + WITNESS.public_key).digest()
    assert WITNESS.key_id == int.from_bytes(digest[:4], "big") == 0x3A422617
    assert key_id(WITNESS.name, 0x01, WITNESS.public_key) != WITNESS.key_id


def test_the_cosigned_message_is_the_header_the_time_and_the_body() -> None:
    assert cosignature_message(CHECKPOINT.body(), TIME).decode() == KAT["cosigned_message"]


def test_signing_and_cosigning_reproduce_the_known_checkpoint_exactly() -> None:
    assert _signed() == KAT["signed_checkpoint"]


def test_the_known_checkpoint_opens_to_the_rfc6962_root_of_size_8() -> None:
    opened = open_checkpoint(KAT["signed_checkpoint"], NoteVerifier.from_vkey(KAT["log_vkey"]))
    assert opened == CHECKPOINT


def test_the_known_cosignature_verifies_and_gives_its_time() -> None:
    witness = NoteVerifier.from_vkey(KAT["witness_vkey"])
    assert verify_cosignature(KAT["signed_checkpoint"], witness) == TIME


def test_a_body_with_extension_lines_round_trips() -> None:
    checkpoint = Checkpoint("log.example/a", 0, bytes(32), ("ext one", "ext two"))
    assert checkpoint.body() == "log.example/a\n0\n" + "A" * 43 + "=\next one\next two\n"
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


def test_a_cosignature_covers_extension_lines() -> None:
    checkpoint = Checkpoint(LOG.name, 3, bytes(32), ("extra",))
    note = add_cosignature(sign_checkpoint(LOG, checkpoint), cosign(WITNESS, checkpoint, 7))
    assert verify_cosignature(note, WITNESS.verifier()) == 7
    edited = note.replace("extra\n", "other\n")
    with pytest.raises(VerificationFailure, match=r"^signature by witness.example/w1\+3a422617"):
        verify_cosignature(edited, WITNESS.verifier())


ROOT64 = base64.b64encode(RFC6962_ROOT_8).decode()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"o\n8\n{ROOT64}", r"text must end in a newline$"),
        ("o\n8\n", r"needs at least 3 lines, found 2$"),
        (f"o\n8\n{ROOT64}\n\n", r"line 4 is empty$"),
        (f"\n8\n{ROOT64}\n", r"line 1 is empty$"),
        (f"o\n08\n{ROOT64}\n", r"tree size must be decimal, found '08'$"),
        (f"o\n-8\n{ROOT64}\n", r"tree size must be decimal, found '-8'$"),
        (f"o\n٨\n{ROOT64}\n", r"tree size must be decimal, found '٨'$"),
        ("o\n8\nnot*base64\n", r"root hash is not base64: 'not\*base64'$"),
        ("o\n8\nAAAA\n", r"root hash must be 32 bytes, found 'AAAA'$"),
    ],
)
def test_a_malformed_checkpoint_text_is_refused(text: str, message: str) -> None:
    with pytest.raises(VerificationFailure, match=r"^checkpoint: " + message):
        Checkpoint.parse(text)


@pytest.mark.parametrize(
    ("origin", "size", "root", "message"),
    [
        ("", 1, bytes(32), r"origin must be one non-empty line"),
        ("a\nb", 1, bytes(32), r"origin must be one non-empty line"),
        ("o", -1, bytes(32), r"tree size must not be negative, found -1"),
        ("o", 1, bytes(31), r"root hash has 32 bytes, not 31"),
    ],
)
def test_an_invalid_checkpoint_cannot_be_built(
    origin: str, size: int, root: bytes, message: str
) -> None:
    with pytest.raises(InvalidInput, match=r"^checkpoint " + message):
        Checkpoint(origin, size, root)


def test_a_log_key_cannot_sign_for_another_origin() -> None:
    other = Checkpoint("other.example/log", 8, RFC6962_ROOT_8)
    with pytest.raises(InvalidInput, match=r"cannot sign for origin other.example/log$"):
        sign_checkpoint(LOG, other)


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    impostor = NoteSigner(LOG.name, hashlib.sha256(b"impostor").digest())
    with pytest.raises(VerificationFailure, match=r"^signed note: no signature by a trusted key"):
        open_checkpoint(sign_checkpoint(impostor, CHECKPOINT), LOG.verifier())


def test_a_checkpoint_with_an_edited_size_is_refused() -> None:
    edited = KAT["signed_checkpoint"].replace("\n8\n", "\n9\n", 1)
    with pytest.raises(VerificationFailure, match=r"does not verify over the note text$"):
        open_checkpoint(edited, LOG.verifier())


def test_a_signed_note_that_is_not_a_checkpoint_is_refused() -> None:
    note = sign_note("tenders.example/ledger1\nnot a size\n", LOG)
    with pytest.raises(VerificationFailure, match=r"^checkpoint: needs at least 3 lines, found 2$"):
        open_checkpoint(note, LOG.verifier())


def test_keys_of_the_wrong_type_are_refused() -> None:
    with pytest.raises(InvalidInput, match=r"must be an Ed25519 \(0x01\) key$"):
        open_checkpoint(KAT["signed_checkpoint"], WITNESS.verifier())
    with pytest.raises(InvalidInput, match=r"must be a cosignature \(0x04\) key$"):
        cosign(LOG, CHECKPOINT, TIME)
    with pytest.raises(InvalidInput, match=r"must be a cosignature \(0x04\) key$"):
        verify_cosignature(KAT["signed_checkpoint"], LOG.verifier())


@pytest.mark.parametrize("timestamp", [-1, 2**63])
def test_a_cosignature_time_out_of_range_is_refused(timestamp: int) -> None:
    with pytest.raises(InvalidInput, match=r"^cosignature time must be in \[0, 2\*\*63 - 1\]"):
        cosign(WITNESS, CHECKPOINT, timestamp)


def _with_witness_payload(payload: bytes) -> str:
    line = f"— {WITNESS.name} {base64.b64encode(payload).decode()}\n"
    return add_cosignature(sign_checkpoint(LOG, CHECKPOINT), line)


def test_a_cosignature_with_an_altered_time_is_refused() -> None:
    payload = bytearray(base64.b64decode(cosign(WITNESS, CHECKPOINT, TIME).split(" ")[2]))
    payload[11] ^= 1
    with pytest.raises(VerificationFailure, match=r"3a422617: does not verify over the note text$"):
        verify_cosignature(_with_witness_payload(bytes(payload)), WITNESS.verifier())


def test_a_cosignature_time_beyond_2_to_the_63_is_refused() -> None:
    payload = WITNESS.key_id.to_bytes(4, "big") + (2**63).to_bytes(8, "big") + bytes(64)
    with pytest.raises(VerificationFailure, match=r"timestamp 9223372036854775808 exceeds"):
        verify_cosignature(_with_witness_payload(payload), WITNESS.verifier())


def test_a_checkpoint_without_the_witness_cosignature_is_refused() -> None:
    with pytest.raises(VerificationFailure, match=r"no signature by a trusted key"):
        verify_cosignature(sign_checkpoint(LOG, CHECKPOINT), WITNESS.verifier())


def test_a_cosignature_cannot_be_added_twice_or_malformed() -> None:
    line = cosign(WITNESS, CHECKPOINT, TIME)
    with pytest.raises(InvalidInput, match=r"already has a signature by witness.example/w1"):
        add_cosignature(_signed(), line)
    with pytest.raises(InvalidInput, match=r"^a cosignature is exactly one line"):
        add_cosignature(sign_checkpoint(LOG, CHECKPOINT), line.rstrip("\n"))
    with pytest.raises(InvalidInput, match=r"^a signature line starts with"):
        add_cosignature(sign_checkpoint(LOG, CHECKPOINT), "witness " + line)
