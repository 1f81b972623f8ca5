"""The opening (§23, C1, C3-C5), through the service on a real SQLite file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from commands import seed
from commands.messages import (
    AuthoriseDecryption,
    CheckIn,
    RecordDecryptionFailure,
    RevealBids,
    SignOpeningRecord,
    StartOpening,
    SubmitBid,
    SubmitKeyShares,
)
from commands.world import World
from ledger.crypto.sealing import OpeningOfficial, seal_bid
from ledger.errors import RuleViolation
from ledger.procedure.tender import reveal as reveal_module
from tests.conftest import tender_of
from tests.support.bids import bid_document
from tests.support.opening import (
    CLOSE_AT,
    DECRYPTION_AT,
    OPENING_AT,
    REVEAL_AT,
    SHARES_AT,
    BidKey,
    BidSpec,
    close_decryption,
    hand_in_shares,
    open_tender,
    reveal,
    shares_of,
    start_and_decrypt,
    submit_bids,
)

LOT_1: dict[BidKey, BidSpec] = {
    ("1", seed.QXD): {"total": "334860.00", "small_or_micro": True},
    ("1", seed.RUNHUA): "401000.00",
    ("1", seed.SUPPLIER_A): "420000.00",
}


def _last_facts(world: World) -> dict[str, Any]:
    tender = tender_of(world)
    facts: dict[str, Any] = world.service.store.event_at(tender.id, tender.version).facts
    return facts


def test_opening_before_the_deadline_is_refused_and_nothing_is_written(published: World) -> None:
    submit_bids(published, LOT_1)
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=r"§23\.2 .*09:30"):
        published.act(
            seed.AGENCY, "agency", StartOpening(seed.CODE), at=seed.beijing("2021-01-15 09:29")
        )
    assert tender_of(published).version == before
    assert tender_of(published).opening_started_at is None


def test_an_absent_bidders_bid_is_not_accepted_at_the_opening(published: World) -> None:
    submit_bids(published, LOT_1, absent={("1", seed.SUPPLIER_A)})
    published.act(seed.AGENCY, "agency", StartOpening(seed.CODE), at=OPENING_AT)
    facts = _last_facts(published)
    assert facts["announced"]["1"] == sorted([seed.QXD, seed.RUNHUA])
    assert facts["absent"]["1"] == [seed.SUPPLIER_A]
    bid = tender_of(published).lots["1"].bids[seed.SUPPLIER_A]
    assert (bid.status, bid.returned_cause) == (
        "returned",
        "§23.1(3) (a bid whose bidder did not check in is not accepted): absent from the opening",
    )
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=r"§23\.2\(3\).*absent"):
        published.act(
            seed.SUPPLIER_A, "bidder", AuthoriseDecryption(seed.CODE, "1"), at=DECRYPTION_AT
        )
    assert tender_of(published).version == before


def test_authorising_decryption_after_the_decryption_time_is_refused(published: World) -> None:
    submit_bids(published, LOT_1)
    start_and_decrypt(published, [("1", seed.QXD)])
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=r"§23\.2\(3\).*closed at 2021-01-15T10:00"):
        published.act(seed.RUNHUA, "bidder", AuthoriseDecryption(seed.CODE, "1"), at=CLOSE_AT)
    assert tender_of(published).version == before
    assert tender_of(published).lots["1"].bids[seed.RUNHUA].status == "sealed"


def test_a_bid_not_decrypted_in_time_is_returned_and_a_platform_failure_is_recorded_as_withdrawn(
    published: World,
) -> None:
    submit_bids(published, LOT_1)
    start_and_decrypt(published, [("1", seed.QXD)])
    published.act(
        seed.AGENCY,
        "agency",
        RecordDecryptionFailure(seed.CODE, "1", seed.RUNHUA, "平台解密服务故障"),
        at=seed.beijing("2021-01-15 09:50"),
    )
    close_decryption(published)
    assert _last_facts(published)["returned"] == {"1": [seed.SUPPLIER_A], "2": [], "3": []}
    bids = tender_of(published).lots["1"].bids
    assert bids[seed.QXD].status == "authorised"
    assert (bids[seed.RUNHUA].status, bids[seed.RUNHUA].returned_cause) == (
        "returned",
        "C3 (a decryption failure not of the bidder's making is recorded as such (撤回)): "
        "平台解密服务故障",
    )
    assert (bids[seed.SUPPLIER_A].status, bids[seed.SUPPLIER_A].returned_cause) == (
        "returned",
        "§23.2(4) (bids not decrypted in time are returned (撤销)): not decrypted in time",
    )


def test_a_key_share_before_the_decryption_time_closes_is_refused(published: World) -> None:
    submit_bids(published, LOT_1)
    start_and_decrypt(published, LOT_1)
    early = shares_of(published, seed.AGENCY)
    assert len(early.shares) == 3  # the official could unwrap them: the ledger must not take them
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=r"C4"):
        published.act(seed.AGENCY, "official", early, at=seed.beijing("2021-01-15 09:50"))
    assert tender_of(published).version == before
    assert tender_of(published).key_shares == {}


def test_a_share_that_does_not_match_its_commitment_is_refused_naming_the_official(
    published: World,
) -> None:
    submit_bids(published, LOT_1)
    start_and_decrypt(published, LOT_1)
    close_decryption(published)
    shares = [dict(item) for item in shares_of(published, seed.AGENCY).shares]
    shares[0]["share"], shares[1]["share"] = shares[1]["share"], shares[0]["share"]
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=rf"C5.*official {seed.AGENCY}, lot 1, bidder"):
        published.act(
            seed.AGENCY, "official", SubmitKeyShares(seed.CODE, tuple(shares)), at=SHARES_AT
        )
    assert tender_of(published).version == before


def test_shares_must_cover_every_authorised_bid_at_once(published: World) -> None:
    submit_bids(published, LOT_1)
    start_and_decrypt(published, LOT_1)
    close_decryption(published)
    one = shares_of(published, seed.AGENCY).shares[:1]
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=r"C4.*missing 1/"):
        published.act(seed.AGENCY, "official", SubmitKeyShares(seed.CODE, one), at=SHARES_AT)
    assert tender_of(published).version == before


def test_revealing_with_only_one_officials_shares_is_refused(published: World) -> None:
    submit_bids(published, LOT_1)
    start_and_decrypt(published, LOT_1)
    close_decryption(published)
    hand_in_shares(published, [seed.AGENCY])
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=r"C1.*1 official\(s\).*2 are needed"):
        published.act(seed.AGENCY, "agency", RevealBids(seed.CODE), at=REVEAL_AT)
    assert tender_of(published).version == before
    assert all(
        bid.price is None and bid.document is None
        for bid in tender_of(published).lots["1"].bids.values()
    )


def test_after_the_reveal_every_authorised_price_is_readable_and_equals_what_was_sealed(
    published: World,
) -> None:
    tender = open_tender(published, {**LOT_1, ("2", seed.RUNHUA): "400000.00"})
    facts = _last_facts(published)
    assert set(facts["bids"]) == {"1", "2"}  # every bid in one event (C4)
    assert {lot: bids[seed.RUNHUA]["price"] for lot, bids in facts["bids"].items()} == {
        "1": "401000.00",
        "2": "400000.00",
    }
    prices = {
        (bid.lot, bid.bidder): bid.price
        for lot in tender.lots.values()
        for bid in lot.bids.values()
    }
    assert prices == {
        ("1", seed.QXD): Decimal("334860.00"),
        ("1", seed.RUNHUA): Decimal("401000.00"),
        ("1", seed.SUPPLIER_A): Decimal("420000.00"),
        ("2", seed.RUNHUA): Decimal("400000.00"),
    }
    qxd = tender.lots["1"].bids[seed.QXD]
    assert qxd.document == bid_document("1", seed.QXD, "334860.00", small_or_micro=True)
    assert (qxd.status, qxd.invalid, qxd.valid) == ("revealed", [], True)
    assert tender.lots["1"].status == "opened"
    assert tender.lots["1"].opening_record == tender.head


def test_a_price_above_the_ceiling_is_marked_invalid_under_11_6(published: World) -> None:
    tender = open_tender(published, {**LOT_1, ("1", seed.SUPPLIER_B): "600000.00"})
    bid = tender.lots["1"].bids[seed.SUPPLIER_B]
    assert bid.status == "revealed"
    assert bid.price == Decimal("600000.00")
    assert bid.invalid == [
        {"rule": "PRICE_CEILING", "detail": "price 600000.00 above the ceiling 555460.00"}
    ]
    assert not bid.valid
    assert _last_facts(published)["over_ceiling"] == {"1": [seed.SUPPLIER_B]}


def test_a_returned_bid_is_never_revealed(published: World) -> None:
    tender = open_tender(
        published,
        {**LOT_1, ("1", seed.SUPPLIER_B): "410000.00"},
        absent={("1", seed.SUPPLIER_A)},
        skip_decryption={("1", seed.SUPPLIER_B)},
    )
    facts = _last_facts(published)
    assert set(facts["bids"]["1"]) == {seed.QXD, seed.RUNHUA}
    for bidder in (seed.SUPPLIER_A, seed.SUPPLIER_B):
        bid = tender.lots["1"].bids[bidder]
        assert (bid.status, bid.price, bid.document) == ("returned", None, None)
        assert all(bidder not in shares["1"] for shares in tender.key_shares.values())


def test_a_sealed_bid_that_does_not_open_into_a_document_is_invalid_and_the_others_are_read(
    published: World,
) -> None:
    tender = tender_of(published)
    officials = [
        OpeningOfficial(o["party"], bytes.fromhex(o["encryption_key"])) for o in tender.officials
    ]
    garbage = seal_bid(
        b"not a bid document",
        tender=str(tender.id),
        lot="2",
        bidder=seed.SUPPLIER_C,
        officials=officials,
        threshold=tender.threshold,
    )
    published.act(
        seed.SUPPLIER_C,
        "bidder",
        SubmitBid(seed.CODE, "2", garbage.to_json()),
        at=seed.beijing("2021-01-14 09:00"),
    )
    published.act(seed.SUPPLIER_C, "bidder", CheckIn(seed.CODE, "2"))
    submit_bids(published, LOT_1)
    start_and_decrypt(published, [*LOT_1, ("2", seed.SUPPLIER_C)])
    close_decryption(published)
    hand_in_shares(published)
    reveal(published)
    lots = tender_of(published).lots
    assert lots["1"].bids[seed.QXD].price == Decimal("334860.00")
    broken = lots["2"].bids[seed.SUPPLIER_C]
    assert (broken.status, broken.price, broken.valid) == ("revealed", None, False)
    assert broken.invalid[0]["rule"] == "SEALED_AND_SIGNED"
    assert broken.invalid[0]["detail"].startswith("the sealed bid does not open")
    assert _last_facts(published)["unreadable"] == {"2": [seed.SUPPLIER_C]}


def test_bidders_sign_the_opening_record_once(published: World) -> None:
    open_tender(published, LOT_1)
    published.act(seed.QXD, "bidder", SignOpeningRecord(seed.CODE, "1"))
    lot = tender_of(published).lots["1"]
    assert lot.opening_signers == {seed.QXD}
    assert _last_facts(published)["opening_record"] == lot.opening_record
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=r"§23\.2\(7\)"):
        published.act(seed.QXD, "bidder", SignOpeningRecord(seed.CODE, "1"))
    with pytest.raises(RuleViolation, match=r"§23\.2\(7\)"):
        published.act(seed.SUPPLIER_D, "bidder", SignOpeningRecord(seed.CODE, "1"))
    assert tender_of(published).version == before


def test_replay_rebuilds_the_revealed_bids_from_facts_without_decrypting(
    published: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_tender(published, LOT_1)

    def refuse(*_: object) -> bytes:
        raise AssertionError("replay must not decrypt")

    monkeypatch.setattr(reveal_module, "reveal", refuse)
    assert tender_of(published).lots["1"].bids[seed.RUNHUA].price == Decimal("401000.00")


def test_the_opening_steps_come_in_order(published: World) -> None:
    submit_bids(published, LOT_1)
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=r"lifecycle.*StartOpening must come first"):
        published.act(seed.QXD, "bidder", AuthoriseDecryption(seed.CODE, "1"), at=OPENING_AT)
    with pytest.raises(RuleViolation, match=r"lifecycle.*StartOpening must come first"):
        reveal(published)
    assert tender_of(published).version == before
