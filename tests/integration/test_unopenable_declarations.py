"""What an official may declare about a share it cannot open (C6), through the service.

A declaration names the exact sealed box and is refused if it does not; a share cannot be
both handed in and declared; a disclosed share that opens as committed is to be handed in;
and one official's false declaration cannot set aside a bid the others open.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import Any

import pytest

from commands import seed
from commands.world import World
from ledger.crypto.sealing import SealedBid, share_plaintext
from ledger.errors import InvalidInput, RuleViolation
from ledger.procedure.tender.unopenable import UnopenableShare
from tests.conftest import tender_of
from tests.support.opening import hand_in_shares, reveal, shares_of
from tests.support.unopenable import (
    assert_honest_bids_revealed,
    declaring,
    honest_faulty,
    last_facts,
    ready_for_shares,
    to_wrong_keys,
)


def test_a_declaration_naming_another_sealed_box_is_refused(published: World) -> None:
    ready_for_shares(published, to_wrong_keys(published, {seed.AGENCY}))
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=r"C6 .*declares the share with SHA-256 0000"):
        published.act(
            seed.AGENCY, "official", declaring(published, seed.AGENCY, wrapped_sha256="0" * 64)
        )
    with pytest.raises(InvalidInput, match="a share that does not unwrap has nothing to disclose"):
        published.act(seed.AGENCY, "official", declaring(published, seed.AGENCY, disclosed="AAAA"))
    assert tender_of(published).version == before


def _declaration_of(world: World, official: str, bidder: str, **changes: Any) -> Any:
    sealed = SealedBid.from_json(tender_of(world).lots["1"].bids[bidder].sealed)
    entry = next(e for e in sealed.shares if e.official == official)
    declaration = UnopenableShare(
        "1", bidder, hashlib.sha256(entry.wrapped).hexdigest(), "does-not-unwrap"
    )
    return dataclasses.replace(declaration, **changes)


def test_a_share_both_handed_in_and_declared_is_refused(published: World) -> None:
    ready_for_shares(published, honest_faulty(published))
    honest = shares_of(published, seed.AGENCY)
    both = dataclasses.replace(
        honest, unopenable=(_declaration_of(published, seed.AGENCY, seed.QXD),)
    )
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=rf"C6 .*both hands in and declares .*1/{seed.QXD}"):
        published.act(seed.AGENCY, "official", both)
    assert tender_of(published).version == before


def test_disclosing_a_share_that_opens_as_committed_is_refused(published: World) -> None:
    ready_for_shares(published, honest_faulty(published))
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
    ready_for_shares(published, honest_faulty(published))
    honest = shares_of(published, seed.AGENCY)
    lying = dataclasses.replace(
        honest,
        shares=tuple(s for s in honest.shares if s["bidder"] != seed.QXD),
        unopenable=(_declaration_of(published, seed.AGENCY, seed.QXD),),
    )
    published.act(seed.AGENCY, "official", lying)
    declared = last_facts(published, "KeySharesSubmitted")["unopenable"]
    assert declared == [
        {"lot": "1", "bidder": seed.QXD, "failure": "does-not-unwrap", "evidence": "declared"}
    ]
    hand_in_shares(published, (seed.PURCHASER, seed.REGULATOR))
    reveal(published)
    assert_honest_bids_revealed(tender_of(published))
