"""The seed tender evaluated remotely (一主场一副场): centres, pools, venues, the draw, check-in.

The seed's committee is five: the purchaser's representative, appointed, and four experts
drawn at random by computer (front table 13). The seed names the five and nothing else about
them; the news report (second seed) gives the model: two centres under a cooperation
agreement, a main and a secondary venue, experts drawn from both regions' pools, a unified
identity check-in. Everything below that the seeds do not say is illustrative: the pairing of
the Enshi centre (where the seed tender is hosted, room 评标室二) with the Ji'an centre of the
news report, the agreement's date, the experts' regions, the other experts (演示专家) and the
three parties' secrets. The pool was composed knowing the demonstration beacon's round and
those secrets, so that the honest draw seats the seed's four experts (one drawn expert of the
pool declines first, to show a replacement); the draw itself is recomputed by anyone from
the log, as every draw is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from commands import seed
from commands.demo_beacon import demo_chain, demo_round
from commands.messages import (
    AddExpert,
    BeaconChainTerms,
    BeaconTerms,
    CheckInAtVenue,
    CloseSession,
    CommitAgencySecret,
    CommitPlatformSecret,
    CommitRegulatorSecret,
    ConfirmIdentity,
    DeclineSeat,
    DrawCommittee,
    FixVenues,
    OpenSession,
    PlanDraw,
    QuotaTerms,
    RecordSitting,
    ReportVenueOutage,
    ResumeProcedure,
    RevealAgencySecret,
    RevealPlatformSecret,
    RevealRegulatorSecret,
    SignCooperation,
    SuspendExpert,
    VenueTerms,
)
from commands.service import Outcome
from commands.world import World
from ledger.draw.pool import Venue
from ledger.draw.randomness import PARTIES, commitment_digest

B = seed.beijing
ENSHI, JIAN = "enshi", "jian"
ENSHI_CENTRE, JIAN_CENTRE = "enshi-trading-centre", "jian-trading-centre"
ENSHI_SUPERVISOR, JIAN_SUPERVISOR = "enshi-venue-supervisor", "jian-venue-supervisor"
AGREEMENT = "enshi-jian-remote-evaluation"
REPRESENTATIVE = seed.COMMITTEE[0]  # 牟方政, appointed by the purchaser (illustrative choice)
DRAWN = seed.COMMITTEE[1:]  # 覃正茂, 郭艳, 袁凤梅, 朱长安
DECLINES = "jian-expert-01"
SPECIALTIES = ("catering-equipment", "school-equipment")
QUOTAS = (QuotaTerms(ENSHI, "main", 2), QuotaTerms(JIAN, "secondary", 2))
RESERVES, RECENT_DAYS = 1, 180
VENUES = (
    VenueTerms("main", ENSHI_CENTRE, "恩施州公共资源交易中心 评标室二", ENSHI_SUPERVISOR),
    VenueTerms("secondary", JIAN_CENTRE, "吉安分中心 远程异地评标室(演示)", JIAN_SUPERVISOR),
)
ILLUSTRATIVE = (
    "Illustrative, not in the seeds: the remote evaluation of the seed tender (the Enshi "
    "centre's room 评标室二 as main venue, the Ji'an centre of the news report as secondary), "
    "the agreement's date, the experts' regions, the experts marked 演示专家, which of the five "
    "is the purchaser's representative, and the parties' draw secrets. The pool was composed "
    "knowing the demonstration beacon's round, so that the honest draw seats the seed's four "
    "experts; the beacon is a demonstration chain whose key this code holds, not the League "
    "of Entropy's (no published League round falls on 2021-01-15)."
)


@dataclass(frozen=True)
class PoolEntry:
    expert: str
    name: str
    region: str
    specialties: tuple[str, ...] = SPECIALTIES
    employer: str = ""
    sat_for: str | None = None  # a purchaser it sat for on 2020-11-20
    suspended: bool = False


POOL = (
    PoolEntry("yuan-fengmei", "袁凤梅", ENSHI),
    PoolEntry("zhu-changan", "朱长安", ENSHI),
    PoolEntry("enshi-expert-01", "演示专家(恩施)一", ENSHI, employer=seed.QXD),
    PoolEntry("enshi-expert-02", "演示专家(恩施)二", ENSHI, sat_for=seed.PURCHASER),
    PoolEntry("enshi-expert-03", "演示专家(恩施)三", ENSHI, suspended=True),
    PoolEntry("enshi-expert-14", "演示专家(恩施)十四", ENSHI),
    PoolEntry("guo-yan", "郭艳", JIAN),
    PoolEntry("qin-zhengmao", "覃正茂", JIAN),
    PoolEntry("jian-expert-01", "演示专家(吉安)一", JIAN),
    PoolEntry("jian-expert-02", "演示专家(吉安)二", JIAN),
    PoolEntry("jian-expert-03", "演示专家(吉安)三", JIAN, employer=seed.RUNHUA),
    PoolEntry("jian-expert-04", "演示专家(吉安)四", JIAN, specialties=("road-engineering",)),
)
SECRETS = {
    party: hashlib.sha256(f"bidledger demo: the {party}'s draw secret".encode()).digest()
    for party in PARTIES
}
DRAW_ID = f"{seed.CODE}/draw-1"
PLAN_AT = B("2021-01-15 10:16")
COMMIT_DEADLINE = B("2021-01-15 10:18")
BEACON_AT = B("2021-01-15 10:20")
COMMITTERS = {
    "agency": (seed.AGENCY, "agency", CommitAgencySecret, RevealAgencySecret),
    "regulator": (seed.REGULATOR, "regulator", CommitRegulatorSecret, RevealRegulatorSecret),
    "platform": (seed.PLATFORM, "platform", CommitPlatformSecret, RevealPlatformSecret),
}


def register_remote_parties(world: World) -> None:
    """Centres (each keeping one region's pool), venue supervisors, the other experts."""
    world.register(ENSHI_CENTRE, "恩施州公共资源交易中心", ("centre",), {"region": ENSHI})
    world.register(JIAN_CENTRE, "吉安市公共资源交易吉安分中心", ("centre",), {"region": JIAN})
    world.register(ENSHI_SUPERVISOR, "恩施主场监督人员(演示)", ("supervisor",))
    world.register(JIAN_SUPERVISOR, "吉安副场监督人员(演示)", ("supervisor",))
    for entry in POOL:
        if entry.expert not in world.parties:
            world.register(entry.expert, entry.name, ("evaluator",))


def set_up_pools(world: World) -> None:
    """Both centres sign the agreement (naming the beacon chain), then fill their pools."""
    terms = SignCooperation(
        AGREEMENT,
        (ENSHI_CENTRE, JIAN_CENTRE),
        date(2020, 12, 18),
        "政府采购及工程建设项目跨区域远程异地评标(演示):一主场一副场,专家从两地专家库随机抽取",
        BeaconChainTerms.of(demo_chain()),
    )
    for centre in (ENSHI_CENTRE, JIAN_CENTRE):
        world.act(centre, "centre", terms)
    for entry in POOL:
        _add(world, entry)


def _add(world: World, entry: PoolEntry) -> None:
    centre = ENSHI_CENTRE if entry.region == ENSHI else JIAN_CENTRE
    employer = entry.employer or f"unit-of-{entry.expert}"
    world.act(
        centre,
        "centre",
        AddExpert(entry.expert, entry.region, entry.specialties, employer),
    )
    if entry.sat_for is not None:
        sitting = RecordSitting(entry.expert, entry.sat_for, date(2020, 11, 20), "XFZFCG-2020-21")
        world.act(centre, "centre", sitting)
    if entry.suspended:
        world.act(centre, "centre", SuspendExpert(entry.expert, "年度考核不合格,暂停抽取(演示)"))


def fix_venues(world: World, at: datetime | None = None) -> Outcome:
    return world.act(seed.AGENCY, "agency", FixVenues(seed.CODE, AGREEMENT, VENUES), at=at)


def beacon_round() -> int:
    return demo_chain().first_round_at_or_after(BEACON_AT)


def plan_and_commit(world: World) -> Outcome:
    """The plan at 10:16, then each party's commitment (reveals follow at 10:18:20)."""
    plan = PlanDraw(
        seed.CODE, SPECIALTIES, QUOTAS, RESERVES, RECENT_DAYS, beacon_round(), COMMIT_DEADLINE
    )
    planned = world.act(seed.AGENCY, "agency", plan, at=_later(world, PLAN_AT))
    for party, (actor, role, commit, _) in COMMITTERS.items():
        digest = commitment_digest(DRAW_ID, party, SECRETS[party]).hex()
        world.act(actor, role, commit(seed.CODE, digest), at=world.clock.now() + _STEP)
    return planned


def reveal_all(world: World, withheld: frozenset[str] = frozenset()) -> None:
    """Each party reveals after the commit deadline, 20 seconds apart; ``withheld`` do not."""
    at = COMMIT_DEADLINE
    for party, (actor, role, _, reveal) in COMMITTERS.items():
        at += _STEP
        if party not in withheld:
            world.act(actor, role, reveal(seed.CODE, SECRETS[party].hex()), at=_later(world, at))


def draw(world: World) -> Outcome:
    """The agency draws with the demonstration chain's round, 30 seconds after its time."""
    beacon = demo_round(beacon_round())
    terms = BeaconTerms(beacon.round, beacon.signature.hex(), beacon.randomness.hex())
    at = _later(world, BEACON_AT + timedelta(seconds=30))
    return world.act(seed.AGENCY, "agency", DrawCommittee(seed.CODE, terms), at=at)


def run_draw(world: World) -> Outcome:
    """Plan, commitments, reveals, the draw, and the first drawn expert of Ji'an declining."""
    plan_and_commit(world)
    reveal_all(world)
    drawn = draw(world)
    world.act(DECLINES, "evaluator", DeclineSeat(seed.CODE), at=world.clock.now() + _STEP)
    return drawn


def check_in(world: World, members: tuple[str, ...] = seed.COMMITTEE) -> None:
    """Each member checks in at its venue; the venue's supervisor confirms its identity."""
    for member in members:
        venue = venue_of(member)
        world.act(member, "evaluator", CheckInAtVenue(seed.CODE, venue), at=_tick(world))
        supervisor = ENSHI_SUPERVISOR if venue == "main" else JIAN_SUPERVISOR
        check = "居民身份证与CA数字证书核验一致(演示)"
        confirm = ConfirmIdentity(seed.CODE, member, venue, check)
        world.act(supervisor, "supervisor", confirm, at=_tick(world))


def venue_of(member: str) -> Venue:
    """Where a member sits: its quota's venue; the purchaser's representative at the main."""
    region = next((entry.region for entry in POOL if entry.expert == member), ENSHI)
    return "main" if region == ENSHI else "secondary"


def open_session(world: World) -> None:
    for supervisor in (ENSHI_SUPERVISOR, JIAN_SUPERVISOR):
        world.act(supervisor, "supervisor", OpenSession(seed.CODE), at=_tick(world))


def close_session(world: World, at: datetime) -> None:
    for supervisor in (ENSHI_SUPERVISOR, JIAN_SUPERVISOR):
        world.act(supervisor, "supervisor", CloseSession(seed.CODE), at=_later(world, at))
        at += _STEP


def venue_outage(world: World, at: datetime, resumed_at: datetime) -> None:
    """The secondary venue loses its link: a suspension (§23.3) the regulator ends."""
    outage = ReportVenueOutage(seed.CODE, "secondary", "副场网络中断,音视频连线失败(演示)")
    world.act(JIAN_SUPERVISOR, "supervisor", outage, at=at)
    resumed = ResumeProcedure(seed.CODE, "副场网络恢复,经监管部门确认恢复评标(演示)")
    world.act(seed.REGULATOR, "regulator", resumed, at=resumed_at)


_STEP = timedelta(seconds=20)


def _tick(world: World) -> datetime:
    return world.clock.now() + _STEP


def _later(world: World, moment: datetime) -> datetime:
    return max(world.clock.now(), moment)
