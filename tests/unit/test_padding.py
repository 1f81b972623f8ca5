"""Bid documents padded to a size class (V2): the format, its classes and malformed blocks."""

from __future__ import annotations

import dataclasses
import itertools
import json

import pytest
from nacl.public import PrivateKey

from ledger.crypto import aead
from ledger.crypto.padding import SIZE_CLASSES, pad, size_class, unpad
from ledger.crypto.sealing import OpeningOfficial, open_share, reveal, seal_bid
from ledger.errors import InvalidInput, VerificationFailure

KEYS = {f"official-{n}": PrivateKey(bytes([n]) * 32) for n in (1, 2, 3)}
OFFICIALS = [OpeningOfficial(party, bytes(key.public_key)) for party, key in KEYS.items()]


def _document(price: str, filler: int = 0) -> bytes:
    return json.dumps(
        {"total_figures": price, "technical": "满足全部★参数" + "x" * filler}, ensure_ascii=False
    ).encode()


def _seal(document: bytes) -> bytes:
    sealed = seal_bid(
        document, tender="T", lot="1", bidder="bidder-a", officials=OFFICIALS, threshold=2
    )
    shares = [
        open_share(sealed, official=n, private_key=KEYS[n]) for n in ("official-1", "official-2")
    ]
    assert reveal(sealed, shares) == document
    return sealed.ciphertext


def test_the_size_classes_are_the_powers_of_two_from_one_kib_to_eight_mib() -> None:
    assert SIZE_CLASSES[0] == 1024
    assert SIZE_CLASSES[-1] == 8 * 1024 * 1024
    assert all(bigger == 2 * smaller for smaller, bigger in itertools.pairwise(SIZE_CLASSES))


@pytest.mark.parametrize(
    ("length", "expected"),
    [(0, 1024), (1023, 1024), (1024, 2048), (2047, 2048), (2048, 4096), (8 * 2**20 - 1, 8 * 2**20)],
)
def test_a_document_goes_to_the_smallest_class_with_room_for_the_marker(
    length: int, expected: int
) -> None:
    assert size_class(length) == expected
    assert len(pad(bytes(length))) == expected


def test_a_document_of_eight_mib_or_more_is_refused() -> None:
    with pytest.raises(InvalidInput, match="8388608 bytes is too large: at most 8388607"):
        size_class(8 * 2**20)


def test_the_padding_is_iso_7816_4_pinned_for_a_fixed_document() -> None:
    assert pad(b"abc") == b"abc\x80" + bytes(1020)
    assert pad(b"\x80\x00") == b"\x80\x00\x80" + bytes(1021)
    assert pad(bytes(1023)) == bytes(1023) + b"\x80"
    assert pad(bytes(1024))[1024:] == b"\x80" + bytes(1023)


@pytest.mark.parametrize("document", [b"", b"abc", b"\x80", b"\x00" * 5, "价格".encode() * 600])
def test_unpadding_gives_the_document_back(document: bytes) -> None:
    assert unpad(pad(document)) == document


@pytest.mark.parametrize(
    ("padded", "message"),
    [
        (bytes(1024), "does not end in 0x80 followed only by zero bytes"),
        (b"abc\x80" + bytes(1019) + b"\x01", "does not end in 0x80 followed only by zero bytes"),
        (b"abc\x80" + bytes(1019), "1023 bytes is not a size class"),
        (b"abc\x80" + bytes(1021), "1025 bytes is not a size class"),
        (b"", "0 bytes is not a size class"),
    ],
)
def test_a_malformed_padding_is_a_verification_failure(padded: bytes, message: str) -> None:
    with pytest.raises(VerificationFailure, match=message):
        unpad(padded)


def test_two_prices_of_different_lengths_in_one_class_give_equal_ciphertext_lengths() -> None:
    cheap, dear = _document("9.00"), _document("123456789.00", filler=300)
    assert len(cheap) != len(dear)
    assert size_class(len(cheap)) == size_class(len(dear))
    assert len(_seal(cheap)) == len(_seal(dear)) == 1024 + aead.TAG_SIZE


def test_documents_in_different_classes_give_different_ciphertext_lengths() -> None:
    assert len(_seal(_document("1.00", filler=1100))) == 2048 + aead.TAG_SIZE


def test_a_sealed_bid_whose_plaintext_is_not_padded_does_not_reveal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "ledger.crypto.padding.pad", lambda document: document + bytes(1024 - len(document))
    )
    sealed = seal_bid(
        b"no marker", tender="T", lot="1", bidder="bidder-a", officials=OFFICIALS, threshold=2
    )
    monkeypatch.undo()
    assert len(sealed.ciphertext) == 1024 + aead.TAG_SIZE  # looks right from outside
    shares = [open_share(sealed, official=n, private_key=KEYS[n]) for n in KEYS]
    with pytest.raises(VerificationFailure, match="V2 the document's padding: the block does not"):
        reveal(sealed, shares)
    trimmed = dataclasses.replace(sealed, ciphertext=sealed.ciphertext[:-1])
    with pytest.raises(VerificationFailure, match="does not open with the rebuilt key"):
        reveal(trimmed, shares)
