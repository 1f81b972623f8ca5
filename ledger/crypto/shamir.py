"""Shamir k-of-n secret sharing of a 32-byte secret over the prime field p = 2**521 - 1.

The secret, read as a big-endian integer, is the constant term of a random polynomial
of degree ``threshold - 1``; share ``i`` (1..count) is the polynomial's value at ``i``.
Any ``threshold`` shares give the secret back by Lagrange interpolation at 0; fewer
shares are consistent with every possible secret, so they say nothing about it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ledger.errors import InvalidInput, VerificationFailure

PRIME = 2**521 - 1
SECRET_SIZE = 32
INDEX_SIZE = 2
VALUE_SIZE = 66  # ceil(521 / 8)
MAX_SHARES = 2 ** (8 * INDEX_SIZE) - 1
_HEX_LENGTH = 2 * (INDEX_SIZE + VALUE_SIZE)
_LOWER_HEX = re.compile(r"[0-9a-f]*")

__all__ = ["MAX_SHARES", "PRIME", "SECRET_SIZE", "Share", "combine", "split"]


@dataclass(frozen=True)
class Share:
    """One point (index, value) of the sharing polynomial; the value is kept out of repr."""

    index: int
    value: int = field(repr=False)

    def to_hex(self) -> str:
        """Fixed width, lower-case: 2-byte index then 66-byte value, both big-endian."""
        _check_share(self)
        raw = self.index.to_bytes(INDEX_SIZE, "big") + self.value.to_bytes(VALUE_SIZE, "big")
        return raw.hex()

    @classmethod
    def from_hex(cls, text: str) -> Share:
        """Parse :meth:`to_hex` output; anything else raises :class:`InvalidInput`."""
        if not isinstance(text, str) or len(text) != _HEX_LENGTH:
            raise InvalidInput(f"a share is {_HEX_LENGTH} lower-case hex characters")
        if not _LOWER_HEX.fullmatch(text):
            raise InvalidInput("a share is lower-case hex only")
        raw = bytes.fromhex(text)
        share = cls(
            index=int.from_bytes(raw[:INDEX_SIZE], "big"),
            value=int.from_bytes(raw[INDEX_SIZE:], "big"),
        )
        _check_share(share)
        return share


def split(
    secret: bytes,
    *,
    threshold: int,
    count: int,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> list[Share]:
    """Split ``secret`` into ``count`` shares, any ``threshold`` of which recover it.

    Preconditions: ``secret`` is 32 bytes; 2 <= threshold <= count <= 65535 (a threshold
    of 1 would hand the secret to every holder). ``randbelow(PRIME)`` draws each of the
    ``threshold - 1`` higher coefficients, in order of rising degree.
    """
    if len(secret) != SECRET_SIZE:
        raise InvalidInput(f"the secret must be {SECRET_SIZE} bytes, found {len(secret)}")
    if not 2 <= threshold <= count:
        raise InvalidInput(f"need 2 <= threshold <= count, found {threshold} of {count}")
    if count > MAX_SHARES:
        raise InvalidInput(f"at most {MAX_SHARES} shares, found {count}")
    coefficients = [int.from_bytes(secret, "big")]
    for degree in range(1, threshold):
        drawn = randbelow(PRIME)
        if not 0 <= drawn < PRIME:
            raise InvalidInput(f"coefficient {degree} is outside the field: {drawn}")
        coefficients.append(drawn)
    return [Share(index=x, value=_evaluate(coefficients, x)) for x in range(1, count + 1)]


def combine(shares: Sequence[Share]) -> bytes:
    """Interpolate the shares at 0 and return the 32-byte secret.

    Raises :class:`InvalidInput` for no shares, an index outside 1..65535, a repeated
    index or a value outside the field; :class:`VerificationFailure` if the result is
    not a 32-byte secret (too few or inconsistent shares).
    """
    if not shares:
        raise InvalidInput("no shares to combine")
    seen: set[int] = set()
    for share in shares:
        _check_share(share)
        if share.index in seen:
            raise InvalidInput(f"share index {share.index} is given twice")
        seen.add(share.index)
    secret = _interpolate_at_zero(shares)
    if secret >= 2 ** (8 * SECRET_SIZE):
        raise VerificationFailure(
            "shamir", f"the {len(shares)} shares do not interpolate to a {SECRET_SIZE}-byte secret"
        )
    return secret.to_bytes(SECRET_SIZE, "big")


def _evaluate(coefficients: Sequence[int], x: int) -> int:
    result = 0
    for coefficient in reversed(coefficients):
        result = (result * x + coefficient) % PRIME
    return result


def _interpolate_at_zero(shares: Sequence[Share]) -> int:
    total = 0
    for share in shares:
        numerator, denominator = 1, 1
        for other in shares:
            if other.index != share.index:
                numerator = numerator * other.index % PRIME
                denominator = denominator * (other.index - share.index) % PRIME
        total = (total + share.value * numerator * pow(denominator, -1, PRIME)) % PRIME
    return total


def _check_share(share: Share) -> None:
    if not 1 <= share.index <= MAX_SHARES:
        raise InvalidInput(f"share index must be in 1..{MAX_SHARES}, found {share.index}")
    if not 0 <= share.value < PRIME:
        raise InvalidInput(f"share {share.index} has a value outside the field 0..2**521-2")
