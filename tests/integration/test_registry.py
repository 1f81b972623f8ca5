"""Who may sign what (S1) and how keys come and go (S2), on a real SQLite file."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from commands import seed
from commands.client import Actor
from commands.messages import AmendTender, CheckIn, RegisterKey, RegisterParty, RevokeKey
from commands.world import World
from ledger.crypto.certificates import issue_certificate
from ledger.crypto.signing import Signer
from ledger.errors import RuleViolation
from ledger.verification import verify_log
from tests.conftest import tender_of


def _log_size(world: World) -> int:
    return sum(1 for _ in world.service.store.log())


def _registry_version(world: World) -> int:
    return world.service.registry().version


def _key_id(world: World, party: str) -> str:
    return world.parties[party].signer.key_id


def test_an_action_signed_with_an_unregistered_key_is_refused(published: World) -> None:
    stranger = Signer.generate()
    before, size = tender_of(published).version, _log_size(published)
    published.clock.set(seed.beijing("2021-01-10 10:00"))
    command = Actor(seed.QXD, "bidder", stranger).sign(CheckIn(seed.CODE, "1"))
    with pytest.raises(RuleViolation) as caught:
        published.service.execute(command)
    assert str(caught.value) == (
        "refused by S1 (the signing key must be registered for the actor and role, and valid): "
        f"key {stranger.key_id} is not a registered signing key of {seed.QXD}"
    )
    assert (tender_of(published).version, _log_size(published)) == (before, size)


def test_an_action_signed_with_another_partys_key_is_refused(published: World) -> None:
    runhua_key = published.parties[seed.RUNHUA].signer
    before, size = tender_of(published).version, _log_size(published)
    published.clock.set(seed.beijing("2021-01-10 10:00"))
    command = Actor(seed.QXD, "bidder", runhua_key).sign(CheckIn(seed.CODE, "1"))
    with pytest.raises(
        RuleViolation,
        match=r"^refused by S1 .*is not a registered signing key "
        r"of wuhan-qinxiongdi$",
    ):
        published.service.execute(command)
    assert (tender_of(published).version, _log_size(published)) == (before, size)


def test_a_registered_key_id_with_a_signature_made_by_another_key_is_refused(
    published: World,
) -> None:
    forger = Actor(seed.QXD, "bidder", published.parties[seed.RUNHUA].signer)
    forged = dataclasses.replace(
        forger.sign(CheckIn(seed.CODE, "1")), key_id=_key_id(published, seed.QXD)
    )
    size = _log_size(published)
    published.clock.set(seed.beijing("2021-01-10 10:00"))
    with pytest.raises(
        RuleViolation,
        match=r"^refused by S1 \(every action is signed by its "
        r"actor with a registered key\): signature does not verify",
    ):
        published.service.execute(forged)
    assert _log_size(published) == size


def test_an_action_in_a_role_the_party_does_not_hold_is_refused(published: World) -> None:
    before, size = tender_of(published).version, _log_size(published)
    amendment = AmendTender(seed.CODE, "修改交货期", affects_preparation=False)
    with pytest.raises(RuleViolation) as caught:
        published.act(seed.QXD, "agency", amendment, at=seed.beijing("2020-12-28 10:00"))
    assert str(caught.value) == (
        "refused by S1 (the actor must hold the role the action needs): "
        f"{seed.QXD} is not registered as agency"
    )
    assert (tender_of(published).version, _log_size(published)) == (before, size)


def test_an_action_signed_in_the_wrong_role_is_refused(published: World) -> None:
    size = _log_size(published)
    with pytest.raises(
        RuleViolation,
        match=r"^refused by S1 .*: CheckIn is for a bidder, "
        r"signed as agency$",
    ):
        published.act(
            seed.AGENCY, "agency", CheckIn(seed.CODE, "1"), at=seed.beijing("2021-01-10 10:00")
        )
    assert _log_size(published) == size


def test_a_key_revoked_at_t_signs_nothing_after_t(published: World) -> None:
    published.act(seed.QXD, "bidder", CheckIn(seed.CODE, "1"), at=seed.beijing("2021-01-05 09:00"))
    revoked_at = seed.beijing("2021-01-06 09:00")
    published.clock.set(revoked_at)
    published.as_authority(RevokeKey(_key_id(published, seed.QXD), "私钥泄露"))
    before, size = tender_of(published).version, _log_size(published)
    for moment in ("2021-01-06 09:00", "2021-01-07 15:00"):
        with pytest.raises(RuleViolation) as caught:
            published.act(seed.QXD, "bidder", CheckIn(seed.CODE, "2"), at=seed.beijing(moment))
        assert str(caught.value) == (
            "refused by S2 (a key revoked at T signs nothing after T): "
            f"key {_key_id(published, seed.QXD)} was revoked at 2021-01-06T09:00:00+08:00"
        )
    assert (tender_of(published).version, _log_size(published)) == (before, size)
    assert tender_of(published).lots["1"].checked_in == {seed.QXD}
    verify_log(published.service.store)


def test_a_key_registered_with_a_valid_from_before_its_registration_is_refused(
    world: World,
) -> None:
    now = world.clock.now()
    backdated = RegisterKey(
        seed.QXD, Signer.generate().public_key.hex(), "sign", ("bidder",), now - timedelta(days=1)
    )
    before, size = _registry_version(world), _log_size(world)
    with pytest.raises(RuleViolation) as caught:
        world.as_authority(backdated)
    assert str(caught.value) == (
        "refused by S2 (a key's validity cannot start before it was registered): "
        "valid_from 2020-12-19T09:00:00+08:00 is before the registration at "
        "2020-12-20T09:00:00+08:00; the earliest a key registered then can be valid from is "
        "2020-12-20T09:00:00+08:00"
    )
    assert (_registry_version(world), _log_size(world)) == (before, size)


def test_a_key_signs_nothing_before_its_valid_from(published: World) -> None:
    later = Signer.generate()
    published.clock.set(seed.beijing("2021-01-04 09:00"))
    published.as_authority(
        RegisterKey(
            seed.RUNHUA,
            later.public_key.hex(),
            "sign",
            ("bidder",),
            seed.beijing("2021-01-08 09:00"),
        )
    )
    published.clock.set(seed.beijing("2021-01-05 09:00"))
    size = _log_size(published)
    with pytest.raises(RuleViolation) as caught:
        published.service.execute(Actor(seed.RUNHUA, "bidder", later).sign(CheckIn(seed.CODE, "1")))
    assert str(caught.value) == (
        "refused by S1 (the signing key must be registered for the actor and role, and valid): "
        f"key {later.key_id} is not valid at 2021-01-05T09:00:00+08:00"
    )
    assert _log_size(published) == size
    published.clock.set(seed.beijing("2021-01-08 09:00"))
    published.service.execute(Actor(seed.RUNHUA, "bidder", later).sign(CheckIn(seed.CODE, "1")))
    assert tender_of(published).lots["1"].checked_in == {seed.RUNHUA}


def test_only_the_authority_registers_parties(world: World) -> None:
    before, size = _registry_version(world), _log_size(world)
    for role in ("authority", "bidder"):
        command = (
            world.parties[seed.QXD]
            .as_role(role)
            .sign(RegisterParty("demo-shell", "空壳公司", ("bidder",)))
        )
        with pytest.raises(RuleViolation) as caught:
            world.service.execute(command)
        assert str(caught.value) == (
            "refused by S2 (parties and keys are registered by the authority only): "
            f"{seed.QXD} is not the registration authority"
        )
    assert (_registry_version(world), _log_size(world)) == (before, size)
    assert "demo-shell" not in world.service.registry().parties


def test_only_the_authority_registers_keys(world: World) -> None:
    size = _log_size(world)
    extra = RegisterKey(
        seed.QXD, Signer.generate().public_key.hex(), "sign", ("bidder",), world.clock.now()
    )
    with pytest.raises(
        RuleViolation,
        match=r"^refused by S2 .*: wuhan-qinxiongdi is not the "
        r"registration authority$",
    ):
        world.act(seed.QXD, "authority", extra)
    assert _log_size(world) == size


def _key_with_certificate(
    world: World, issuer: Signer, subject: Signer, certified: Signer
) -> RegisterKey:
    now = world.clock.now()
    certificate = issue_certificate(
        issuer,
        authority_name=world.authority.name,
        subject_name="武汉亲兄弟酒店用品有限公司",
        subject_key=certified.public_key,
        serial=99,
        not_before=now,
        not_after=now + timedelta(days=365),
    )
    return RegisterKey(
        seed.QXD, subject.public_key.hex(), "sign", ("bidder",), now, certificate=certificate
    )


def test_a_certificate_not_issued_by_the_authority_is_refused(world: World) -> None:
    new_key = Signer.generate()
    before, size = _registry_version(world), _log_size(world)
    with pytest.raises(RuleViolation) as caught:
        world.as_authority(_key_with_certificate(world, Signer.generate(), new_key, new_key))
    assert str(caught.value) == (
        "refused by S2 (parties and keys are registered by the authority only): "
        "certificate: not signed by the registration authority"
    )
    assert (_registry_version(world), _log_size(world)) == (before, size)
    assert new_key.key_id not in world.service.registry().keys


def test_a_certificate_for_another_key_is_refused(world: World) -> None:
    new_key = Signer.generate()
    size = _log_size(world)
    command = _key_with_certificate(world, world.authority.signer, new_key, Signer.generate())
    with pytest.raises(
        RuleViolation,
        match=r"^refused by S2 .*: certificate: its public key "
        r"is not the key registered$",
    ):
        world.as_authority(command)
    assert _log_size(world) == size


def test_a_certificate_issued_by_the_authority_registers_the_key(world: World) -> None:
    new_key = Signer.generate()
    world.as_authority(_key_with_certificate(world, world.authority.signer, new_key, new_key))
    record = world.service.registry().keys[new_key.key_id]
    assert (record.party, record.roles, record.revoked_at) == (
        seed.QXD,
        frozenset({"bidder"}),
        None,
    )
