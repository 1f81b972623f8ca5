"""A command or sealed bid that is not canonical is refused when it arrives, never at the reveal.

Each refusal is an input error: nothing is written, not even a refused attempt, and the
ledger's log ends where it ended before.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from commands import seed
from commands.messages import CheckIn, SubmitBid
from commands.world import World
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput
from tests.conftest import tender_of
from tests.support.bids import sealed_bid

AT = seed.beijing("2021-01-10 10:00")


def _refused_and_nothing_written(world: World, signed: SignedCommand, named: str) -> None:
    head, version = world.service.store.head(), tender_of(world).version
    world.clock.set(AT)
    with pytest.raises(InvalidInput) as caught:
        world.service.execute(signed)
    assert named in str(caught.value)
    assert world.service.store.head() == head
    assert tender_of(world).version == version


def _signed_bid(world: World, edit: Any) -> SignedCommand:
    sealed = edit(sealed_bid(tender_of(world), "1", seed.QXD, "334860.00"))
    actor = world.parties[seed.QXD].as_role("bidder")
    return actor.sign(SubmitBid(seed.CODE, "1", sealed))


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda s: {**s, "threshold": True}, "threshold: must be"),
        (lambda s: {**s, "nonce": s["nonce"][:16] + "\n" + s["nonce"][16:]}, "nonce: must be"),
        (lambda s: {**s, "shares": [*s["shares"], s["shares"][0]]}, "shares["),
        (lambda s: {**s, "note": "an extra field"}, "unknown field note"),
    ],
    ids=["a boolean threshold", "base64 with a line break", "a share twice", "an unknown field"],
)
def test_a_signed_bid_whose_sealed_bid_is_not_canonical_is_refused_on_arrival(
    published: World, edit: Any, named: str
) -> None:
    _refused_and_nothing_written(published, _signed_bid(published, edit), named)


def test_a_command_holding_a_lone_surrogate_is_refused_on_arrival(published: World) -> None:
    signed = published.parties[seed.QXD].as_role("bidder").sign(CheckIn(seed.CODE, "1"))
    forged = dataclasses.replace(signed, args={"lot": "1\udc80"})
    _refused_and_nothing_written(published, forged, "lone surrogate")


def test_a_sealed_bid_holding_a_float_is_refused_on_arrival(published: World) -> None:
    signed = _signed_bid(published, lambda s: s)
    sealed = {**signed.args["sealed"], "threshold": 2.0}
    forged = dataclasses.replace(signed, args={**signed.args, "sealed": sealed})
    _refused_and_nothing_written(published, forged, "floats are not allowed")


def test_a_command_text_with_a_duplicate_key_never_reaches_the_ledger(published: World) -> None:
    signed = _signed_bid(published, lambda s: s)
    text = json.dumps(signed.to_json())
    doubled = text.replace('"lot": "1"', '"lot": "1", "lot": "2"', 1)
    with pytest.raises(InvalidInput, match="duplicate key 'lot'"):
        SignedCommand.from_text(doubled)
    published.clock.set(AT)
    outcome = published.service.execute(SignedCommand.from_text(text))  # the genuine text
    assert outcome.version == tender_of(published).version
