"""Shares not all on one polynomial (C6): the reveal looks for a set that rebuilds the key."""

from __future__ import annotations

import itertools

import pytest
from nacl.public import PrivateKey

from ledger.crypto import shamir
from ledger.crypto.sealing import (
    KeyShare,
    OpeningOfficial,
    SealedBid,
    open_share,
    rebuild_key,
    reveal,
    seal_bid,
    share_sets,
)
from ledger.errors import VerificationFailure
from tests.support.faulty_bids import data_key_of, with_share_from_another_polynomial

KEYS = {f"official-{n}": PrivateKey(bytes([n]) * 32) for n in (1, 2, 3, 4)}
DOCUMENT = "投标报价：334,860.00 元".encode()


def _sealed(threshold: int) -> SealedBid:
    officials = [OpeningOfficial(party, bytes(key.public_key)) for party, key in KEYS.items()]
    return seal_bid(
        DOCUMENT, tender="T", lot="1", bidder="bidder-a", officials=officials, threshold=threshold
    )


def _off_polynomial(sealed: SealedBid, official: str) -> SealedBid:
    """``official``'s share of the same data key, cut from another polynomial."""
    honest = {name: KEYS[name] for name in KEYS if name != official}
    key = data_key_of(sealed, dict(itertools.islice(honest.items(), sealed.threshold)))
    return with_share_from_another_polynomial(sealed, key, official, KEYS[official].public_key)


def _opened(sealed: SealedBid, names: tuple[str, ...]) -> list[KeyShare]:
    return [open_share(sealed, official=n, private_key=KEYS[n]) for n in names]


def test_the_sets_are_all_shares_first_then_each_threshold_by_index() -> None:
    shares = [KeyShare(f"o{i}", i, shamir.Share(i, i)) for i in (3, 1, 2)]
    order = [tuple(k.index for k in subset) for subset in share_sets(shares, 2)]
    assert order == [(1, 2, 3), (1, 2), (1, 3), (2, 3)]
    assert [tuple(k.index for k in s) for s in share_sets(shares[:2], 2)] == [(1, 3)]


def test_a_bid_with_one_share_off_the_polynomial_opens_from_the_other_shares() -> None:
    bad = _off_polynomial(_sealed(threshold=2), "official-3")
    everyone = _opened(bad, tuple(KEYS))  # each share matches its own commitment
    assert reveal(bad, everyone) == DOCUMENT
    assert reveal(bad, _opened(bad, ("official-1", "official-2"))) == DOCUMENT
    assert reveal(bad, _opened(bad, ("official-3", "official-4", "official-1"))) == DOCUMENT


def test_a_bid_whose_handed_in_shares_include_no_consistent_set_is_unreadable() -> None:
    bad = _off_polynomial(_sealed(threshold=3), "official-2")
    with pytest.raises(VerificationFailure, match="C5 no 3 of the shares of 'official-1', "):
        reveal(bad, _opened(bad, ("official-1", "official-2", "official-3")))
    assert reveal(bad, _opened(bad, ("official-1", "official-3", "official-4"))) == DOCUMENT


def test_the_key_is_found_the_same_whatever_order_the_shares_come_in() -> None:
    bad = _off_polynomial(_sealed(threshold=2), "official-1")
    shares = _opened(bad, tuple(KEYS))
    keys = {rebuild_key(bad, list(order)) for order in itertools.permutations(shares)}
    assert len(keys) == 1
    assert keys == {data_key_of(bad, {n: KEYS[n] for n in ("official-2", "official-3")})}


def test_an_honest_bid_opens_from_every_set_of_threshold_shares() -> None:
    sealed = _sealed(threshold=3)
    for names in itertools.combinations(KEYS, 3):
        assert reveal(sealed, _opened(sealed, names)) == DOCUMENT
