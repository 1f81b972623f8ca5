"""Who the bidders are, as their bids declare and the registry shows: brand (§18), SME size.

Bidders offering one brand count as one in §24.1 (brands compared after normalising the
name); a small-or-micro declaration (声明函) is checked against the registered enterprise
size.
"""

from __future__ import annotations

from decimal import Decimal

from commands import seed
from commands.messages import (
    ConformityResult,
    ObtainDocuments,
    RecordConformity,
    ScoreSheet,
    SubmitScores,
)
from commands.world import World
from ledger.rules import catalogue as rules
from tests.conftest import tender_of
from tests.support.evaluation import (
    assert_refused,
    check_conformity,
    facts_of,
    form_committee,
    qualify,
)
from tests.support.opening import BidKey, BidSpec, open_tender

EXPERT = seed.COMMITTEE[1]


def _qualified(world: World, bids: dict[BidKey, BidSpec]) -> World:
    open_tender(world, bids)
    form_committee(world)
    qualify(world, "1")
    return world


def _qualification_facts(world: World) -> dict[str, object]:
    events = world.service.store.events(tender_of(world).id)
    (event,) = [e for e in events if e.type == "QualificationRecorded"]
    return dict(event.facts)


# Same brand (§18) in the fewer-than-three rule (§24.1)


def test_three_qualified_bidders_two_of_one_brand_get_no_evaluation(published: World) -> None:
    bids: dict[BidKey, BidSpec] = {
        ("1", seed.SUPPLIER_A): {"total": "400000.00", "brand": "Midea®"},
        ("1", seed.SUPPLIER_B): {"total": "410000.00", "brand": "ＭＩＤＥＡ"},  # full width
        ("1", seed.SUPPLIER_C): {"total": "420000.00", "brand": "海尔"},
    }
    world = _qualified(published, bids)
    facts = _qualification_facts(world)
    assert (facts["qualified"], facts["counted_as"], facts["no_evaluation"]) == (3, 2, True)
    assert tender_of(world).lots["1"].status == "no_evaluation"
    results = tuple(ConformityResult(bidder, True) for _, bidder in bids)
    conformity = RecordConformity(seed.CODE, "1", results)
    assert_refused(world, EXPERT, "evaluator", conformity, r"§24\.1")


def test_a_brand_counts_once_again_when_conformity_is_checked(published: World) -> None:
    bids: dict[BidKey, BidSpec] = {
        ("1", seed.SUPPLIER_A): {"total": "400000.00", "brand": "Kaiyue"},
        ("1", seed.SUPPLIER_B): {"total": "410000.00", "brand": " kai-yue "},
        ("1", seed.SUPPLIER_C): {"total": "420000.00", "brand": "海尔"},
        ("1", seed.SUPPLIER_D): "430000.00",
    }
    world = _qualified(published, bids)
    assert _qualification_facts(world)["counted_as"] == 3
    check_conformity(world, "1", {seed.SUPPLIER_D: "交货期不满足★条款"})
    lot = tender_of(world).lots["1"]
    assert len(lot.valid_bids()) == 3  # three valid bids, two of one brand: two bidders
    assert lot.status == "no_evaluation"


# The SME declaration (声明函) against the registry


def test_a_false_small_enterprise_declaration_invalidates_the_bid(published: World) -> None:
    assert published.parties[seed.SUPPLIER_B].attributes["enterprise_size"] == "large"
    bids: dict[BidKey, BidSpec] = {
        ("1", seed.SUPPLIER_B): {"total": "380000.00", "small_or_micro": True},
        ("1", seed.RUNHUA): "400000.00",
        ("1", seed.SUPPLIER_A): "410000.00",
        ("1", seed.SUPPLIER_D): "420000.00",
    }
    world = _qualified(published, bids)
    check_conformity(world, "1")
    bid = tender_of(world).lots["1"].bids[seed.SUPPLIER_B]
    assert bid.invalid == [
        {
            "rule": "FALSE_SME_DECLARATION",
            "detail": "demo-b declares small or micro size; its registered size is large",
        }
    ]
    assert rules.by_code("FALSE_SME_DECLARATION").clause == "§26.2(11)"
    assert tender_of(world).lots["1"].status == "examined"


def test_a_declaration_the_registry_cannot_confirm_gets_no_deduction(published: World) -> None:
    published.register("demo-e", "演示供应商戊", ("bidder",), {"legal_representative": "rep-e"})
    published.act("demo-e", "bidder", ObtainDocuments(seed.CODE))
    bids: dict[BidKey, BidSpec] = {
        ("1", "demo-e"): {"total": "400000.00", "small_or_micro": True},
        ("1", seed.SUPPLIER_D): {"total": "400000.00", "small_or_micro": True},  # micro
        ("1", seed.SUPPLIER_A): "410000.00",
    }
    world = _qualified(published, bids)
    check_conformity(world, "1")
    sheets = tuple(ScoreSheet(b, Decimal(20), Decimal(30)) for _, b in bids)
    outcome = world.act(EXPERT, "evaluator", SubmitScores(seed.CODE, "1", sheets))
    prices = facts_of(world, outcome)["evaluation_prices"]
    assert prices["demo-e"] == {
        "price": "400000.00",
        "evaluation_price": "400000.00",
        "basis": "declared small or micro, not confirmed by a registered size: no deduction",
    }
    assert prices[seed.SUPPLIER_D]["evaluation_price"] == "360000.00"  # registered micro
    assert tender_of(world).lots["1"].bids["demo-e"].valid
