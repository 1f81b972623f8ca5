"""A draw with a published League of Entropy round (default chain, round 72785), on a ledger.

The round was published 2020-08-17 05:49:30 Beijing time (``tests/vectors/drand``), so this
tender's clock runs in August 2020: bids by 2020-08-14, the draw's plan at 05:00 on the 17th
with a commit deadline at 05:30, and the draw once the round is out. The round's BLS
signature is verified against the League's public key when the draw is taken and again when
``verify`` re-executes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from commands import remote_seed, seed
from commands.messages import (
    AddExpert,
    BeaconChainTerms,
    BeaconTerms,
    DrawCommittee,
    FixVenues,
    ObtainDocuments,
    PlanDraw,
    SignCooperation,
    SubmitBid,
    TimetableTerms,
)
from commands.service import LedgerService
from commands.world import World
from ledger.clock import FixedClock
from ledger.crypto.signing import Signer
from ledger.draw.chains import LEAGUE_OF_ENTROPY_DEFAULT
from ledger.draw.randomness import commitment_digest
from ledger.draw_check import verify_tender_draw
from ledger.errors import RuleViolation
from ledger.procedure.pools import POOLS_STREAM
from ledger.procedure.state import TenderState, tender_stream
from ledger.store import LedgerStore
from ledger.verification import verify_log
from tests.support.bids import sealed_bid

CODE = "LOE-2020-08"
B = seed.beijing
VECTORS = Path(__file__).parents[1] / "vectors" / "drand" / "league_of_entropy.json"
BIDDERS = (seed.QXD, seed.RUNHUA, seed.SUPPLIER_A)
POOL = (
    ("yuan-fengmei", "enshi"),
    ("zhu-changan", "enshi"),
    ("enshi-expert-14", "enshi"),
    ("guo-yan", "jian"),
    ("qin-zhengmao", "jian"),
    ("jian-expert-02", "jian"),
)


def _round(number: int) -> BeaconTerms:
    [data] = [
        r
        for r in json.loads(VECTORS.read_text())["rounds"]
        if r["chain"] == "default" and r["round"] == number
    ]
    return BeaconTerms(
        data["round"], data["signature"], data["randomness"], data["previous_signature"]
    )


@pytest.fixture
def august(database_url: str) -> Iterator[World]:
    """The seed's cast on a ledger started 2020-07-30, a tender closed 2020-08-14."""
    clock = FixedClock(B("2020-07-30 09:00"))
    store = LedgerStore(database_url)
    world = World(
        LedgerService(store, clock, platform=Signer.generate(), platform_id=seed.PLATFORM), clock
    )
    seed.register_seed_parties(world)
    remote_seed.register_remote_parties(world)
    _pools(world)
    _tender(world)
    yield world
    store.close()


def _pools(world: World) -> None:
    agreement = SignCooperation(
        "enshi-jian-loe",
        (remote_seed.ENSHI_CENTRE, remote_seed.JIAN_CENTRE),
        date(2020, 7, 30),
        "跨区域远程异地评标(测试):以国际随机信标联盟 default 链抽取专家",
        BeaconChainTerms.of(LEAGUE_OF_ENTROPY_DEFAULT),
    )
    for centre in (remote_seed.ENSHI_CENTRE, remote_seed.JIAN_CENTRE):
        world.act(centre, "centre", agreement)
    for expert, region in POOL:
        centre = remote_seed.ENSHI_CENTRE if region == "enshi" else remote_seed.JIAN_CENTRE
        add = AddExpert(expert, region, remote_seed.SPECIALTIES, f"unit-of-{expert}")
        world.act(centre, "centre", add)


def _tender(world: World) -> None:
    timetable = TimetableTerms(
        documents_from=B("2020-08-03 09:00"),
        documents_until=B("2020-08-14 09:30"),
        questions_until=B("2020-08-07 17:30"),
        deadline=B("2020-08-14 09:30"),
        decryption_minutes=30,
        objections_until=B("2020-08-07 17:30"),
    )
    notice = dataclasses.replace(seed.invitation(world), tender=CODE, timetable=timetable)
    world.act(seed.AGENCY, "agency", notice, at=B("2020-08-03 09:00"))
    venues = FixVenues(CODE, "enshi-jian-loe", remote_seed.VENUES)
    world.act(seed.AGENCY, "agency", venues, at=B("2020-08-03 09:05"))
    for minute, bidder in enumerate(BIDDERS):
        world.act(bidder, "bidder", ObtainDocuments(CODE), at=B(f"2020-08-03 10:{minute:02d}"))
    tender = world.service.tender(tender_stream(CODE))
    for hour, bidder in enumerate(BIDDERS):
        sealed = sealed_bid(tender, "1", bidder, f"{330000 + hour * 1000}.00")
        world.act(bidder, "bidder", SubmitBid(CODE, "1", sealed), at=B(f"2020-08-10 1{hour}:00"))


def _plan_commit_reveal(world: World) -> None:
    plan = PlanDraw(
        CODE,
        remote_seed.SPECIALTIES,
        remote_seed.QUOTAS,
        1,
        180,
        72785,
        B("2020-08-17 05:30"),
    )
    world.act(seed.AGENCY, "agency", plan, at=B("2020-08-17 05:00"))
    draw_id = f"{CODE}/draw-1"
    at = B("2020-08-17 05:00")
    for party, (actor, role, commit, _) in remote_seed.COMMITTERS.items():
        at += timedelta(minutes=1)
        digest = commitment_digest(draw_id, party, remote_seed.SECRETS[party]).hex()
        world.act(actor, role, _retarget(commit(seed.CODE, digest)), at=at)
    at = B("2020-08-17 05:30")
    for party, (actor, role, _, reveal) in remote_seed.COMMITTERS.items():
        at += timedelta(minutes=1)
        secret = remote_seed.SECRETS[party].hex()
        world.act(actor, role, _retarget(reveal(seed.CODE, secret)), at=at)


def _retarget(command: Any) -> Any:
    return dataclasses.replace(command, tender=CODE)


def agreement_stream() -> UUID:
    return POOLS_STREAM


def _tender_state(world: World) -> TenderState:
    return world.service.tender(tender_stream(CODE))


def test_a_published_league_round_draws_the_committee_and_verifies(august: World) -> None:
    _plan_commit_reveal(august)
    drawn = DrawCommittee(CODE, _round(72785))
    august.act(seed.AGENCY, "agency", drawn, at=B("2020-08-17 05:50"))
    result = _tender_state(august).remote.drawn()
    assert result is not None
    assert len(result["members"]) == 4
    audit = verify_tender_draw(august.service.store, CODE)
    assert audit.draws[0].public_beacon
    assert audit.draws[0].beacon_round == 72785
    verify_log(august.service.store)  # re-executes the draw: the BLS signature again


def test_another_published_round_than_the_plans_is_refused(august: World) -> None:
    _plan_commit_reveal(august)
    with pytest.raises(RuleViolation, match=r"D11 .*round number: expected 72785, found 1337"):
        august.act(
            seed.AGENCY,
            "agency",
            DrawCommittee(CODE, _round(1337)),
            at=B("2020-08-17 05:50"),
        )


def test_a_round_with_a_flipped_signature_bit_is_refused_by_the_bls_check(august: World) -> None:
    _plan_commit_reveal(august)
    genuine = _round(72785)
    flipped = bytearray(bytes.fromhex(genuine.signature))
    flipped[5] ^= 1
    forged = dataclasses.replace(
        genuine,
        signature=flipped.hex(),
        randomness=hashlib.sha256(bytes(flipped)).hexdigest(),
    )
    with pytest.raises(RuleViolation, match=r"D11 .*signature: "):
        august.act(seed.AGENCY, "agency", DrawCommittee(CODE, forged), at=B("2020-08-17 05:50"))


def test_the_league_chain_is_recorded_as_a_public_beacon(august: World) -> None:
    agreement = august.service.pools().cooperation("enshi-jian-loe")
    assert agreement.in_force
    assert agreement.chain_info().hash == LEAGUE_OF_ENTROPY_DEFAULT.hash
    store = august.service.store
    signed = [e for e in store.events(agreement_stream()) if e.type == "CooperationSigned"]
    assert [e.facts["public_beacon"] for e in signed] == [True, True]
