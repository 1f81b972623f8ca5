"""The expert pools stream: agreements signed by every party, each region kept by its centre."""

from __future__ import annotations

from datetime import date

import pytest

from commands import remote_seed, seed
from commands.demo_beacon import demo_chain
from commands.messages import (
    AddExpert,
    BeaconChainTerms,
    FixVenues,
    RecordSitting,
    ReinstateExpert,
    RemoveExpert,
    SignCooperation,
    SuspendExpert,
    UpdateExpert,
)
from commands.world import World
from ledger.errors import InvalidInput, RuleViolation
from ledger.verification import verify_log

AGREEMENT = "test-agreement"


def _agreement(**changes: object) -> SignCooperation:
    terms = {
        "agreement": AGREEMENT,
        "parties": (remote_seed.ENSHI_CENTRE, remote_seed.JIAN_CENTRE),
        "signed_on": date(2020, 12, 18),
        "scope": "远程异地评标(测试)",
        "beacon_chain": BeaconChainTerms.of(demo_chain()),
    } | changes
    return SignCooperation(**terms)  # type: ignore[arg-type]


@pytest.fixture
def cast(published: World) -> World:
    remote_seed.register_remote_parties(published)
    return published


def test_an_agreement_is_in_force_once_every_party_has_signed_it(cast: World) -> None:
    cast.act(remote_seed.ENSHI_CENTRE, "centre", _agreement())
    assert not cast.service.pools().cooperation(AGREEMENT).in_force
    venues = FixVenues(seed.CODE, AGREEMENT, remote_seed.VENUES)
    with pytest.raises(RuleViolation, match=r"D8 .*signed by \['enshi-trading-centre'\] only"):
        cast.act(seed.AGENCY, "agency", venues)
    cast.act(remote_seed.JIAN_CENTRE, "centre", _agreement())
    assert cast.service.pools().cooperation(AGREEMENT).in_force
    cast.act(seed.AGENCY, "agency", venues)


def test_a_party_signing_other_content_or_twice_is_refused(cast: World) -> None:
    cast.act(remote_seed.ENSHI_CENTRE, "centre", _agreement())
    with pytest.raises(RuleViolation, match=r"D8 .*signed with other content"):
        cast.act(remote_seed.JIAN_CENTRE, "centre", _agreement(scope="另一范围"))
    with pytest.raises(RuleViolation, match=r"D8 .*has already signed"):
        cast.act(remote_seed.ENSHI_CENTRE, "centre", _agreement())


def test_an_agreement_naming_a_chain_whose_hash_is_wrong_is_refused(cast: World) -> None:
    chain = BeaconChainTerms.of(demo_chain())
    wrong = _agreement(beacon_chain=BeaconChainTerms(**{**chain.__dict__, "period": 31}))
    with pytest.raises(InvalidInput, match="beacon_chain: its fields hash to"):
        cast.act(remote_seed.ENSHI_CENTRE, "centre", wrong)


def test_only_the_centre_keeping_a_region_changes_its_experts(cast: World) -> None:
    add = AddExpert("guo-yan", "jian", remote_seed.SPECIALTIES, "unit-of-guo-yan")
    with pytest.raises(RuleViolation, match=r"D7 .*keeps the pool of enshi, not of jian"):
        cast.act(remote_seed.ENSHI_CENTRE, "centre", add)
    cast.act(remote_seed.JIAN_CENTRE, "centre", add)
    suspend = SuspendExpert("guo-yan", "测试")
    with pytest.raises(RuleViolation, match="D7 "):
        cast.act(remote_seed.ENSHI_CENTRE, "centre", suspend)
    with pytest.raises(RuleViolation, match=r"S1 .*for a centre, signed as authority"):
        cast.as_authority(suspend)  # the registration authority keeps no pool


def test_an_expert_joins_with_its_registered_keys_and_its_record_follows_its_events(
    cast: World,
) -> None:
    centre = remote_seed.JIAN_CENTRE
    cast.act(centre, "centre", AddExpert("guo-yan", "jian", ("school-equipment",), "unit-a"))
    record = cast.service.pools().expert("guo-yan")
    assert record["keys"] == [cast.parties["guo-yan"].signer.key_id]
    cast.act(
        centre, "centre", UpdateExpert("guo-yan", ("school-equipment",), "unit-b", (seed.QXD,))
    )
    cast.act(centre, "centre", RecordSitting("guo-yan", seed.PURCHASER, date(2020, 12, 1), "T-1"))
    cast.act(centre, "centre", SuspendExpert("guo-yan", "考核(测试)"))
    cast.act(centre, "centre", ReinstateExpert("guo-yan", "考核通过(测试)"))
    cast.act(centre, "centre", RemoveExpert("guo-yan", "退休(测试)"))
    record = cast.service.pools().expert("guo-yan")
    assert (record["employer"], record["ties"], record["status"]) == ("unit-b", [seed.QXD], "left")
    assert record["sittings"] == [{"purchaser": seed.PURCHASER, "on": "2020-12-01"}]
    verify_log(cast.service.store)


def test_only_a_registered_evaluator_joins_a_pool(cast: World) -> None:
    add = AddExpert(seed.QXD, "jian", remote_seed.SPECIALTIES, "x")
    with pytest.raises(RuleViolation, match=r"S1 .*not a registered evaluator"):
        cast.act(remote_seed.JIAN_CENTRE, "centre", add)


def test_a_sitting_in_the_future_is_refused(cast: World) -> None:
    centre = remote_seed.JIAN_CENTRE
    cast.act(centre, "centre", AddExpert("guo-yan", "jian", ("school-equipment",), "unit-a"))
    later = RecordSitting("guo-yan", seed.PURCHASER, date(2021, 6, 1), "T-2")
    with pytest.raises(InvalidInput, match="has not happened yet"):
        cast.act(centre, "centre", later)
