"""An opened seed tender for tests: bids sealed, bidders checked in, decrypted, revealed.

On the ``published`` fixture's world::

    tender = open_tender(published, {
        ("1", seed.QXD): "334860.00",                                  # a total
        ("1", seed.RUNHUA): {"total": "400000.00", "brand": "润华"},   # or bid_document kwargs
        ("1", seed.SUPPLIER_A): "420000.00",
    })
    tender.lots["1"].bids[seed.QXD].price  # Decimal("334860.00")

The timeline, in Beijing time (the clock never runs back, so later steps come after 10:10):
bids sealed 2021-01-14 10:00, check-in 2021-01-15 09:00, opening 09:30 (the deadline),
decryption 09:40, decryption closes 10:00, key shares 10:05 (agency) and 10:06 (regulator),
reveal 10:10. ``absent`` bids are never checked in (not accepted, §23.1(3));
``skip_decryption`` bids are not decrypted (returned at the close, §23.2(4)).
The steps are also available one by one: ``submit_bids``, ``start_and_decrypt``,
``close_decryption``, ``hand_in_shares``, ``reveal``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from commands import seed
from commands.messages import (
    AuthoriseDecryption,
    CheckIn,
    CloseDecryption,
    RevealBids,
    StartOpening,
    SubmitBid,
    SubmitKeyShares,
)
from commands.official import open_my_shares
from commands.world import World
from ledger.procedure.state import TenderState
from tests.conftest import tender_of
from tests.support.bids import sealed_bid

BidKey = tuple[str, str]  # (lot, bidder)
BidSpec = str | Mapping[str, Any]  # the total in figures, or {"total": ..., **bid_document kwargs}

SUBMITTED_AT = seed.beijing("2021-01-14 10:00")
CHECK_IN_AT = seed.beijing("2021-01-15 09:00")
OPENING_AT = seed.beijing("2021-01-15 09:30")
DECRYPTION_AT = seed.beijing("2021-01-15 09:40")
CLOSE_AT = seed.beijing("2021-01-15 10:00")
SHARES_AT = seed.beijing("2021-01-15 10:05")
REVEAL_AT = seed.beijing("2021-01-15 10:10")
OFFICIALS = (seed.AGENCY, seed.REGULATOR)


def open_tender(
    world: World,
    bids: Mapping[BidKey, BidSpec],
    *,
    absent: Collection[BidKey] = (),
    skip_decryption: Collection[BidKey] = (),
    officials: Sequence[str] = OFFICIALS,
) -> TenderState:
    """Run the whole opening for ``bids`` and return the tender as revealed."""
    submit_bids(world, bids, absent=absent)
    start_and_decrypt(world, (key for key in bids if key not in skip_decryption))
    close_decryption(world)
    hand_in_shares(world, officials)
    reveal(world)
    return tender_of(world)


def submit_bids(
    world: World, bids: Mapping[BidKey, BidSpec], *, absent: Collection[BidKey] = ()
) -> None:
    """Seal and submit ``bids`` before the deadline; check in every bidder not ``absent``."""
    tender = tender_of(world)
    for (lot, bidder), spec in bids.items():
        options = {"total": spec} if isinstance(spec, str) else dict(spec)
        sealed = sealed_bid(tender, lot, bidder, options.pop("total"), **options)
        world.act(
            bidder, "bidder", SubmitBid(seed.CODE, lot, sealed), at=_not_before(world, SUBMITTED_AT)
        )
    for lot, bidder in bids:
        if (lot, bidder) not in absent and bidder not in tender_of(world).lots[lot].checked_in:
            world.act(bidder, "bidder", CheckIn(seed.CODE, lot), at=_not_before(world, CHECK_IN_AT))


def start_and_decrypt(world: World, authorise: Iterable[BidKey]) -> None:
    """Start the opening at the deadline; each bid in ``authorise`` is decrypted by its bidder."""
    world.act(seed.AGENCY, "agency", StartOpening(seed.CODE), at=OPENING_AT)
    for lot, bidder in authorise:
        if tender_of(world).lots[lot].bids[bidder].status == "sealed":
            world.act(bidder, "bidder", AuthoriseDecryption(seed.CODE, lot), at=DECRYPTION_AT)


def close_decryption(world: World) -> None:
    """The agency closes the decryption time at 10:00."""
    world.act(seed.AGENCY, "agency", CloseDecryption(seed.CODE), at=CLOSE_AT)


def hand_in_shares(world: World, officials: Sequence[str] = OFFICIALS) -> None:
    """Each of ``officials`` unwraps its shares on its own machine and hands them in."""
    for minute, official in enumerate(officials):
        world.act(
            official,
            "official",
            shares_of(world, official),
            at=_not_before(world, SHARES_AT.replace(minute=SHARES_AT.minute + minute)),
        )


def shares_of(world: World, official: str) -> SubmitKeyShares:
    """The ``SubmitKeyShares`` command ``official`` would sign now."""
    key = world.parties[official].box_key
    assert key is not None, f"{official} has no encryption key"
    mine = open_my_shares(tender_of(world), official=official, private_key=key)
    return SubmitKeyShares(seed.CODE, mine.shares, mine.unopenable or None)


def reveal(world: World) -> None:
    """The agency has the ledger reveal every authorised bid at once."""
    world.act(seed.AGENCY, "agency", RevealBids(seed.CODE), at=_not_before(world, REVEAL_AT))


def _not_before(world: World, moment: datetime) -> datetime:
    return max(world.clock.now(), moment)
