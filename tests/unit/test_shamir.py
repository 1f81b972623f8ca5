"""Shamir sharing over p = 2**521 - 1: pinned shares, reconstruction, and secrecy below k."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.crypto import shamir
from ledger.crypto.shamir import PRIME, Share
from ledger.errors import InvalidInput, VerificationFailure

SECRET = bytes(range(32))
S = int.from_bytes(SECRET, "big")  # 0x000102...1f


def _drawing(values: Iterable[int]) -> Callable[[int], int]:
    """A randbelow that hands out ``values`` in order and checks it is asked for the field."""
    pending = iter(values)

    def randbelow(bound: int) -> int:
        assert bound == PRIME
        return next(pending)

    return randbelow


def test_the_prime_is_the_mersenne_prime_2_521_minus_1() -> None:
    assert PRIME == 2**521 - 1
    assert PRIME.bit_length() == 521
    assert pow(3, PRIME - 1, PRIME) == 1


def test_shares_are_pinned_for_small_coefficients() -> None:
    # f(x) = S + 5x + 7x^2, no reduction needed: f(1..5) = S + 12, 38, 78, 132, 200
    shares = shamir.split(SECRET, threshold=3, count=5, randbelow=_drawing([5, 7]))
    assert [s.index for s in shares] == [1, 2, 3, 4, 5]
    assert [s.value - S for s in shares] == [5 * x + 7 * x * x for x in range(1, 6)]
    assert [s.value - S for s in shares] == [12, 38, 78, 132, 200]
    assert shares[0].to_hex() == (
        "0001"
        "00000000000000000000000000000000000000000000000000000000000000000000"
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e2b"
    )
    assert shares[0].to_hex() == "0001" + "00" * 34 + (S + 12).to_bytes(32, "big").hex()
    assert shares[4].to_hex()[-4:] == "1ee7"  # 0x1f + 200 = 0xe7


def test_shares_are_pinned_when_coefficients_wrap_around_the_prime() -> None:
    # coefficients p-1 and p-2 are -1 and -2: f(x) = S - x - 2x^2 (mod p)
    shares = shamir.split(SECRET, threshold=3, count=5, randbelow=_drawing([PRIME - 1, PRIME - 2]))
    assert [s.value for s in shares] == [S - 3, S - 10, S - 21, S - 36, S - 55]


def test_shares_are_pinned_when_values_reduce_modulo_the_prime() -> None:
    # secret s = 2**256 - 1, coefficient p - s: f(x) = s + x(p - s) = s(1 - x) (mod p)
    s = 2**256 - 1
    shares = shamir.split(b"\xff" * 32, threshold=2, count=3, randbelow=_drawing([PRIME - s]))
    assert [sh.value for sh in shares] == [0, PRIME - s, PRIME - 2 * s]
    assert [sh.to_hex() for sh in shares] == [
        "0001" + "00" * 66,
        "0002" + "01" + "ff" * 33 + "00" * 32,
        "0003" + "01" + "ff" * 32 + "fe" + "00" * 31 + "01",
    ]
    assert shamir.combine(shares[1:]) == b"\xff" * 32


def test_any_threshold_of_the_shares_gives_the_secret_back() -> None:
    shares = shamir.split(SECRET, threshold=3, count=5)
    for size in (3, 4, 5):
        for subset in itertools.permutations(shares, size):
            assert shamir.combine(subset) == SECRET


@given(
    secret=st.binary(min_size=32, max_size=32),
    sizes=st.integers(2, 7).flatmap(lambda k: st.tuples(st.just(k), st.integers(k, 9))),
    data=st.data(),
)
def test_any_threshold_subset_reconstructs_any_secret(
    secret: bytes, sizes: tuple[int, int], data: st.DataObject
) -> None:
    threshold, count = sizes
    shares = shamir.split(secret, threshold=threshold, count=count)
    subset = data.draw(st.permutations(shares)).copy()[:threshold]
    assert shamir.combine(subset) == secret


def _solve_mod_p(matrix: list[list[int]], target: list[int]) -> list[int]:
    """Gauss-Jordan elimination over GF(p); the reference for the secrecy test."""
    rows = [[*row, t] for row, t in zip(matrix, target, strict=True)]
    size = len(rows)
    for col in range(size):
        pivot = next(r for r in range(col, size) if rows[r][col] % PRIME)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        inverse = pow(rows[col][col], -1, PRIME)
        rows[col] = [v * inverse % PRIME for v in rows[col]]
        for r in range(size):
            if r != col and rows[r][col]:
                factor = rows[r][col]
                rows[r] = [
                    (a - factor * b) % PRIME for a, b in zip(rows[r], rows[col], strict=True)
                ]
    return [row[-1] for row in rows]


@given(
    secret=st.binary(min_size=32, max_size=32),
    other=st.binary(min_size=32, max_size=32),
    sizes=st.integers(2, 6).flatmap(lambda k: st.tuples(st.just(k), st.integers(k, 8))),
    data=st.data(),
)
def test_fewer_than_threshold_shares_fit_every_other_secret_equally(
    secret: bytes, other: bytes, sizes: tuple[int, int], data: st.DataObject
) -> None:
    """k-1 shares of ``secret`` are exactly what some polynomial for ``other`` would give."""
    threshold, count = sizes
    shares = shamir.split(secret, threshold=threshold, count=count)
    seen = data.draw(st.permutations(shares)).copy()[: threshold - 1]
    base = int.from_bytes(other, "big")
    # other + c1 x + ... + c_{k-1} x^{k-1} = y at each seen x: solve for c1..c_{k-1}
    matrix = [[pow(s.index, j, PRIME) for j in range(1, threshold)] for s in seen]
    coefficients = _solve_mod_p(matrix, [(s.value - base) % PRIME for s in seen])
    forged = shamir.split(other, threshold=threshold, count=count, randbelow=_drawing(coefficients))
    assert [forged[s.index - 1] for s in seen] == seen


@given(secret=st.binary(min_size=32, max_size=32), threshold=st.integers(2, 6))
def test_fewer_than_threshold_shares_do_not_combine_to_the_secret(
    secret: bytes, threshold: int
) -> None:
    shares = shamir.split(secret, threshold=threshold, count=threshold)
    assert _combine_or_none(shares[:-1]) != secret


def _combine_or_none(shares: list[Share]) -> bytes | None:
    try:
        return shamir.combine(shares)
    except VerificationFailure:
        return None


@pytest.mark.parametrize(
    ("shares", "error", "message"),
    [
        ([], InvalidInput, "no shares to combine"),
        ([Share(1, 5), Share(1, 5)], InvalidInput, "share index 1 is given twice"),
        ([Share(0, 5), Share(1, 5)], InvalidInput, r"share index must be in 1\.\.65535, found 0"),
        ([Share(1, PRIME), Share(2, 5)], InvalidInput, "share 1 has a value outside the field"),
        ([Share(1, -1), Share(2, 5)], InvalidInput, "share 1 has a value outside the field"),
        ([Share(1, 2**256), Share(2, 2**256)], VerificationFailure, "do not interpolate"),
    ],
)
def test_combine_refuses_bad_shares_with_a_reason(
    shares: list[Share], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        shamir.combine(shares)


@pytest.mark.parametrize(
    ("secret", "threshold", "count", "message"),
    [
        (SECRET[:31], 2, 3, "the secret must be 32 bytes, found 31"),
        (SECRET, 1, 3, "need 2 <= threshold <= count, found 1 of 3"),
        (SECRET, 4, 3, "need 2 <= threshold <= count, found 4 of 3"),
        (SECRET, 2, 65536, "at most 65535 shares, found 65536"),
    ],
)
def test_split_refuses_bad_parameters_with_a_reason(
    secret: bytes, threshold: int, count: int, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        shamir.split(secret, threshold=threshold, count=count)


def test_split_refuses_a_coefficient_outside_the_field() -> None:
    with pytest.raises(InvalidInput, match="coefficient 1 is outside the field"):
        shamir.split(SECRET, threshold=2, count=2, randbelow=_drawing([PRIME]))


@given(index=st.integers(1, 65535), value=st.integers(0, PRIME - 1))
def test_a_share_survives_its_hex_encoding(index: int, value: int) -> None:
    text = Share(index, value).to_hex()
    assert len(text) == 136
    assert Share.from_hex(text) == Share(index, value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("00" * 67, "a share is 136 lower-case hex characters"),
        ("0001" + "AB" * 66, "a share is lower-case hex only"),
        ("0000" + "00" * 66, "share index must be in 1..65535, found 0"),
        ("0001" + "03" + "ff" * 65, "share 1 has a value outside the field"),
    ],
)
def test_a_malformed_share_encoding_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Share.from_hex(text)


def test_a_share_value_stays_out_of_its_repr() -> None:
    assert repr(Share(3, 123456789)) == "Share(index=3)"
