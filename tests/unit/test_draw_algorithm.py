"""The draw: eligibility with reasons, SHA-256(seed ‖ id) order, quotas, reserves, replacements."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date

import pytest

from ledger.draw.algorithm import draw, exclusion_reasons, recompute, replace_member
from ledger.draw.pool import DrawRule, Expert, Quota
from ledger.draw.verify import difference, verify_draw
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure
from tests.support.draw import BIDDERS, EXAMPLE_POOL, EXAMPLE_RULE, expert

SEED = hashlib.sha256(b"a test seed").digest()
PURCHASER = EXAMPLE_RULE.purchaser


def _rule(**changes: object) -> DrawRule:
    return dataclasses.replace(EXAMPLE_RULE, **changes)  # type: ignore[arg-type]


def test_each_eligible_expert_is_ordered_by_the_sha256_of_seed_and_id() -> None:
    result = draw(EXAMPLE_RULE, EXAMPLE_POOL, SEED)
    keys = {
        r.expert_id: hashlib.sha256(SEED + r.expert_id.encode()).hexdigest() for r in result.order
    }
    assert [r.expert_id for r in result.order] == sorted(keys, key=keys.__getitem__)
    assert all(r.key.hex() == keys[r.expert_id] for r in result.order)


def test_the_eligible_pool_is_committed_as_sha256_of_its_sorted_canonical_entries() -> None:
    result = draw(EXAMPLE_RULE, EXAMPLE_POOL, SEED)
    entries = [{"id": r.expert_id, "region": r.region} for r in result.order]
    entries.sort(key=lambda entry: entry["id"])
    text = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert result.eligible_commitment == hashlib.sha256(text.encode()).digest()


def test_every_reason_against_an_expert_is_listed() -> None:
    conflicted = expert(
        "X-1",
        "elsewhere",
        specialties=("road-engineering",),
        employer=PURCHASER,
        ties=tuple(sorted(BIDDERS)),
        sittings=((PURCHASER, "2020-08-16"), (PURCHASER, "2020-02-19"), ("other", "2020-08-01")),
        status="left",
    )
    assert exclusion_reasons(EXAMPLE_RULE, conflicted) == (
        "status left",
        "region elsewhere has no seat in this draw",
        "none of the required specialties (catering-equipment, school-equipment)",
        f"employed by the purchaser {PURCHASER}",
        "tied to bidder jiangxi-runhua",
        "tied to bidder wuhan-qinxiongdi",
        f"sat for the purchaser {PURCHASER} on 2020-02-19, within 180 days of the draw",
        f"sat for the purchaser {PURCHASER} on 2020-08-16, within 180 days of the draw",
    )


def test_a_sitting_for_the_purchaser_just_outside_the_window_does_not_exclude() -> None:
    # 2020-08-17 minus 180 days is 2020-02-19: on that day still excluded, the day before not.
    assert (
        exclusion_reasons(EXAMPLE_RULE, expert("X", "jian", sittings=((PURCHASER, "2020-02-18"),)))
        == ()
    )
    assert exclusion_reasons(EXAMPLE_RULE, expert("X", "jian", employer="jiangxi-runhua")) == (
        "employed by bidder jiangxi-runhua",
    )


def test_members_fill_each_quota_in_drawn_order_and_reserves_follow() -> None:
    result = draw(EXAMPLE_RULE, EXAMPLE_POOL, SEED)
    for region, venue in (("jian", "main"), ("changle", "secondary")):
        in_order = [r.expert_id for r in result.order if r.region == region]
        seated = [s.expert_id for s in result.members if s.region == region]
        assert all(s.venue == venue for s in result.members if s.region == region)
        assert seated == in_order[:2]
        assert [r.expert_id for r in result.reserves if r.region == region] == in_order[2:3]
    assert [s.venue for s in result.members] == ["main", "main", "secondary", "secondary"]


def test_a_region_split_across_both_venues_fills_the_first_quota_first() -> None:
    rule = _rule(
        quotas=(
            Quota(region="jian", venue="main", members=2),
            Quota(region="jian", venue="secondary", members=1),
        ),
        reserves_per_region=0,
    )
    result = draw(rule, EXAMPLE_POOL, SEED)
    jian = [r.expert_id for r in result.order if r.region == "jian"]
    assert [(s.expert_id, s.venue) for s in result.members] == [
        (jian[0], "main"),
        (jian[1], "main"),
        (jian[2], "secondary"),
    ]


def test_a_quota_that_cannot_be_met_is_refused_by_name() -> None:
    rule = _rule(quotas=(Quota(region="jian", venue="main", members=6),))
    with pytest.raises(
        RuleViolation,
        match=r"front table 13 .*quota jian/main needs 6 members and gets 5 \(5 eligible",
    ):
        draw(rule, EXAMPLE_POOL, SEED)
    rule = _rule(reserves_per_region=5)
    with pytest.raises(RuleViolation, match="region jian needs 5 reserves and has 3") as caught:
        draw(rule, EXAMPLE_POOL, SEED)
    assert "region changle needs 5 reserves and has 2" in str(caught.value)


def test_a_declining_member_gives_the_seat_to_the_first_reserve_then_to_the_next_in_order() -> None:
    result = draw(EXAMPLE_RULE, EXAMPLE_POOL, SEED)
    jian = [r.expert_id for r in result.order if r.region == "jian"]
    first = replace_member(result, jian[0])
    assert [s.expert_id for s in first.members_at("main")] == [jian[2], jian[1]]
    assert [r.expert_id for r in first.reserves if r.region == "jian"] == [jian[3]]
    second = replace_member(first, jian[2])
    assert [s.expert_id for s in second.members_at("main")] == [jian[3], jian[1]]
    assert [(r.declined, r.replacement) for r in second.replacements] == [
        (jian[0], jian[2]),
        (jian[2], jian[3]),
    ]
    assert recompute(EXAMPLE_RULE, EXAMPLE_POOL, SEED, [jian[0], jian[2]]) == second


def test_a_replacement_when_the_region_is_exhausted_is_refused() -> None:
    result = draw(EXAMPLE_RULE, EXAMPLE_POOL, SEED)
    for _ in range(3):
        result = replace_member(result, result.members_at("main")[0].expert_id)
    with pytest.raises(RuleViolation, match=r"D5 .*no eligible expert of region jian is left"):
        replace_member(result, result.members_at("main")[0].expert_id)
    with pytest.raises(InvalidInput, match="holds no seat"):
        replace_member(result, "CL-05")


def test_the_same_inputs_in_any_pool_order_give_the_same_draw() -> None:
    assert draw(EXAMPLE_RULE, tuple(reversed(EXAMPLE_POOL)), SEED) == draw(
        EXAMPLE_RULE, EXAMPLE_POOL, SEED
    )


def test_malformed_inputs_are_input_errors() -> None:
    with pytest.raises(InvalidInput, match="32 bytes"):
        draw(EXAMPLE_RULE, EXAMPLE_POOL, b"short")
    with pytest.raises(InvalidInput, match="repeat"):
        draw(EXAMPLE_RULE, (*EXAMPLE_POOL, EXAMPLE_POOL[0]), SEED)
    with pytest.raises(InvalidInput, match="one quota per region and venue"):
        _rule(quotas=(Quota(region="a", venue="main", members=1),) * 2)


def test_records_round_trip() -> None:
    for item in EXAMPLE_POOL:
        assert Expert.from_record(json.loads(json.dumps(item.to_record()))) == item
    assert DrawRule.from_record(json.loads(json.dumps(EXAMPLE_RULE.to_record()))) == EXAMPLE_RULE
    assert EXAMPLE_RULE.to_record()["draw_date"] == date(2020, 8, 17).isoformat()


def test_a_recorded_draw_that_matches_its_recomputation_verifies() -> None:
    drawn = draw(EXAMPLE_RULE, EXAMPLE_POOL, SEED)
    result = replace_member(drawn, drawn.members[-1].expert_id)
    record = json.loads(json.dumps(result.to_record()))
    assert difference(record, result.to_record()) == ()
    verify_draw(record, EXAMPLE_POOL, SEED)


def test_a_swapped_member_is_named_exactly() -> None:
    record = json.loads(json.dumps(draw(EXAMPLE_RULE, EXAMPLE_POOL, SEED).to_record()))
    seated = record["members"][0]["id"]
    record["members"][0]["id"] = "CL-05"
    with pytest.raises(VerificationFailure) as caught:
        verify_draw(record, EXAMPLE_POOL, SEED)
    message = str(caught.value)
    assert message.startswith("draw example/draw-1: 2 difference(s)")
    assert "draw.members: CL-05 recorded, absent when recomputed" in message
    assert f"draw.members: {seated} absent from the record, recomputed" in message


def test_a_changed_commitment_a_dropped_exclusion_and_another_seed_are_each_named() -> None:
    record = json.loads(json.dumps(draw(EXAMPLE_RULE, EXAMPLE_POOL, SEED).to_record()))
    record["eligible_commitment"] = "00" * 32
    dropped = record["excluded"].pop(1)
    found = difference(record, draw(EXAMPLE_RULE, EXAMPLE_POOL, SEED).to_record())
    assert found[0].startswith("draw.eligible_commitment: recorded '0000")
    assert f"draw.excluded: {dropped['id']} absent from the record, recomputed" in found
    assert len(found) == 2
    other = hashlib.sha256(b"another seed").digest()
    with pytest.raises(VerificationFailure, match=r"draw\.seed: recorded '"):
        verify_draw(record, EXAMPLE_POOL, other)


def test_a_recorded_draw_the_rule_would_refuse_fails_verification() -> None:
    record = draw(EXAMPLE_RULE, EXAMPLE_POOL, SEED).to_record()
    with pytest.raises(
        VerificationFailure, match="cannot be recomputed: refused by front table 13"
    ):
        verify_draw(record, EXAMPLE_POOL[:3], SEED)


def test_an_incomplete_draw_record_fails_verification() -> None:
    record = draw(EXAMPLE_RULE, EXAMPLE_POOL, SEED).to_record()
    del record["declined"]
    with pytest.raises(VerificationFailure, match="draw record: the record is incomplete"):
        verify_draw(record, EXAMPLE_POOL, SEED)
