"""Bid documents padded to a size class (V2), through the service on SQLite.

At the door the ledger sees only the ciphertext's length, and refuses one that is not a
size class; a padding that is malformed inside makes that bid unreadable at the reveal,
never the opening blocked.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from commands import seed
from commands.messages import CheckIn, SubmitBid
from commands.world import World
from ledger.crypto import aead
from ledger.crypto.sealing import OpeningOfficial, SealedBid, seal_bid
from ledger.errors import RuleViolation
from ledger.procedure.bid_document import encode_bid_document
from ledger.verification import verify_log
from tests.conftest import tender_of
from tests.support.bids import bid_document, sealed_bid
from tests.support.opening import (
    BidKey,
    BidSpec,
    close_decryption,
    hand_in_shares,
    reveal,
    start_and_decrypt,
    submit_bids,
)

HONEST: dict[BidKey, BidSpec] = {("1", seed.QXD): "334860.00", ("1", seed.RUNHUA): "401000.00"}
EARLY = seed.beijing("2021-01-14 09:00")


def _sealed_without_marker(world: World, monkeypatch: pytest.MonkeyPatch) -> SealedBid:
    """A bid whose document fills its class with zero bytes and has no 0x80 marker."""

    def unmarked(document: bytes) -> bytes:
        return document + bytes(1024 - len(document))

    tender = tender_of(world)
    officials = [
        OpeningOfficial(o["party"], bytes.fromhex(o["encryption_key"])) for o in tender.officials
    ]
    with monkeypatch.context() as patched:
        patched.setattr("ledger.crypto.padding.pad", unmarked)
        return seal_bid(
            encode_bid_document(bid_document("1", seed.SUPPLIER_B, "410000.00")),
            tender=str(tender.id),
            lot="1",
            bidder=seed.SUPPLIER_B,
            officials=officials,
            threshold=tender.threshold,
        )


def test_the_ledger_stores_ciphertexts_of_one_length_for_prices_of_different_lengths(
    published: World,
) -> None:
    tender = tender_of(published)
    cheap = sealed_bid(tender, "1", seed.QXD, "9.00")
    dear = sealed_bid(tender, "1", seed.RUNHUA, "555460.00", brand="润华教育装备", lines=[])
    published.clock.set(EARLY)
    for bidder, sealed in ((seed.QXD, cheap), (seed.RUNHUA, dear)):
        published.act(bidder, "bidder", SubmitBid(seed.CODE, "1", sealed))
    stored = [SealedBid.from_json(b.sealed) for b in tender_of(published).lots["1"].bids.values()]
    assert {len(s.ciphertext) for s in stored} == {1024 + aead.TAG_SIZE}


def test_a_ciphertext_of_no_size_class_is_refused_at_the_door(
    published: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr("ledger.crypto.padding.pad", lambda document: document)
        unpadded = sealed_bid(tender_of(published), "1", seed.QXD, "334860.00")
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=r"V2 .*a padded document of 1024, 2048, \.\.\."):
        published.act(seed.QXD, "bidder", SubmitBid(seed.CODE, "1", unpadded), at=EARLY)
    assert tender_of(published).version == before


def test_a_malformed_padding_makes_that_bid_unreadable_and_the_others_open(
    published: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = _sealed_without_marker(published, monkeypatch)
    published.act(seed.SUPPLIER_B, "bidder", SubmitBid(seed.CODE, "1", broken.to_json()), at=EARLY)
    published.act(seed.SUPPLIER_B, "bidder", CheckIn(seed.CODE, "1"))
    submit_bids(published, HONEST)
    start_and_decrypt(published, [*HONEST, ("1", seed.SUPPLIER_B)])
    close_decryption(published)
    hand_in_shares(published)
    reveal(published)
    bids = tender_of(published).lots["1"].bids
    assert bids[seed.QXD].price == Decimal("334860.00")
    assert bids[seed.RUNHUA].price == Decimal("401000.00")
    unreadable = bids[seed.SUPPLIER_B]
    assert (unreadable.status, unreadable.price, unreadable.valid) == ("revealed", None, False)
    assert "V2 the document's padding" in unreadable.invalid[0]["detail"]
    verify_log(published.service.store)
