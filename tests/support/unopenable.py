"""A tender opening with one faulty bid among honest ones, for the C6 tests.

On the ``published`` world: the honest bids of ``HONEST`` and one ``FAULTY`` bid, sealed by
the caller (to wrong keys, with a share off the polynomial, ...), go through the whole
opening with the officials given::

    tender = open_with(world, to_wrong_keys(world, {seed.AGENCY}), EVERYONE)
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from commands import seed
from commands.messages import CheckIn, SubmitBid, SubmitKeyShares
from commands.world import World
from ledger.crypto.sealing import OpeningOfficial, SealedBid, seal_bid
from ledger.procedure.bid_document import encode_bid_document
from ledger.procedure.state import TenderState
from tests.conftest import tender_of
from tests.support.bids import bid_document
from tests.support.faulty_bids import (
    data_key_of,
    sealed_to_wrong_keys,
    with_share_from_another_polynomial,
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


def officials_of(tender: TenderState) -> list[OpeningOfficial]:
    """The opening officials and X25519 keys the notice names."""
    return [
        OpeningOfficial(o["party"], bytes.fromhex(o["encryption_key"])) for o in tender.officials
    ]


def faulty_document(total: str = "410000.00") -> bytes:
    """The faulty bidder's (well-formed) bid document."""
    return encode_bid_document(bid_document(*FAULTY, total))


def submit_faulty(world: World, sealed: SealedBid) -> None:
    """The faulty bid goes in first, on the eve of the deadline, and its bidder checks in."""
    lot, bidder = FAULTY
    at = seed.beijing("2021-01-14 09:00")
    world.act(bidder, "bidder", SubmitBid(seed.CODE, lot, sealed.to_json()), at=at)
    world.act(bidder, "bidder", CheckIn(seed.CODE, lot))


def to_wrong_keys(world: World, wrong: set[str]) -> SealedBid:
    """The faulty bid sealed to the notice's names, but to fresh keys for ``wrong``."""
    tender = tender_of(world)
    return sealed_to_wrong_keys(
        faulty_document(),
        tender=str(tender.id),
        lot=FAULTY[0],
        bidder=FAULTY[1],
        officials=officials_of(tender),
        wrong=wrong,
        threshold=tender.threshold,
    )


def honest_faulty(world: World) -> SealedBid:
    """The faulty bidder's bid, sealed correctly (the starting point of other faults)."""
    tender = tender_of(world)
    return seal_bid(
        faulty_document(),
        tender=str(tender.id),
        lot=FAULTY[0],
        bidder=FAULTY[1],
        officials=officials_of(tender),
        threshold=tender.threshold,
    )


def box_key(world: World, official: str) -> Any:
    """``official``'s X25519 private key, held on its own machine."""
    key = world.parties[official].box_key
    assert key is not None
    return key


def open_with(world: World, faulty: SealedBid, officials: tuple[str, ...]) -> TenderState:
    """The whole opening, the ``officials`` handing in (or declaring) with their own tool."""
    ready_for_shares(world, faulty)
    hand_in_shares(world, officials)
    reveal(world)
    return tender_of(world)


def last_facts(world: World, kind: str) -> dict[str, Any]:
    """The facts of the tender's last event of type ``kind``."""
    tender = tender_of(world)
    store = world.service.store
    events = [store.event_at(tender.id, v) for v in range(1, tender.version + 1)]
    facts: dict[str, Any] = next(e for e in reversed(events) if e.type == kind).facts
    return facts


def assert_honest_bids_revealed(tender: TenderState) -> None:
    prices = {key: tender.lots[key[0]].bids[key[1]].price for key in HONEST}
    assert prices == {key: Decimal(str(total)) for key, total in HONEST.items()}


def off_polynomial(world: World, official: str) -> SealedBid:
    """The faulty bid with ``official``'s share cut from another polynomial of its key."""
    sealed = honest_faulty(world)
    others = {o: box_key(world, o) for o in EVERYONE if o != official}
    key = data_key_of(sealed, others)
    return with_share_from_another_polynomial(
        sealed, key, official, box_key(world, official).public_key
    )


def ready_for_shares(world: World, faulty: SealedBid) -> None:
    """Every bid submitted and decrypted by its bidder, the decryption time closed."""
    submit_faulty(world, faulty)
    submit_bids(world, HONEST)
    start_and_decrypt(world, [*HONEST, FAULTY])
    close_decryption(world)


def declaring(world: World, official: str, **changes: Any) -> SubmitKeyShares:
    """``official``'s own SubmitKeyShares with its first declaration changed."""
    command = shares_of(world, official)
    assert command.unopenable is not None
    first = dataclasses.replace(command.unopenable[0], **changes)
    return dataclasses.replace(command, unopenable=(first, *command.unopenable[1:]))
