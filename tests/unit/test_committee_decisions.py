"""The committee's decision rules as pure functions: state in, decision out, no database.

A tender state is built by hand (a committee of five, one lot of three revealed bids), each
member's command is decided by its rule function and the resulting event applied, as
``verify`` would re-execute them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ledger.clock import BEIJING
from ledger.envelope import SignedCommand
from ledger.errors import RuleViolation
from ledger.procedure import dispatch
from ledger.procedure.base import HANDLERS, Command, Context
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.registry_state import Party, RegistryState
from ledger.procedure.state import Bid, Lot, TenderState
from ledger.procedure.tender.committee import WithdrawFromCommittee
from ledger.procedure.tender.evaluation import ConformityResult, RecordConformity
from ledger.procedure.tender.questions import AskBidder

STREAM = "00000000-0000-4000-8000-000000000001"
MEMBERS = ("m1", "m2", "m3", "m4", "m5")
PRICES = {"甲": "334860.00", "乙": "400000.00", "丙": "420000.00"}
START = datetime(2021, 1, 15, 11, 0, tzinfo=BEIJING)


def _tender() -> TenderState:
    tender = TenderState(STREAM)
    tender.code, tender.terms = "T-1", {"consortia": False}
    tender.committee = dict.fromkeys(MEMBERS, "expert")
    lot = Lot("1", "食堂设备", Decimal("555460.00"), Decimal("555460.00"), status="qualified")
    for bidder, price in PRICES.items():
        document = {"lot": "1", "bidder": bidder, "small_or_micro": False}
        lot.bids[bidder] = Bid(
            bidder, "1", {}, "digest", START, "hash", status="revealed", document=document
        )
        lot.bids[bidder].price = lot.bids[bidder].read_out_price = Decimal(price)
    tender.lots["1"] = lot
    return tender


def _registry() -> RegistryState:
    registry = RegistryState()
    for bidder in PRICES:
        registry.parties[bidder] = Party(bidder, bidder, frozenset({"bidder"}), {})
    return registry


class Run:
    """Members' commands decided and applied in turn, a minute apart."""

    def __init__(self) -> None:
        self.tender, self.registry, self.now = _tender(), _registry(), START

    def decide(self, member: str, command: Command) -> Decision:
        self.now += timedelta(minutes=1)
        signed = self._signed(member, command)
        typed = HANDLERS[command.kind()].command.from_signed(signed)
        return HANDLERS[command.kind()].decide(
            self.tender, typed, Context(self.now, signed, self.registry)
        )

    def act(self, member: str, command: Command) -> Decision:
        decision = self.decide(member, command)
        version = self.tender.version + 1
        record = EventRecord(
            STREAM,
            version,
            decision.event,
            self.now,
            self._signed(member, command),
            decision.facts,
            self.tender.head,
            f"{version:064x}",
        )
        dispatch.apply(self.tender, record)
        return decision

    def _signed(self, member: str, command: Command) -> SignedCommand:
        return SignedCommand(
            command.kind(),
            f"{member}-{self.now:%H%M}",
            STREAM,
            member,
            "evaluator",
            "key",
            command.args(),
        )


def _conformity(failing: Mapping[str, str] | None = None) -> RecordConformity:
    failing = failing or {}
    return RecordConformity(
        STREAM,
        "1",
        tuple(ConformityResult(b, b not in failing, failing.get(b, "")) for b in PRICES),
    )


def _facts(decision: Decision, *keys: str) -> tuple[Any, ...]:
    return tuple(decision.facts[key] for key in keys)


def test_the_third_signature_of_five_makes_the_committees_decision() -> None:
    run = Run()
    first, second = run.act("m1", _conformity()), run.act("m2", _conformity())
    assert (first.event, second.event) == ("CommitteeDecisionSigned", "CommitteeDecisionSigned")
    assert _facts(second, "signers", "needed", "seated") == (["m1", "m2"], 3, 5)
    assert run.tender.lots["1"].status == "qualified"
    third = run.act("m3", _conformity())
    assert third.event == "ConformityRecorded"
    assert _facts(third, "signers", "valid", "no_evaluation") == (["m1", "m2", "m3"], 3, False)
    assert run.tender.lots["1"].status == "examined"
    assert (run.tender.decisions, run.tender.evaluated_by) == ({}, {"m1", "m2", "m3"})


def test_a_member_signing_other_content_leaves_its_first_proposal() -> None:
    run = Run()
    harsh = _conformity({"丙": "未实质性响应"})
    run.act("m1", harsh)
    moved = run.act("m1", _conformity())
    assert moved.facts["superseded"] == run.decide("m2", harsh).facts["digest"]
    assert run.tender.decisions == {"conformity/1": {moved.facts["digest"]: ["m1"]}}


def test_deciding_the_same_signature_twice_gives_the_same_facts() -> None:
    run = Run()
    run.act("m1", _conformity())
    again = Run()
    again.act("m1", _conformity())
    assert run.decide("m2", _conformity()) == again.decide("m2", _conformity())


def test_after_a_withdrawal_three_of_four_decide() -> None:
    run = Run()
    withdrawn = run.act("m5", WithdrawFromCommittee(STREAM, "回避"))
    assert withdrawn.facts == {"kind": "expert", "seated": 4, "needed": 3}
    assert "m5" not in run.tender.committee
    run.act("m1", _conformity())
    run.act("m2", _conformity())
    assert run.act("m3", _conformity()).event == "ConformityRecorded"


def test_only_a_price_below_the_others_mean_may_be_asked_to_justify_itself() -> None:
    run = Run()
    for member in ("m1", "m2", "m3"):
        run.act(member, _conformity())
    highest = AskBidder(STREAM, "1", "丙", "请说明报价构成", low_price=True)
    with pytest.raises(RuleViolation, match=r"420000\.00 is not below the mean 367430\.00"):
        run.decide("m1", highest)
    lowest = AskBidder(STREAM, "1", "甲", "请说明报价构成", low_price=True)
    run.act("m1", lowest)
    run.act("m2", lowest)
    asked = run.act("m3", lowest)
    assert _facts(asked, "price", "others_mean") == ("334860.00", "410000.00")
    assert run.tender.lots["1"].bids["甲"].justification == "requested"
