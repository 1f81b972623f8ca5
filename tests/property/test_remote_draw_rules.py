"""Through the ledger's own rule functions and appliers, over random pools: an expert employed
by or tied to a bidder or the purchaser is never drawn, nor a reserve, nor a replacement.

Each example is a tender whose lot has bids from B1 and B2, a pools stream of random experts
in two regions, the plan (PlanDraw's rule function), the agency's commitment and reveal of a
random secret, the draw (DrawCommittee's rule function, beacon signatures left to the beacon
tests), and declines. The oracle reads the pool records directly.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from commands.demo_beacon import demo_chain, demo_round
from ledger.clock import BEIJING
from ledger.draw.randomness import commitment_digest
from ledger.envelope import SignedCommand
from ledger.errors import RuleViolation
from ledger.procedure import dispatch
from ledger.procedure.base import Context
from ledger.procedure.pools import Cooperation, PoolsState
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.registry_state import Party, RegistryState
from ledger.procedure.state import Lot, TenderState
from ledger.procedure.tender.draw_plan import PlanDraw, QuotaTerms, plan_draw
from ledger.procedure.tender.draw_result import (
    BeaconTerms,
    DeclineSeat,
    DrawCommittee,
    decline_seat,
    draw_committee,
)
from ledger.procedure.tender.draw_secrets import (
    CommitAgencySecret,
    RevealAgencySecret,
    commit_agency_secret,
    reveal_agency_secret,
)

PURCHASER, BIDDERS = "P", ("B1", "B2")
CONFLICTED = {PURCHASER, *BIDDERS}
ORGANISATIONS = (*CONFLICTED, "U1", "U2")
PLANNED = datetime(2021, 1, 15, 10, 16, tzinfo=BEIJING)
ROUND = demo_chain().first_round_at_or_after(PLANNED + timedelta(minutes=4))


@st.composite
def pool_records(draw_: st.DrawFn) -> list[dict[str, Any]]:
    size = draw_(st.integers(6, 40))
    return [
        {
            "id": f"E{index:02d}",
            "region": draw_(st.sampled_from(("north", "south"))),
            "specialties": ["s1"],
            "employer": draw_(st.sampled_from((*ORGANISATIONS, "U1", "U2", "U3"))),
            "ties": sorted(draw_(st.frozensets(st.sampled_from(ORGANISATIONS), max_size=1))),
            "sittings": [],
            "status": "active",
        }
        for index in range(size)
    ]


def _tender() -> TenderState:
    tender = TenderState(str(uuid.uuid4()))
    tender.code, tender.agency, tender.purchaser = "PROP-1", "A", PURCHASER
    tender.terms = {"committee": {"experts": 3, "purchaser_representatives": 1}}
    lot = Lot("1", "lot", 0, 0)  # type: ignore[arg-type]
    lot.bids = dict.fromkeys(BIDDERS)  # type: ignore[arg-type]
    tender.lots = {"1": lot}
    tender.remote.cooperation, tender.remote.chain = "A1", _chain_json()
    tender.remote.venues = {
        venue: {"host": f"C-{venue}", "room": "r", "supervisor": "S"}
        for venue in ("main", "secondary")
    }
    return tender


def _chain_json() -> dict[str, Any]:
    chain = demo_chain()
    return {
        "public_key": chain.public_key.hex(),
        "period": chain.period,
        "genesis_time": chain.genesis_time,
        "hash": chain.hash.hex(),
        "groupHash": chain.group_hash.hex(),
        "schemeID": chain.scheme_id,
        "metadata": {"beaconID": chain.beacon_id},
    }


def _context(now: datetime, records: list[dict[str, Any]]) -> Context:
    registry = RegistryState()
    for region in ("north", "south"):
        registry.parties[f"C-{region}"] = Party(
            f"C-{region}", region, frozenset({"centre"}), {"region": region}
        )
    pools = PoolsState()
    parties = ("C-north", "C-south")
    pools.cooperations["A1"] = Cooperation("A1", parties, "2021-01-01", "s", {}, "d", [*parties])
    pools.experts = {record["id"]: record for record in records}
    signed = SignedCommand("x", "x", "x", "A", "agency", "k")
    return Context(now, signed, registry, pools, beacon_signatures=False)


def _record(tender: TenderState, decision: Decision, args: dict[str, Any], at: datetime) -> None:
    command = SignedCommand("x", str(uuid.uuid4()), tender.stream, "A", "agency", "k", args)
    event = EventRecord(
        tender.stream, tender.version + 1, decision.event, at, command, decision.facts, "", ""
    )
    dispatch.apply(tender, event)


@settings(max_examples=60, deadline=None)
@given(
    records=pool_records(),
    secret=st.binary(min_size=32, max_size=32),
    declines=st.lists(st.integers(0, 2), max_size=3),
)
def test_no_expert_tied_to_a_bidder_or_the_purchaser_is_ever_seated_by_the_ledgers_rules(
    records: list[dict[str, Any]], secret: bytes, declines: list[int]
) -> None:
    tender, at = _tender(), PLANNED
    plan = PlanDraw(
        "PROP-1",
        ("s1",),
        (QuotaTerms("north", "main", 2), QuotaTerms("south", "secondary", 1)),
        1,
        180,
        ROUND,
        PLANNED + timedelta(minutes=2),
    )
    try:
        planned = plan_draw(tender, plan, _context(at, records))
    except RuleViolation:
        event("refused at the plan: too few eligible experts")
        return  # refused before any randomness exists
    _record(tender, planned, plan.args(), at)
    digest = commitment_digest("PROP-1/draw-1", "agency", secret).hex()
    for step, command, rule in (
        (1, CommitAgencySecret("PROP-1", digest), commit_agency_secret),
        (3, RevealAgencySecret("PROP-1", secret.hex()), reveal_agency_secret),
    ):
        at = PLANNED + timedelta(minutes=step)
        _record(tender, rule(tender, command, _context(at, records)), command.args(), at)
    beacon = demo_round(ROUND)
    terms = BeaconTerms(ROUND, beacon.signature.hex(), beacon.randomness.hex())
    at = PLANNED + timedelta(minutes=5)
    drawn = draw_committee(tender, DrawCommittee("PROP-1", terms), _context(at, records))
    _record(tender, drawn, DrawCommittee("PROP-1", terms).args(), at)
    by_id = {record["id"]: record for record in records}
    _assert_untied(tender, by_id)
    event("drawn")
    for pick in declines:
        seats = (tender.remote.drawn() or {})["members"]
        try:
            expert = seats[pick % 3]["id"]
            replaced = decline_seat(tender, DeclineSeat("PROP-1"), _as(expert, at, records))
        except RuleViolation:
            break
        _record(tender, replaced, {}, at)
        _assert_untied(tender, by_id)
        event("a seat replaced")


def _as(actor: str, at: datetime, records: list[dict[str, Any]]) -> Context:
    context = _context(at, records)
    signed = SignedCommand("DeclineSeat", "x", "x", actor, "evaluator", "k")
    return Context(at, signed, context.registry, context.pools, beacon_signatures=False)


def _assert_untied(tender: TenderState, by_id: dict[str, dict[str, Any]]) -> None:
    result = tender.remote.drawn()
    assert result is not None
    seated = [seat["id"] for seat in result["members"]] + [r["id"] for r in result["reserves"]]
    for expert in seated:
        record = by_id[expert]
        assert record["employer"] not in CONFLICTED, record
        assert not set(record["ties"]) & CONFLICTED, record
    assert len(bytes.fromhex(result["seed"])) == 32
