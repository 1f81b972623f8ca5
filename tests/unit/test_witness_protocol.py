"""Known answers for the C2SP tlog-witness text formats: request, 409 size and cosignatures."""

from __future__ import annotations

import pytest

from ledger.errors import InvalidInput
from ledger.witness import (
    ADD_CHECKPOINT_PATH,
    MAX_PROOF_LINES,
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    decode_cosignatures,
    decode_size,
    encode_cosignatures,
    encode_size,
)

NOTE = (
    "bidledger.test/log\n4\nl5nzB1F+9RfCIF35tndivzR1ayAJn7ffzOdrzr0nOy4=\n\n"
    "— bidledger.test/log nlp9e11QxoILZWqqqU4JSpJvjKlLQu9K+v5nzsT+sidUnGVRdG7RaUKz8E4Tnbkalg1al"
    "/1iVmh77PRNrsImmcHniAc=\n"
)
HASH_A, HASH_B = bytes(range(32)), b"\xff" * 32
BODY = (
    "old 4\n"
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    "//////////////////////////////////////////8=\n"
    "\n" + NOTE
).encode()
COSIGNATURE = (
    "— witness.test/regulator 2aDg/gAAAABlU/EA7zHZTE56s0n94Sgy8zztZqs0SD+sH//qCOpsWPwTRh/DRUGGFzt"
    "GUzPfih/oJmbAPJguAz5g0iRouU2ZPd3wCA==\n"
)


def test_the_endpoint_and_size_content_type_are_the_specifications() -> None:
    assert ADD_CHECKPOINT_PATH == "/add-checkpoint"
    assert SIZE_CONTENT_TYPE == "text/x.tlog.size"
    assert MAX_PROOF_LINES == 63


def test_a_request_encodes_old_size_proof_lines_an_empty_line_and_the_note() -> None:
    assert AddCheckpoint(4, (HASH_A, HASH_B), NOTE).encode() == BODY


def test_a_request_body_decodes_to_its_parts() -> None:
    assert AddCheckpoint.decode(BODY) == AddCheckpoint(4, (HASH_A, HASH_B), NOTE)


def test_a_request_from_size_zero_has_no_proof_lines() -> None:
    body = AddCheckpoint(0, (), NOTE).encode()
    assert body == b"old 0\n\n" + NOTE.encode()
    assert AddCheckpoint.decode(body).proof == ()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"old 4\n", "empty line"),
        (b"size 4\n\n" + NOTE.encode(), "old <decimal size>"),
        (b"old 04\n\n" + NOTE.encode(), "old <decimal size>"),
        (b"old -1\n\n" + NOTE.encode(), "old <decimal size>"),
        (b"old  4\n\n" + NOTE.encode(), "old <decimal size>"),
        (b"old 4\nnot base64!\n\n" + NOTE.encode(), "proof line 1"),
        (b"old 4\nAAAA\n\n" + NOTE.encode(), "proof line 1 is not a base64 32-byte hash"),
        (b"old 4\n\xff\n\n", "not UTF-8"),
    ],
)
def test_a_malformed_request_body_is_refused_saying_why(body: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        AddCheckpoint.decode(body)


def test_more_than_63_proof_lines_are_refused_both_ways() -> None:
    with pytest.raises(InvalidInput, match="at most 63 proof lines, found 64"):
        AddCheckpoint(4, (HASH_A,) * 64, NOTE).encode()
    line = b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    body = b"old 4\n" + line * 64 + b"\n" + NOTE.encode()
    with pytest.raises(InvalidInput, match="at most 63 proof lines, found 64"):
        AddCheckpoint.decode(body)


def test_a_conflict_body_is_the_decimal_size_and_a_newline() -> None:
    assert encode_size(20852014) == b"20852014\n"
    assert encode_size(0) == b"0\n"
    assert decode_size(b"20852014\n") == 20852014


@pytest.mark.parametrize("body", [b"20", b"020\n", b"20\n\n", b"\n", b"-1\n", b"2 0\n"])
def test_a_malformed_size_body_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidInput, match="tree size body"):
        decode_size(body)


def test_a_success_body_is_signature_lines_each_ending_in_a_newline() -> None:
    assert encode_cosignatures([COSIGNATURE, COSIGNATURE]) == (COSIGNATURE * 2).encode()
    assert decode_cosignatures((COSIGNATURE * 2).encode()) == [COSIGNATURE, COSIGNATURE]


@pytest.mark.parametrize(
    "body", [COSIGNATURE[:-1].encode(), b"hello\n", b"- w AAAA\n", b"\n", COSIGNATURE.encode() * 0]
)
def test_a_success_body_that_is_not_signature_lines_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidInput):
        decode_cosignatures(body)
