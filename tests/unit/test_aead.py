"""XChaCha20-Poly1305: the draft-irtf-cfrg-xchacha vector and the ways decryption must fail."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.crypto import aead
from ledger.errors import InvalidInput, VerificationFailure

# draft-irtf-cfrg-xchacha-03, appendix A.3.1 (AEAD_XChaCha20_Poly1305 example)
KEY = bytes(range(0x80, 0xA0))
NONCE = bytes(range(0x40, 0x58))
AAD = bytes.fromhex("50515253c0c1c2c3c4c5c6c7")
PLAINTEXT = (
    b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
    b"for the future, sunscreen would be it."
)
CIPHERTEXT = bytes.fromhex(
    "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
    "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
    "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
    "21f9664c97637da9768812f615c68b13b52e"
)
TAG = bytes.fromhex("c0875924c1c7987947deafd8780acf49")


def _flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def test_the_draft_vector_encrypts_to_the_published_ciphertext_and_tag() -> None:
    assert KEY.hex() == "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    assert NONCE.hex() == "404142434445464748494a4b4c4d4e4f5051525354555657"
    assert aead.encrypt(KEY, NONCE, PLAINTEXT, AAD) == CIPHERTEXT + TAG


def test_the_draft_vector_decrypts_to_the_published_plaintext() -> None:
    assert aead.decrypt(KEY, NONCE, CIPHERTEXT + TAG, AAD) == PLAINTEXT


@pytest.mark.parametrize(
    ("key", "nonce", "sealed", "aad"),
    [
        pytest.param(_flip(KEY, 0), NONCE, CIPHERTEXT + TAG, AAD, id="another-key"),
        pytest.param(KEY, _flip(NONCE, 23), CIPHERTEXT + TAG, AAD, id="another-nonce"),
        pytest.param(KEY, NONCE, _flip(CIPHERTEXT + TAG, 5), AAD, id="altered-ciphertext"),
        pytest.param(KEY, NONCE, _flip(CIPHERTEXT + TAG, 120), AAD, id="altered-tag"),
        pytest.param(KEY, NONCE, CIPHERTEXT + TAG, _flip(AAD, 0), id="another-aad"),
        pytest.param(KEY, NONCE, CIPHERTEXT + TAG, b"", id="no-aad"),
        pytest.param(KEY, NONCE, CIPHERTEXT, AAD, id="tag-cut-off"),
    ],
)
def test_any_altered_input_fails_to_decrypt(
    key: bytes, nonce: bytes, sealed: bytes, aad: bytes
) -> None:
    with pytest.raises(VerificationFailure, match="authentication tag does not match") as caught:
        aead.decrypt(key, nonce, sealed, aad)
    assert caught.value.position == "aead"


def test_a_ciphertext_shorter_than_the_tag_is_refused() -> None:
    with pytest.raises(VerificationFailure, match="15 bytes, shorter than the 16-byte tag"):
        aead.decrypt(KEY, NONCE, TAG[:15], AAD)


@pytest.mark.parametrize(
    ("key", "nonce", "message"),
    [
        (KEY[:31], NONCE, "key must be 32 bytes, found 31"),
        (KEY, NONCE[:12], "nonce must be 24 bytes, found 12"),
    ],
)
def test_a_key_or_nonce_of_the_wrong_size_is_refused(
    key: bytes, nonce: bytes, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        aead.encrypt(key, nonce, PLAINTEXT, AAD)
    with pytest.raises(InvalidInput, match=message):
        aead.decrypt(key, nonce, CIPHERTEXT + TAG, AAD)


@given(
    key=st.binary(min_size=32, max_size=32),
    nonce=st.binary(min_size=24, max_size=24),
    plaintext=st.binary(max_size=512),
    aad=st.binary(max_size=64),
)
def test_whatever_is_encrypted_decrypts_back_with_a_tag_added(
    key: bytes, nonce: bytes, plaintext: bytes, aad: bytes
) -> None:
    sealed = aead.encrypt(key, nonce, plaintext, aad)
    assert len(sealed) == len(plaintext) + aead.TAG_SIZE
    assert aead.decrypt(key, nonce, sealed, aad) == plaintext
