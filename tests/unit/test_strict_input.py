"""Strict input: every JSON text from outside is read one way, and refused with its place named.

The readers of signed commands, sealed bids, key shares and bid documents refuse duplicate
keys, lone surrogates, floats, integers past 2**53 - 1, deep nesting, oversized input and
values that are not in the canonical form they are written back in; the bundle reader is the
same reader; signed bodies are compared as canonical bytes, never as Python values.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from nacl.public import PrivateKey, SealedBox

from ledger import limits
from ledger.bundle import format as bundle_format
from ledger.bundle.records import check_signed_bytes, read_record
from ledger.canonical import canonical_bytes, loads_strict
from ledger.crypto.sealing import KeyShare, OpeningOfficial, SealedBid, open_share, seal_bid
from ledger.crypto.signing import Signer
from ledger.envelope import COMMAND_DOMAIN, EVENT_DOMAIN, SignedCommand, sign_command
from ledger.errors import InvalidInput, VerificationFailure
from ledger.files import read_checkpoint_note, read_json, write_file
from ledger.procedure.bid_document import encode_bid_document, parse_bid_document
from tests.support.bids import bid_document

SIGNER = Signer.from_seed(bytes(range(32)))
KEYS: dict[str, Any] = {}  # the officials' private keys of the ``sealed`` fixture
STREAM = "6f1f2c3e-0000-5000-8000-000000000033"

REFUSED: dict[str, tuple[bytes, str]] = {
    "a duplicate key": (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
    "a lone surrogate": (b'{"a": "\\udc80"}', "lone surrogate"),
    "a float": (b'{"a": 0.5}', "non-integer number 0.5"),
    "an exponent": (b"[1e3]", "non-integer number 1e3"),
    "NaN": (b"[NaN]", "non-integer number NaN"),
    "Infinity": (b"[-Infinity]", "non-integer number -Infinity"),
    "an integer past 2**53": (b"[9007199254740992]", "outside ±(2**53 - 1)"),
    "a huge integer": (b"[" + b"7" * 100_000 + b"]", "outside ±(2**53 - 1)"),
    "nesting past the limit": (b"[" * 40 + b"]" * 40, "nested more than 32 levels deep"),
    "nesting past the interpreter": (b"[" * 200_000 + b"]" * 200_000, "nested more than 32"),
    "invalid UTF-8": (b'["\xc3\x28"]', "not UTF-8 (byte 2 cannot be decoded)"),
    "a byte-order mark": (b'\xef\xbb\xbf["x"]', "not strict JSON"),
    "an empty text": (b"", "empty, not a JSON text"),
    "two values": (b"[1] [2]", "not strict JSON (Extra data"),
}


@pytest.mark.parametrize(("text", "named"), REFUSED.values(), ids=REFUSED.keys())
def test_strict_json_refuses_and_names_the_place(text: bytes, named: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        loads_strict(text, "the input")
    assert str(caught.value).startswith("the input: ")
    assert named in str(caught.value)
    assert "\n" not in str(caught.value)


def test_strict_json_accepts_the_deepest_nesting_allowed() -> None:
    text = b"[" * (limits.MAX_DEPTH + 1) + b"]" * (limits.MAX_DEPTH + 1)
    assert loads_strict(text, "x") is not None


def test_strict_json_refuses_a_text_over_its_limit_before_reading_it() -> None:
    with pytest.raises(InvalidInput, match=r"^x: 11 bytes is more than the limit of 10$"):
        loads_strict(b"[" + b" " * 9 + b"]", "x", max_bytes=10)


@pytest.mark.parametrize(("text", "named"), REFUSED.values(), ids=REFUSED.keys())
def test_the_bundle_reader_is_the_same_strict_reader(text: bytes, named: str) -> None:
    with pytest.raises(bundle_format.BundleFormatError) as caught:
        bundle_format.loads_strict(text, "bundle")
    assert caught.value.where == "bundle"
    assert named in caught.value.detail


# -- signed commands -----------------------------------------------------------------------


def _command(**args: Any) -> SignedCommand:
    return sign_command(
        SIGNER,
        command="CheckIn",
        stream=STREAM,
        actor="wuhan-qinxiongdi",
        role="bidder",
        args=args or {"lot": "1"},
        command_id="cmd-0001",
    )


def test_a_signed_command_round_trips_through_its_strict_text() -> None:
    command = _command()
    text = json.dumps(command.to_json(), indent=2)  # the text's own spacing does not matter
    parsed = SignedCommand.from_text(text.encode())
    assert parsed == command
    parsed.verify_with(SIGNER.public_key, where="cmd-0001")


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda t: t.replace('"lot":"1"', '"lot":"1","lot":"2"'), "duplicate key 'lot'"),
        (lambda t: t.replace('"lot":"1"', '"lot":"\\ud800"'), "lone surrogate"),
        (lambda t: t.replace('"lot":"1"', '"lot":1.0'), "non-integer number 1.0"),
        (lambda t: t.replace('"v":1', '"v":true'), "unsupported version True"),
        (lambda t: t.replace('"v":1', '"v":"1"'), "unsupported version '1'"),
        (lambda t: t.replace(',"v":1', ""), "field 'v' is missing"),
        (lambda t: t.replace('"v":1', '"v":1,"extra":0'), "unknown field 'extra'"),
        (lambda t: t.replace('"args":{"lot":"1"}', '"args":[]'), "field 'args' must be an object"),
        (lambda t: "[" + t + "]", "must be a JSON object"),
    ],
    ids=[
        "duplicate key",
        "lone surrogate",
        "float",
        "version true",
        "version as text",
        "no version",
        "unknown field",
        "args not an object",
        "not an object",
    ],
)
def test_a_signed_command_text_that_is_not_canonical_is_refused_when_it_arrives(
    edit: Any, named: str
) -> None:
    text = canonical_bytes(_command().to_json()).decode()
    with pytest.raises(InvalidInput) as caught:
        SignedCommand.from_text(edit(text))
    assert str(caught.value).startswith("signed command: ")
    assert named in str(caught.value)


def test_a_signed_command_over_the_size_limit_is_refused() -> None:
    data = {**_command().to_json(), "args": {"note": "x" * limits.MAX_COMMAND_BYTES}}
    with pytest.raises(InvalidInput, match="more than the limit of 4194304"):
        SignedCommand.from_json(data)
    with pytest.raises(InvalidInput, match="more than the limit of 4194304"):
        SignedCommand.from_text(json.dumps(data))


def test_a_mapping_with_a_lone_surrogate_is_refused_as_a_command() -> None:
    data = {**_command().to_json(), "actor": "wuhan\udc80"}
    with pytest.raises(InvalidInput, match=r"^signed command: \$\.actor: string holds a lone"):
        SignedCommand.from_json(data)


# -- sealed bids, key shares, bid documents ---------------------------------------------


@pytest.fixture(scope="module")
def sealed() -> tuple[SealedBid, dict[str, Any]]:
    keys = {name: PrivateKey.generate() for name in ("a", "b")}
    officials = [OpeningOfficial(name, bytes(key.public_key)) for name, key in keys.items()]
    document = bid_document("1", "wuhan-qinxiongdi", "334860.00")
    bid = seal_bid(
        encode_bid_document(document),
        tender=STREAM,
        lot="1",
        bidder="wuhan-qinxiongdi",
        officials=officials,
        threshold=2,
    )
    share = open_share(bid, official="a", private_key=keys["a"]).to_json()
    KEYS.update(keys)
    return bid, share


def test_a_sealed_bid_round_trips_through_its_strict_text(
    sealed: tuple[SealedBid, dict[str, Any]],
) -> None:
    bid, _ = sealed
    assert SealedBid.from_text(json.dumps(bid.to_json(), indent=2)) == bid


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda t: t.replace('"lot":"1"', '"lot":"1","lot":"2"'), "duplicate key 'lot'"),
        (lambda t: t.replace('"lot":"1"', '"lot":"\\udfff"'), "lone surrogate"),
        (lambda t: t.replace('"threshold":2', '"threshold":2.0'), "non-integer number 2.0"),
        (lambda t: t.replace('"threshold":2', '"threshold":true'), "threshold: must be"),
        (lambda t: t.replace('"index":1', '"index":9007199254740993'), "outside ±(2**53 - 1)"),
    ],
    ids=["duplicate key", "lone surrogate", "float", "boolean", "huge integer"],
)
def test_a_sealed_bid_text_that_is_not_canonical_is_refused_when_it_arrives(
    sealed: tuple[SealedBid, dict[str, Any]], edit: Any, named: str
) -> None:
    text = canonical_bytes(sealed[0].to_json()).decode()
    with pytest.raises(InvalidInput) as caught:
        SealedBid.from_text(edit(text))
    assert named in str(caught.value)


def test_a_sealed_bid_mapping_with_a_lone_surrogate_or_a_float_is_refused(
    sealed: tuple[SealedBid, dict[str, Any]],
) -> None:
    data = sealed[0].to_json()
    for edited in ({**data, "bidder": "x\ud800"}, {**data, "extra": 0.5}):
        with pytest.raises(InvalidInput, match=r"^sealed bid: "):
            SealedBid.from_json(edited)


def test_a_sealed_bid_over_the_size_limit_is_refused(
    sealed: tuple[SealedBid, dict[str, Any]],
) -> None:
    data = sealed[0].to_json()
    huge = base64.b64encode(bytes(limits.MAX_SEALED_BID_BYTES)).decode()
    with pytest.raises(InvalidInput, match="more than the limit of 2097152"):
        SealedBid.from_json({**data, "ciphertext": huge})


def test_a_key_share_with_a_lone_surrogate_is_refused(
    sealed: tuple[SealedBid, dict[str, Any]],
) -> None:
    _, share = sealed
    assert KeyShare.from_json(share).official == "a"
    with pytest.raises(InvalidInput, match=r"^key share: .*lone surrogate"):
        KeyShare.from_json({**share, "official": "\udc00"})


def test_a_share_unwrapped_into_deep_nesting_is_refused_not_parsed(
    sealed: tuple[SealedBid, dict[str, Any]],
) -> None:
    bid, _ = sealed
    first, *rest = bid.shares
    hostile = SealedBox(KEYS["a"].public_key).encrypt(b"[" * 100_000 + b"]" * 100_000)
    edited = dataclasses.replace(bid, shares=(dataclasses.replace(first, wrapped=hostile), *rest))
    with pytest.raises(VerificationFailure, match="nested more than 32 levels deep"):
        open_share(edited, official="a", private_key=KEYS["a"])


def test_a_bid_document_is_sealed_as_its_canonical_bytes_and_read_back_only_so() -> None:
    document = bid_document("1", "wuhan-qinxiongdi", "334860.00")
    encoded = encode_bid_document(document)
    assert encoded == canonical_bytes(document)
    assert parse_bid_document(encoded).stated_price == 334860
    for other in (
        json.dumps(document).encode(),  # spaced out
        encoded.replace(b'{"bidder"', b'{"v":"bidledger/bid-document/v1","bidder"', 1),
        encoded[:-1] + b',"brand":null}',
    ):
        with pytest.raises(InvalidInput, match=r"^bid document"):
            parse_bid_document(other)


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"brand": "\ud800"}, "bid document: $.brand: string holds a lone surrogate"),
        ({"lines": [{"n": 0.5}]}, "bid document: $.lines[0].n: floats are not allowed"),
        ({"technical": "x" * limits.MAX_BID_DOCUMENT_BYTES}, "more than the limit of 1048576"),
    ],
    ids=["lone surrogate", "float", "too large"],
)
def test_a_bid_document_that_cannot_be_sealed_canonically_is_refused_at_seal_time(
    document: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        encode_bid_document({**bid_document("1", "wuhan-qinxiongdi", "1.00"), **document})
    assert named in str(caught.value)


# -- signed bodies compared as bytes ---------------------------------------------------------


def test_a_preimage_whose_command_differs_from_the_signed_one_only_as_bytes_is_refused() -> None:
    """``"v": true`` equals ``"v": 1`` as a Python value; as signed bytes it is another text."""
    command = _command()
    signed = command.signed_bytes()
    record = {
        "stream": STREAM,
        "version": 1,
        "type": "CheckedIn",
        "class_version": 1,
        "time": "2021-01-14T10:00:00+08:00",
        "command": {**command.to_json(), "v": True},
        "facts": {},
        "prev_hash": "00" * 32,
    }
    parsed = read_record(EVENT_DOMAIN + canonical_bytes(record), "leaf 0")
    assert signed.startswith(COMMAND_DOMAIN)
    with pytest.raises(VerificationFailure, match="is not the command signed"):
        check_signed_bytes(signed, parsed, "leaf 0")


# -- files -------------------------------------------------------------------------------


def test_files_are_read_bounded_and_named(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b"[" + b" " * 100 + b"]")
    with pytest.raises(InvalidInput, match=r"big.json is larger than the limit of 50 bytes$"):
        read_json(big, "document", 50)
    assert read_json(big, "document", 200) == []
    with pytest.raises(InvalidInput, match="no such file"):
        read_json(tmp_path / "absent.json", "document", 200)
    with pytest.raises(InvalidInput, match="it is a directory"):
        read_json(tmp_path, "document", 200)


def test_a_file_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    write_file(target, b"[1]\n", "the output")
    assert target.read_bytes() == b"[1]\n"
    with pytest.raises(InvalidInput, match="there is no folder"):
        write_file(tmp_path / "missing" / "out.json", b"[]", "the output")
    with pytest.raises(InvalidInput, match="it is a directory"):
        write_file(tmp_path, b"[]", "the output")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_checkpoint_file_must_be_a_signed_checkpoint_note(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    for text in ("", "not a note\n", "origin\n3\n\n— key AAAA\n", "a\nb\nc\n\n— k QUFBQUE=\n"):
        note.write_text(text, encoding="utf-8")
        with pytest.raises(InvalidInput, match="is not a signed checkpoint note"):
            read_checkpoint_note(note)
