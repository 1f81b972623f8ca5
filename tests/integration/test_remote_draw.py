"""The expert draw on a real ledger: plan, commitments, reveals, beacon, draw, declines, re-draw."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from commands import remote_seed, seed
from commands.demo_beacon import demo_chain, demo_round
from commands.messages import (
    BeaconTerms,
    CommitteeMember,
    DrawCommittee,
    FixVenues,
    FormCommittee,
    OrderRedraw,
    PlanDraw,
    QuotaTerms,
    ReportAbsence,
    RevealPlatformSecret,
    SuspendExpert,
)
from commands.world import World
from ledger.draw import DrawRule, draw_seed, recompute
from ledger.draw.pool import Expert
from ledger.draw.randomness import Contribution
from ledger.draw_check import verify_tender_draw
from ledger.errors import RuleViolation
from ledger.verification import verify_log
from tests.conftest import tender_of
from tests.support import remote
from tests.support.evaluation import assert_refused, facts_of

B = seed.beijing


def _plan(world: World, **changes: object) -> PlanDraw:
    plan = PlanDraw(
        seed.CODE,
        remote_seed.SPECIALTIES,
        remote_seed.QUOTAS,
        remote_seed.RESERVES,
        remote_seed.RECENT_DAYS,
        remote_seed.beacon_round(),
        remote_seed.COMMIT_DEADLINE,
    )
    return dataclasses.replace(plan, **changes)


def test_recomputing_the_draw_from_the_log_gives_the_recorded_committee(published: World) -> None:
    tender = remote.drawn(published)
    planned = tender.remote.current
    assert planned is not None
    assert planned["result"] is not None
    pool = [Expert.from_record(record) for record in planned["pool"]]
    secrets = [Contribution(party=p, secret=remote_seed.SECRETS[p]) for p in remote_seed.SECRETS]
    beacon = demo_round(remote_seed.beacon_round())
    seed_bytes = draw_seed(remote_seed.DRAW_ID, beacon.randomness, secrets)
    rule = DrawRule.from_record(planned["rule"])
    again = recompute(rule, pool, seed_bytes, [remote_seed.DECLINES])
    assert again.to_record() == planned["result"]
    assert sorted(s.expert_id for s in again.members) == sorted(remote_seed.DRAWN)
    audit = verify_tender_draw(published.service.store, seed.CODE)
    assert audit.draws[0].seed == seed_bytes.hex()
    assert audit.all_differences() == []


def test_the_plan_records_the_rule_the_pool_snapshot_and_every_exclusion(published: World) -> None:
    remote.opened(published)
    facts = facts_of(
        published, published.act(seed.AGENCY, "agency", _plan(published), at=B("2021-01-15 10:16"))
    )
    assert facts["rule"]["bidders"] == sorted(remote.LOT1_BIDDERS)
    assert facts["rule"]["purchaser"] == seed.PURCHASER
    excluded = {item["id"]: item["reasons"] for item in facts["excluded"]}
    assert excluded["enshi-expert-01"] == [f"employed by bidder {seed.QXD}"]
    assert excluded["enshi-expert-03"] == ["status suspended"]
    assert "jian-expert-04" in excluded
    assert {entry["id"] for entry in facts["eligible"]}.isdisjoint(excluded)


def test_a_plan_whose_quotas_do_not_make_the_notices_experts_is_refused(published: World) -> None:
    remote.opened(published)
    short = _plan(published, quotas=(QuotaTerms("enshi", "main", 1), remote_seed.QUOTAS[1]))
    assert_refused(published, seed.AGENCY, "agency", short, r"front table 13 .*fixes 4")


def test_a_plan_after_its_own_commit_deadline_is_refused(published: World) -> None:
    remote.opened(published)
    published.clock.set(B("2021-01-15 10:19"))
    assert_refused(published, seed.AGENCY, "agency", _plan(published), r"D1 .*after the commit")


def test_a_commit_deadline_not_before_the_beacon_round_is_refused(published: World) -> None:
    remote.opened(published)
    late = _plan(published, commit_deadline=B("2021-01-15 10:25"))
    published.clock.set(B("2021-01-15 10:16"))
    assert_refused(published, seed.AGENCY, "agency", late, r"D6 ")


def test_a_changed_reveal_is_refused_so_no_party_chooses_the_seed(published: World) -> None:
    remote.opened(published)
    remote_seed.plan_and_commit(published)
    other = bytes(32).hex()
    published.clock.set(B("2021-01-15 10:18") + timedelta(seconds=30))
    assert_refused(
        published,
        seed.PLATFORM,
        "platform",
        RevealPlatformSecret(seed.CODE, other),
        r"D3 .*the platform's reveal hashes to",
    )


def test_a_withheld_reveal_is_recorded_and_a_late_one_is_refused(published: World) -> None:
    remote.opened(published)
    remote_seed.plan_and_commit(published)
    remote_seed.reveal_all(published, withheld=frozenset({"platform"}))
    published.clock.set(B("2021-01-15 10:20"))
    late = RevealPlatformSecret(seed.CODE, remote_seed.SECRETS["platform"].hex())
    assert_refused(published, seed.PLATFORM, "platform", late, r"D2 .*outside")
    facts = facts_of(published, remote_seed.draw(published))
    withheld = [c for c in facts["contributions"] if not c["revealed"]]
    assert withheld == [{"party": "platform", "revealed": False, "withheld": "no reveal"}]
    parts = [
        Contribution(party=p, secret=None if p == "platform" else s, withheld=None)
        for p, s in remote_seed.SECRETS.items()
    ]
    beacon = demo_round(remote_seed.beacon_round())
    assert facts["seed"] == draw_seed(remote_seed.DRAW_ID, beacon.randomness, parts).hex()
    assert verify_tender_draw(published.service.store, seed.CODE).all_differences() == []


def test_the_draw_before_the_beacon_rounds_time_is_refused(published: World) -> None:
    remote.opened(published)
    remote_seed.plan_and_commit(published)
    remote_seed.reveal_all(published)
    beacon = demo_round(remote_seed.beacon_round())
    terms = BeaconTerms(beacon.round, beacon.signature.hex(), beacon.randomness.hex())
    published.clock.set(B("2021-01-15 10:19") + timedelta(seconds=50))
    assert_refused(
        published, seed.AGENCY, "agency", DrawCommittee(seed.CODE, terms), r"D11 .*published at"
    )


def test_a_forged_beacon_signature_is_refused_naming_the_rule(published: World) -> None:
    remote.opened(published)
    remote_seed.plan_and_commit(published)
    remote_seed.reveal_all(published)
    forged = demo_round(remote_seed.beacon_round() + 1)  # a genuine signature, another round
    terms = BeaconTerms(remote_seed.beacon_round(), forged.signature.hex(), forged.randomness.hex())
    published.clock.set(B("2021-01-15 10:20") + timedelta(seconds=30))
    assert_refused(
        published, seed.AGENCY, "agency", DrawCommittee(seed.CODE, terms), r"D11 .*signature: "
    )


def test_the_committee_must_be_exactly_the_drawn_experts(published: World) -> None:
    remote.drawn(published)
    members = (
        CommitteeMember(remote_seed.REPRESENTATIVE, "purchaser_representative"),
        *(CommitteeMember(e, "expert") for e in remote_seed.DRAWN[:3]),
        CommitteeMember(remote_seed.DECLINES, "expert"),
    )
    published.clock.set(B("2021-01-15 10:25"))
    assert_refused(
        published,
        seed.AGENCY,
        "agency",
        FormCommittee(seed.CODE, members),
        r"front table 13 .*drew",
    )
    tender = remote.seat(published)
    assert set(tender.committee) == {remote_seed.REPRESENTATIVE, *remote_seed.DRAWN}


def test_a_decline_gives_the_seat_to_the_next_of_its_region_in_drawn_order(
    published: World,
) -> None:
    tender = remote.drawn(published)
    result = tender.remote.drawn()
    assert result is not None
    assert result["replacements"] == [
        {
            "declined": "jian-expert-01",
            "replacement": "qin-zhengmao",
            "region": "jian",
            "venue": "secondary",
        }
    ]
    assert [r["id"] for r in result["reserves"]] == ["enshi-expert-14", "jian-expert-02"]
    published.act(
        seed.AGENCY, "agency", ReportAbsence(seed.CODE, "qin-zhengmao", "电话未接通(测试)")
    )
    seats = {s["id"] for s in (tender_of(published).remote.drawn() or {})["members"]}
    assert "jian-expert-02" in seats
    assert "qin-zhengmao" not in seats


def test_only_the_regulator_voids_a_draw_and_the_next_one_is_draw_2(published: World) -> None:
    remote.drawn(published)
    assert_refused(published, seed.AGENCY, "agency", _plan(published), r"D10 .*draw-1 stands")
    reason = "抽取系统与监管系统时钟不一致,责令重新抽取(测试)"
    published.act(seed.REGULATOR, "regulator", OrderRedraw(seed.CODE, reason))
    beacon_round = demo_chain().first_round_at_or_after(B("2021-01-15 10:40"))
    plan = _plan(published, beacon_round=beacon_round, commit_deadline=B("2021-01-15 10:35"))
    facts = facts_of(
        published, published.act(seed.AGENCY, "agency", plan, at=B("2021-01-15 10:30"))
    )
    assert facts["draw_id"] == f"{seed.CODE}/draw-2"
    assert tender_of(published).remote.draws[0]["voided"]["reason"] == reason


def test_a_pool_change_after_the_plan_leaves_the_draw_to_the_snapshot(published: World) -> None:
    remote.opened(published)
    remote_seed.plan_and_commit(published)
    published.act(
        remote_seed.ENSHI_CENTRE, "centre", SuspendExpert("zhu-changan", "临时出差(测试)")
    )
    remote_seed.reveal_all(published)
    result = facts_of(published, remote_seed.draw(published))["draw"]
    assert "zhu-changan" in {seat["id"] for seat in result["members"]}
    assert verify_tender_draw(published.service.store, seed.CODE).all_differences() == []


def test_the_venues_cannot_change_once_a_draw_is_planned(published: World) -> None:
    remote.opened(published)
    remote_seed.plan_and_commit(published)
    again = FixVenues(seed.CODE, remote_seed.AGREEMENT, remote_seed.VENUES)
    assert_refused(published, seed.AGENCY, "agency", again, r"D9 .*already planned")


def test_the_whole_remote_evaluation_verifies_by_re_execution(published: World) -> None:
    remote.drawn(published)
    remote.seat(published)
    summary = verify_log(published.service.store)
    assert summary.events > 100


def test_a_draw_with_a_quota_no_pool_can_fill_is_refused_at_the_plan(published: World) -> None:
    remote.opened(published)
    greedy = _plan(published, reserves_per_region=5)
    with pytest.raises(RuleViolation, match=r"front table 13 .*reserves"):
        published.act(seed.AGENCY, "agency", greedy, at=B("2021-01-15 10:16"))
    assert tender_of(published).remote.current is None
