"""An opening no bid can block (C6) and padded bids (V2), through the service on SQLite.

A bidder may seal shares that an official cannot open (right names, wrong keys), or shares
that are not on one polynomial. The official declares what it cannot open; that bid alone
is set aside and returned (§23.2(4)) or read from a consistent set of shares; the others
open, and `verify` re-executes every step to the same facts.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from decimal import Decimal
from typing import Any

import pytest

from commands import seed
from commands.messages import CheckIn, SubmitBid, SubmitKeyShares
from commands.world import World
from ledger.crypto.sealing import OpeningOfficial, SealedBid, seal_bid, share_plaintext
from ledger.errors import InvalidInput, RuleViolation
from ledger.procedure.bid_document import encode_bid_document
from ledger.procedure.state import TenderState
from ledger.procedure.tender.unopenable import UnopenableShare
from ledger.verification import verify_log
from tests.conftest import tender_of
from tests.support.bids import bid_document
from tests.support.faulty_bids import (
    data_key_of,
    sealed_to_wrong_keys,
    with_share_from_another_polynomial,
    with_share_plaintext,
)
from tests.support.opening import (
    BidKey,
    BidSpec,
    close_decryption,
    hand_in_shares,
    reveal,
    shares_of,
    start_and_decrypt,
    submit_bids,
)

HONEST: dict[BidKey, BidSpec] = {
    ("1", seed.QXD): "334860.00",
    ("1", seed.RUNHUA): "401000.00",
    ("1", seed.SUPPLIER_A): "420000.00",
}
FAULTY = ("1", seed.SUPPLIER_B)
EVERYONE = (seed.AGENCY, seed.PURCHASER, seed.REGULATOR)


def _officials(tender: TenderState) -> list[OpeningOfficial]:
    return [
        OpeningOfficial(o["party"], bytes.fromhex(o["encryption_key"])) for o in tender.officials
    ]


def _document(total: str = "410000.00") -> bytes:
    return encode_bid_document(bid_document(*FAULTY, total))


def _submit(world: World, sealed: SealedBid) -> None:
    """The faulty bid goes in first, on the eve of the deadline, and its bidder checks in."""
    lot, bidder = FAULTY
    at = seed.beijing("2021-01-14 09:00")
    world.act(bidder, "bidder", SubmitBid(seed.CODE, lot, sealed.to_json()), at=at)
    world.act(bidder, "bidder", CheckIn(seed.CODE, lot))


def _to_wrong_keys(world: World, wrong: set[str]) -> SealedBid:
    tender = tender_of(world)
    return sealed_to_wrong_keys(
        _document(),
        tender=str(tender.id),
        lot=FAULTY[0],
        bidder=FAULTY[1],
        officials=_officials(tender),
        wrong=wrong,
        threshold=tender.threshold,
    )


def _honest(world: World) -> SealedBid:
    tender = tender_of(world)
    return seal_bid(
        _document(),
        tender=str(tender.id),
        lot=FAULTY[0],
        bidder=FAULTY[1],
        officials=_officials(tender),
        threshold=tender.threshold,
    )


def _box_key(world: World, official: str) -> Any:
    key = world.parties[official].box_key
    assert key is not None
    return key


def _open_with(world: World, faulty: SealedBid, officials: tuple[str, ...]) -> TenderState:
    _submit(world, faulty)
    submit_bids(world, HONEST)
    start_and_decrypt(world, [*HONEST, FAULTY])
    close_decryption(world)
    hand_in_shares(world, officials)
    reveal(world)
    return tender_of(world)


def _facts(world: World, kind: str) -> dict[str, Any]:
    tender = tender_of(world)
    store = world.service.store
    events = [store.event_at(tender.id, v) for v in range(1, tender.version + 1)]
    facts: dict[str, Any] = next(e for e in reversed(events) if e.type == kind).facts
    return facts


def _assert_honest_bids_revealed(tender: TenderState) -> None:
    prices = {key: tender.lots[key[0]].bids[key[1]].price for key in HONEST}
    assert prices == {key: Decimal(str(total)) for key, total in HONEST.items()}


def test_a_bid_sealed_to_the_right_names_with_wrong_keys_is_returned_and_the_others_open(
    published: World,
) -> None:
    tender = _open_with(published, _to_wrong_keys(published, set(EVERYONE)), EVERYONE[::2])
    _assert_honest_bids_revealed(tender)
    faulty = tender.lots["1"].bids[seed.SUPPLIER_B]
    assert (faulty.status, faulty.price, faulty.document) == ("returned", None, None)
    assert faulty.returned_cause is not None
    assert faulty.returned_cause.startswith("§23.2(4) ")
    returned = _facts(published, "BidsRevealed")["returned"]
    assert returned == {
        "1": {
            seed.SUPPLIER_B: {
                "rule": "UNOPENABLE_BID_RETURNED",
                "detail": "0 share(s) handed in (none), 2 needed; declared unopenable by "
                + ", ".join(sorted((seed.AGENCY, seed.REGULATOR))),
            }
        }
    }
    declared = _facts(published, "KeySharesSubmitted")["unopenable"]
    assert declared == [
        {
            "lot": "1",
            "bidder": seed.SUPPLIER_B,
            "failure": "does-not-unwrap",
            "evidence": "declared",
        }
    ]


def test_a_bid_with_one_share_sealed_to_a_wrong_key_opens_from_the_other_officials_shares(
    published: World,
) -> None:
    tender = _open_with(published, _to_wrong_keys(published, {seed.AGENCY}), EVERYONE)
    _assert_honest_bids_revealed(tender)
    assert tender.lots["1"].bids[seed.SUPPLIER_B].price == Decimal("410000.00")
    assert _facts(published, "BidsRevealed")["returned"] == {}


def test_the_same_bid_is_returned_when_only_the_official_who_cannot_open_it_and_one_other_hand_in(
    published: World,
) -> None:
    tender = _open_with(published, _to_wrong_keys(published, {seed.AGENCY}), EVERYONE[::2])
    _assert_honest_bids_revealed(tender)
    assert tender.lots["1"].bids[seed.SUPPLIER_B].status == "returned"
    detail = _facts(published, "BidsRevealed")["returned"]["1"][seed.SUPPLIER_B]["detail"]
    assert detail == (
        f"1 share(s) handed in ({seed.REGULATOR}), 2 needed; declared unopenable by {seed.AGENCY}"
    )


def _off_polynomial(world: World, official: str) -> SealedBid:
    sealed = _honest(world)
    others = {o: _box_key(world, o) for o in EVERYONE if o != official}
    key = data_key_of(sealed, others)
    return with_share_from_another_polynomial(
        sealed, key, official, _box_key(world, official).public_key
    )


def test_shares_not_on_one_polynomial_open_from_a_consistent_set_of_them(
    published: World,
) -> None:
    tender = _open_with(published, _off_polynomial(published, seed.PURCHASER), EVERYONE)
    _assert_honest_bids_revealed(tender)
    faulty = tender.lots["1"].bids[seed.SUPPLIER_B]
    assert (faulty.status, faulty.price, faulty.valid) == ("revealed", Decimal("410000.00"), True)


def test_shares_with_no_consistent_set_make_that_bid_unreadable_and_no_other(
    published: World,
) -> None:
    tender = _open_with(
        published, _off_polynomial(published, seed.PURCHASER), (seed.PURCHASER, seed.REGULATOR)
    )
    _assert_honest_bids_revealed(tender)
    faulty = tender.lots["1"].bids[seed.SUPPLIER_B]
    assert (faulty.status, faulty.price, faulty.valid) == ("revealed", None, False)
    assert faulty.invalid[0]["rule"] == "SEALED_AND_SIGNED"
    assert "C5 no 2 of the shares of" in faulty.invalid[0]["detail"]
    assert _facts(published, "BidsRevealed")["unreadable"] == {"1": [seed.SUPPLIER_B]}


def test_content_the_bidder_committed_to_that_is_not_its_share_is_proven_by_disclosure(
    published: World,
) -> None:
    sealed = _honest(published)
    wrong_index = share_plaintext(
        tender=sealed.tender,
        lot=sealed.lot,
        bidder=sealed.bidder,
        official=seed.AGENCY,
        index=3,
        share_hex="0003" + "00" * 66,
    )
    agency_key = _box_key(published, seed.AGENCY).public_key
    tender = _open_with(
        published, with_share_plaintext(sealed, seed.AGENCY, agency_key, wrong_index), EVERYONE
    )
    first = _facts(published, "BidsRevealed")
    assert tender.lots["1"].bids[seed.SUPPLIER_B].price == Decimal("410000.00")
    assert first["returned"] == {}
    store = published.service.store
    events = [store.event_at(tender.id, v) for v in range(1, tender.version + 1)]
    agency = next(e for e in events if e.type == "KeySharesSubmitted" and e.actor == seed.AGENCY)
    assert agency.facts["unopenable"] == [
        {
            "lot": "1",
            "bidder": seed.SUPPLIER_B,
            "failure": "not-this-bids-share",
            "evidence": "proven",
        }
    ]


def _ready_for_shares(world: World, faulty: SealedBid) -> None:
    _submit(world, faulty)
    submit_bids(world, HONEST)
    start_and_decrypt(world, [*HONEST, FAULTY])
    close_decryption(world)


def _declaring(world: World, official: str, **changes: Any) -> SubmitKeyShares:
    command = shares_of(world, official)
    assert command.unopenable is not None
    first = dataclasses.replace(command.unopenable[0], **changes)
    return dataclasses.replace(command, unopenable=(first, *command.unopenable[1:]))


def test_a_declaration_naming_another_sealed_box_is_refused(published: World) -> None:
    _ready_for_shares(published, _to_wrong_keys(published, {seed.AGENCY}))
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=r"C6 .*declares the share with SHA-256 0000"):
        published.act(
            seed.AGENCY, "official", _declaring(published, seed.AGENCY, wrapped_sha256="0" * 64)
        )
    with pytest.raises(InvalidInput, match="a share that does not unwrap has nothing to disclose"):
        published.act(seed.AGENCY, "official", _declaring(published, seed.AGENCY, disclosed="AAAA"))
    assert tender_of(published).version == before


def _declaration_of(world: World, official: str, bidder: str, **changes: Any) -> Any:
    sealed = SealedBid.from_json(tender_of(world).lots["1"].bids[bidder].sealed)
    entry = next(e for e in sealed.shares if e.official == official)
    declaration = UnopenableShare(
        "1", bidder, hashlib.sha256(entry.wrapped).hexdigest(), "does-not-unwrap"
    )
    return dataclasses.replace(declaration, **changes)


def test_a_share_both_handed_in_and_declared_is_refused(published: World) -> None:
    _ready_for_shares(published, _honest(published))
    honest = shares_of(published, seed.AGENCY)
    both = dataclasses.replace(
        honest, unopenable=(_declaration_of(published, seed.AGENCY, seed.QXD),)
    )
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=rf"C6 .*both hands in and declares .*1/{seed.QXD}"):
        published.act(seed.AGENCY, "official", both)
    assert tender_of(published).version == before


def test_disclosing_a_share_that_opens_as_committed_is_refused(published: World) -> None:
    _ready_for_shares(published, _honest(published))
    honest = shares_of(published, seed.AGENCY)
    share = next(s for s in honest.shares if s["bidder"] == seed.QXD)["share"]
    plaintext = share_plaintext(
        tender=str(tender_of(published).id),
        lot="1",
        bidder=seed.QXD,
        official=seed.AGENCY,
        index=share["index"],
        share_hex=share["share"],
    )
    declaration = _declaration_of(
        published,
        seed.AGENCY,
        seed.QXD,
        failure="not-this-bids-share",
        disclosed=base64.b64encode(plaintext).decode(),
    )
    lying = dataclasses.replace(
        honest,
        shares=tuple(s for s in honest.shares if s["bidder"] != seed.QXD),
        unopenable=(declaration,),
    )
    with pytest.raises(RuleViolation, match=r"C6 .*discloses its share of 1/.* as committed"):
        published.act(seed.AGENCY, "official", lying)


def test_one_officials_false_declaration_cannot_set_aside_a_bid_the_others_open(
    published: World,
) -> None:
    _ready_for_shares(published, _honest(published))
    honest = shares_of(published, seed.AGENCY)
    lying = dataclasses.replace(
        honest,
        shares=tuple(s for s in honest.shares if s["bidder"] != seed.QXD),
        unopenable=(_declaration_of(published, seed.AGENCY, seed.QXD),),
    )
    published.act(seed.AGENCY, "official", lying)
    declared = _facts(published, "KeySharesSubmitted")["unopenable"]
    assert declared == [
        {"lot": "1", "bidder": seed.QXD, "failure": "does-not-unwrap", "evidence": "declared"}
    ]
    hand_in_shares(published, (seed.PURCHASER, seed.REGULATOR))
    reveal(published)
    _assert_honest_bids_revealed(tender_of(published))


def test_verify_re_executes_an_opening_with_a_returned_bid_to_the_same_facts(
    published: World,
) -> None:
    _open_with(published, _to_wrong_keys(published, {seed.AGENCY}), EVERYONE[::2])
    assert tender_of(published).lots["1"].bids[seed.SUPPLIER_B].status == "returned"
    summary = verify_log(published.service.store)
    assert summary.events == published.service.store.head()
    assert summary.streams[tender_of(published).id] == tender_of(published).version
