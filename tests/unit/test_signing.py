"""Ed25519 signing against RFC 8032 (section 7.1, TEST 1), key ids and signature checks."""

from __future__ import annotations

import hashlib

import pytest

from ledger.crypto.signing import (
    Signer,
    decode_signature,
    encode_signature,
    key_id_of,
    verify_signature,
)
from ledger.errors import InvalidInput, VerificationFailure

# RFC 8032, 7.1, TEST 1: the empty message.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def test_the_rfc8032_secret_key_gives_its_public_key() -> None:
    signer = Signer.from_seed(RFC8032_SECRET)
    assert signer.public_key == RFC8032_PUBLIC
    assert signer.seed == RFC8032_SECRET


def test_the_rfc8032_empty_message_gives_its_signature() -> None:
    assert Signer.from_seed(RFC8032_SECRET).sign(b"") == RFC8032_SIGNATURE


def test_the_rfc8032_signature_verifies_under_its_public_key() -> None:
    verify_signature(RFC8032_PUBLIC, b"", RFC8032_SIGNATURE, where="rfc8032 test 1")


def test_the_key_id_is_the_first_16_bytes_of_sha256_of_the_public_key() -> None:
    assert key_id_of(RFC8032_PUBLIC) == "ed25519:21fe31dfa154a261626bf854046fd227"
    assert key_id_of(RFC8032_PUBLIC)[8:] == hashlib.sha256(RFC8032_PUBLIC).hexdigest()[:32]
    assert Signer.from_seed(RFC8032_SECRET).key_id == "ed25519:21fe31dfa154a261626bf854046fd227"


def test_a_key_id_of_a_short_key_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^an Ed25519 public key has 32 bytes, not 31$"):
        key_id_of(RFC8032_PUBLIC[:31])


def test_a_seed_that_is_not_32_bytes_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^an Ed25519 seed has 32 bytes$"):
        Signer.from_seed(RFC8032_SECRET + b"\x00")


@pytest.mark.parametrize("bit", [0, 7, 100, 511])
def test_a_signature_with_one_flipped_bit_is_rejected(bit: int) -> None:
    flipped = bytearray(RFC8032_SIGNATURE)
    flipped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(VerificationFailure) as caught:
        verify_signature(RFC8032_PUBLIC, b"", bytes(flipped), where="event 7")
    assert str(caught.value) == "event 7: signature does not verify under the registered key"


def test_a_signature_over_another_message_is_rejected() -> None:
    with pytest.raises(VerificationFailure, match=r"^m: signature does not verify"):
        verify_signature(RFC8032_PUBLIC, b"\x00", RFC8032_SIGNATURE, where="m")


def test_a_truncated_signature_is_rejected_with_its_length() -> None:
    with pytest.raises(VerificationFailure) as caught:
        verify_signature(RFC8032_PUBLIC, b"", RFC8032_SIGNATURE[:63], where="m")
    assert str(caught.value) == "m: signature has 63 bytes, expected 64"


def test_a_signature_round_trips_through_base64() -> None:
    text = encode_signature(RFC8032_SIGNATURE)
    assert text == (
        "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr0lv18FlbviRlUUFDjnoQCw=="
    )
    assert decode_signature(text, where="m") == RFC8032_SIGNATURE


def test_a_signature_that_is_not_base64_is_rejected() -> None:
    with pytest.raises(VerificationFailure, match=r"^m: signature is not valid base64$"):
        decode_signature("not base64!", where="m")
