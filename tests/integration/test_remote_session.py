"""Check-in at the venues, the session both venues hold, scores with their venue, outages."""

from __future__ import annotations

from commands import remote_seed, seed
from commands.messages import (
    CheckInAtVenue,
    CloseSession,
    CommitteeMember,
    ConfirmIdentity,
    ConformityResult,
    FormCommittee,
    OpenSession,
    RecordConformity,
    ReportVenueOutage,
    ResumeProcedure,
    SubmitScores,
)
from commands.world import World
from tests.conftest import tender_of
from tests.support import remote
from tests.support.evaluation import (
    assert_refused,
    check_conformity,
    committee_decides,
    facts_of,
    form_committee,
    qualify,
    submit_scores,
)

DRAWN_EXPERT = "zhu-changan"  # drawn for the main venue (Enshi)
CHECK = "居民身份证核验一致(测试)"


def _formed(world: World) -> None:
    remote.drawn(world)
    form_committee(world)


def test_a_score_from_a_member_who_did_not_check_in_is_refused_naming_the_rule(
    published: World,
) -> None:
    _formed(published)
    remote_seed.check_in(published, tuple(m for m in seed.COMMITTEE if m != DRAWN_EXPERT))
    remote_seed.open_session(published)
    qualify(published, "1")
    check_conformity(published, "1")
    submit_scores(published, "1", {m: None for m in seed.COMMITTEE if m != DRAWN_EXPERT})
    sheet = SubmitScores(seed.CODE, "1", ())
    assert_refused(
        published, DRAWN_EXPERT, "evaluator", sheet, r"D12 .*zhu-changan is not checked in"
    )


def test_a_member_checked_in_but_not_confirmed_by_the_supervisor_cannot_act(
    published: World,
) -> None:
    _formed(published)
    published.act(DRAWN_EXPERT, "evaluator", CheckInAtVenue(seed.CODE, "main"))
    conformity = RecordConformity(seed.CODE, "1", ())
    assert_refused(
        published, DRAWN_EXPERT, "evaluator", conformity, r"D12 .*identity not yet confirmed"
    )


def test_a_drawn_expert_checks_in_only_at_the_venue_it_was_drawn_for(published: World) -> None:
    _formed(published)
    wrong = CheckInAtVenue(seed.CODE, "secondary")
    assert_refused(
        published, DRAWN_EXPERT, "evaluator", wrong, r"front table 13 .*drawn for the main venue"
    )


def test_only_the_venues_own_supervisor_confirms_an_identity(published: World) -> None:
    _formed(published)
    published.act(DRAWN_EXPERT, "evaluator", CheckInAtVenue(seed.CODE, "main"))
    confirm = ConfirmIdentity(seed.CODE, DRAWN_EXPERT, "main", CHECK)
    assert_refused(
        published,
        remote_seed.JIAN_SUPERVISOR,
        "supervisor",
        confirm,
        r"D14 .*main venue's supervisor is enshi-venue-supervisor",
    )
    published.act(remote_seed.ENSHI_SUPERVISOR, "supervisor", confirm)
    assert tender_of(published).remote.confirmed(DRAWN_EXPERT)


def test_committee_work_waits_until_both_venues_have_opened_the_session(
    published: World,
) -> None:
    _formed(published)
    remote_seed.check_in(published)
    qualify(published, "1")
    opened = published.act(remote_seed.ENSHI_SUPERVISOR, "supervisor", OpenSession(seed.CODE))
    assert facts_of(published, opened)["signers"] == [remote_seed.ENSHI_SUPERVISOR]
    conformity = RecordConformity(seed.CODE, "1", ())
    assert_refused(published, DRAWN_EXPERT, "evaluator", conformity, r"D13 .*session is not opened")
    published.act(remote_seed.JIAN_SUPERVISOR, "supervisor", OpenSession(seed.CODE))
    assert tender_of(published).remote.session == "open"


def test_every_score_records_the_venue_of_its_member(published: World) -> None:
    remote.drawn(published)
    remote.seat(published)
    qualify(published, "1")
    check_conformity(published, "1")
    submit_scores(published, "1", dict.fromkeys(seed.COMMITTEE))
    store = published.service.store
    stream = tender_of(published).id
    venues = {
        event.actor: event.facts["venue"]
        for event in store.events(stream)
        if event.type == "ScoresSubmitted"
    }
    assert venues == {member: remote_seed.venue_of(member) for member in seed.COMMITTEE}
    assert set(venues.values()) == {"main", "secondary"}


def test_a_venue_outage_suspends_the_procedure_until_the_regulator_resumes(
    published: World,
) -> None:
    remote.drawn(published)
    remote.seat(published)
    qualify(published, "1")
    outage = ReportVenueOutage(seed.CODE, "secondary", "副场网络中断(测试)")
    published.act(remote_seed.JIAN_SUPERVISOR, "supervisor", outage)
    suspended = tender_of(published)
    assert suspended.suspension is not None
    assert suspended.suspension["rule"] == "EMERGENCY_SUSPENSION"
    assert suspended.suspensions[-1].until is None
    conformity = RecordConformity(seed.CODE, "1", ())
    assert_refused(published, DRAWN_EXPERT, "evaluator", conformity, r"§23\.3 .*suspended since")
    wrong = ReportVenueOutage(seed.CODE, "main", "测试")
    assert_refused(published, remote_seed.JIAN_SUPERVISOR, "supervisor", wrong, r"§23\.3 ")
    published.act(seed.REGULATOR, "regulator", ResumeProcedure(seed.CODE, "已恢复(测试)"))
    resumed = tender_of(published)
    assert resumed.suspension is None
    assert resumed.suspensions[-1].until is not None
    committee_decides(published, conformity_for(published))


def conformity_for(world: World) -> RecordConformity:
    bidders = sorted(bid.bidder for bid in tender_of(world).lots["1"].valid_bids())
    return RecordConformity(
        seed.CODE, "1", tuple(ConformityResult(b, True, "实质性响应") for b in bidders)
    )


def test_both_venues_close_the_session_together_and_nothing_is_evaluated_after(
    published: World,
) -> None:
    remote.drawn(published)
    remote.seat(published)
    qualify(published, "1")
    published.act(remote_seed.ENSHI_SUPERVISOR, "supervisor", CloseSession(seed.CODE))
    assert tender_of(published).remote.session == "open"
    published.act(remote_seed.JIAN_SUPERVISOR, "supervisor", CloseSession(seed.CODE))
    assert tender_of(published).remote.session == "closed"
    assert_refused(
        published,
        DRAWN_EXPERT,
        "evaluator",
        conformity_for(published),
        r"D13 .*session is closed",
    )


def test_a_remote_committee_needs_a_draw_first(published: World) -> None:
    remote.opened(published)
    members = FormCommittee(
        seed.CODE,
        tuple(
            CommitteeMember(m, "purchaser_representative" if m == seed.COMMITTEE[0] else "expert")
            for m in seed.COMMITTEE
        ),
    )
    published.clock.set(seed.beijing("2021-01-15 10:20"))
    assert_refused(published, seed.AGENCY, "agency", members, r"front table 13 .*are drawn")
