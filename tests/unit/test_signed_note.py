"""C2SP signed notes against the spec's example and Go sumdb/note's reproducible example."""

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
    NoteSigner,
    NoteVerifier,
    key_id,
    open_note,
    parse_note,
    sign_note,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
NOTES: dict[str, Any] = json.loads((VECTORS / "signed_note_checkpoint.json").read_text())
C2SP = NOTES["c2sp_example"]
GO = NOTES["go_sumdb_note_example"]
PETER = NoteVerifier.from_vkey(GO["vkey"])
OTHER = NoteSigner("example.com/other", hashlib.sha256(b"other").digest())


def _replace_signature(note: str, payload: bytes) -> str:
    text, _, line = note.rpartition("\n\n")
    name = line.split(" ")[1]
    return f"{text}\n\n— {name} {base64.b64encode(payload).decode()}\n"


def test_the_c2sp_example_key_has_its_expected_key_id() -> None:
    verifier = NoteVerifier.from_vkey(C2SP["vkey"])
    assert f"{verifier.key_id:08x}" == C2SP["expected_key_id"]
    assert verifier.name == "example.com/foo"
    assert verifier.vkey() == C2SP["vkey"]


def test_the_key_id_is_the_first_four_bytes_of_sha256_of_name_type_and_key() -> None:
    digest = hashlib.sha256(b"PeterNeumann\n\x01" + PETER.public_key).digest()
    assert key_id("PeterNeumann", 0x01, PETER.public_key) == int.from_bytes(digest[:4], "big")
    assert key_id("PeterNeumann", 0x01, PETER.public_key) == 0xC74F20A3


def test_the_c2sp_example_note_verifies() -> None:
    opened = open_note(C2SP["note"], [NoteVerifier.from_vkey(C2SP["vkey"])])
    assert opened.text == "This is an example message.\n"
    assert [v.name for v in opened.verified_by] == ["example.com/foo"]


def test_the_go_skey_gives_its_vkey_and_round_trips() -> None:
    signer = NoteSigner.from_skey(GO["skey"])
    assert signer.verifier().vkey() == GO["vkey"]
    assert signer.skey() == GO["skey"]


def test_signing_the_go_example_gives_its_exact_signed_note() -> None:
    assert sign_note(GO["text"], NoteSigner.from_skey(GO["skey"])) == GO["signed_note"]


def test_the_go_example_note_verifies_and_names_its_signer() -> None:
    opened = open_note(GO["signed_note"], [PETER])
    assert opened.text == GO["text"]
    assert opened.verified_by == (PETER,)
    assert opened.unknown == ()


def test_signatures_by_unknown_keys_are_skipped_but_reported() -> None:
    note = sign_note(GO["text"], OTHER, NoteSigner.from_skey(GO["skey"]))
    opened = open_note(note, [PETER])
    assert opened.verified_by == (PETER,)
    assert [(s.name, s.key_id) for s in opened.unknown] == [(OTHER.name, OTHER.key_id)]


def test_a_note_with_no_signature_by_a_trusted_key_is_refused() -> None:
    with pytest.raises(VerificationFailure) as caught:
        open_note(GO["signed_note"], [OTHER.verifier()])
    assert str(caught.value) == (
        f"signed note: no signature by a trusted key (example.com/other+{OTHER.key_id:08x}); "
        "found PeterNeumann+c74f20a3"
    )


def test_a_key_sharing_only_the_name_is_treated_as_unknown() -> None:
    impostor = NoteSigner("PeterNeumann", hashlib.sha256(b"impostor").digest()).verifier()
    with pytest.raises(VerificationFailure, match=r"no signature by a trusted key"):
        open_note(GO["signed_note"], [impostor])


def test_an_edited_text_is_refused() -> None:
    edited = GO["signed_note"].replace("cryptography", "blockchain")
    with pytest.raises(VerificationFailure) as caught:
        open_note(edited, [PETER])
    assert str(caught.value) == (
        "signature by PeterNeumann+c74f20a3: does not verify over the note text"
    )


@pytest.mark.parametrize("bit", [32, 100, 543])
def test_a_flipped_signature_bit_is_refused(bit: int) -> None:
    payload = bytearray(base64.b64decode(GO["signed_note"].rsplit(" ", 1)[1]))
    payload[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(VerificationFailure, match=r"does not verify over the note text$"):
        open_note(_replace_signature(GO["signed_note"], bytes(payload)), [PETER])


def test_a_truncated_signature_is_refused_with_its_length() -> None:
    payload = base64.b64decode(GO["signed_note"].rsplit(" ", 1)[1])[:40]
    with pytest.raises(VerificationFailure, match=r"c74f20a3: has 36 bytes, expected 64$"):
        open_note(_replace_signature(GO["signed_note"], payload), [PETER])


def test_two_signatures_by_the_same_key_are_refused() -> None:
    doubled = GO["signed_note"] + GO["signed_note"].rpartition("\n\n")[2]
    with pytest.raises(VerificationFailure, match=r"^signed note: two signatures by PeterNeumann"):
        open_note(doubled, [PETER])


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("no signatures\n", r"^signed note: expected text, a blank line and signature lines$"),
        ("text\n\n", r"^signed note: expected text, a blank line and signature lines$"),
        ("text\n\n— a AAAAAAA=", r"^signed note: expected text, a blank line"),
        ("te\tx\n\n— a AAAAAAA=\n", r"^signed note: contains a control character"),
        ("text\n\n- a AAAAAAA=\n", r"^signed note, signature line 1: a signature line starts"),
        ("text\n\n— a+b AAAAAAA=\n", r"^signed note, signature line 1: key name 'a\+b'"),
        ("text\n\n— a AAAA*AA=\n", r"^signed note, signature line 1: signature of a is not valid"),
        ("text\n\n— a AAAAAAB=\n", r"^signed note, signature line 1: signature of a is not canon"),
        ("text\n\n— a AAAA\n", r"^signed note, signature line 1: signature of a has 3 bytes"),
    ],
)
def test_a_malformed_note_is_refused_with_what_is_wrong(note: str, message: str) -> None:
    with pytest.raises(VerificationFailure, match=message):
        parse_note(note)


def test_a_note_with_too_many_signatures_is_refused() -> None:
    line = GO["signed_note"].rpartition("\n\n")[2]
    with pytest.raises(VerificationFailure, match=r"has 65 signatures, at most 64$"):
        parse_note(GO["text"] + "\n" + line * 65)


def test_a_text_with_empty_lines_round_trips() -> None:
    text = "first\n\nsecond\n\n"
    opened = open_note(sign_note(text, OTHER), [OTHER.verifier()])
    assert opened.text == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no newline", r"^a note text must end in a newline$"),
        ("bell\a\n", r"^a note text must not contain control characters other than newline$"),
    ],
)
def test_signing_a_malformed_text_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        sign_note(text, OTHER)


def test_signing_needs_a_signer_and_an_ed25519_key() -> None:
    with pytest.raises(InvalidInput, match=r"^a signed note needs at least one signer$"):
        sign_note("text\n")
    witness = NoteSigner("w.example/1", bytes(32), COSIGNATURE_V1)
    with pytest.raises(InvalidInput, match=r"^key w.example/1 is a cosignature key"):
        sign_note("text\n", witness)


@pytest.mark.parametrize(
    ("vkey", "message"),
    [
        ("PeterNeumann+c74f20a3", r"^a vkey has three '\+'-separated parts, found 2$"),
        (
            GO["vkey"].replace("c74f20a3", "c74f20a4"),
            r"declares key id c74f20a4, its key gives c74f",
        ),
        (GO["vkey"].replace("c74f20a3", "C74F20A3"), r"key id must be 8 lowercase hex digits"),
        (
            "PeterNeumann+c74f20a3+" + base64.b64encode(b"\x02" + PETER.public_key).decode(),
            r"^vkey key must be type 0x01 or 0x04 and 32 bytes, found type 0x02 and 32 bytes$",
        ),
        (
            "PeterNeumann+c74f20a3+" + base64.b64encode(b"\x01" + PETER.public_key[:31]).decode(),
            r"^vkey key must be type 0x01 or 0x04 and 32 bytes, found type 0x01 and 31 bytes$",
        ),
        ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", r"key name '' must be"),
    ],
)
def test_a_malformed_vkey_is_refused(vkey: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        NoteVerifier.from_vkey(vkey)


def test_a_malformed_skey_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^an skey reads PRIVATE\+KEY\+"):
        NoteSigner.from_skey(GO["vkey"])
    with pytest.raises(InvalidInput, match=r"declares key id 00000000"):
        NoteSigner.from_skey(GO["skey"].replace("c74f20a3", "00000000"))
