"""Bid documents padded to a size class before encryption, so length hides the price (V2).

A document of ``n`` bytes is padded to the smallest size class of at least ``n + 1`` bytes
with ISO/IEC 7816-4 padding as libsodium implements it (``sodium_pad``): one byte 0x80,
then zero bytes up to the class. The classes are the powers of two from 1 KiB to 8 MiB, so
a ciphertext's length says the document's size only within a factor of two. Unpadding
refuses a length that is not a class and a block without the 0x80 marker after the last
non-zero byte: :class:`VerificationFailure`, so a bid padded wrongly is unreadable, like
one that does not decrypt.
"""

from __future__ import annotations

from nacl import bindings
from nacl.exceptions import CryptoError

from ledger.errors import InvalidInput, VerificationFailure

SMALLEST_CLASS = 2**10  # 1 KiB
LARGEST_CLASS = 2**23  # 8 MiB: its ciphertext, in base64, fits a signed command
SIZE_CLASSES: tuple[int, ...] = tuple(2**k for k in range(10, 24))

__all__ = ["LARGEST_CLASS", "SIZE_CLASSES", "SMALLEST_CLASS", "pad", "size_class", "unpad"]


def size_class(length: int) -> int:
    """The class a document of ``length`` bytes is padded to: room for at least one byte."""
    for size in SIZE_CLASSES:
        if length < size:
            return size
    raise InvalidInput(
        f"a bid document of {length} bytes is too large: at most {LARGEST_CLASS - 1} bytes"
    )


def pad(document: bytes) -> bytes:
    """``document`` ‖ 0x80 ‖ zero bytes, exactly :func:`size_class` bytes long."""
    size = size_class(len(document))
    padded = bytes(bindings.sodium_pad(document, size))
    if len(padded) != size:  # sodium_pad adds 1..size bytes: one class, never two
        raise InvalidInput(f"padding gave {len(padded)} bytes, not the class {size}")
    return padded


def unpad(padded: bytes) -> bytes:
    """The document inside a padded block; :class:`VerificationFailure` if it is malformed."""
    if len(padded) not in SIZE_CLASSES:
        raise VerificationFailure(
            "padding", f"{len(padded)} bytes is not a size class (powers of two, 1 KiB-8 MiB)"
        )
    try:
        return bytes(bindings.sodium_unpad(padded, len(padded)))
    except CryptoError as exc:
        raise VerificationFailure(
            "padding", "the block does not end in 0x80 followed only by zero bytes"
        ) from exc
