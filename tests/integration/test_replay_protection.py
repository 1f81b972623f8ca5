"""S3: a signed command is accepted once; a retry returns the first result, not a second event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commands import seed
from commands.messages import AskQuestion, CheckIn, RegisterParty, SubmitBid
from commands.world import World
from ledger.errors import RuleViolation
from ledger.procedure.state import tender_stream
from ledger.receipts import verify_receipt
from ledger.verification import verify_log
from tests.conftest import tender_of
from tests.support.bids import sealed_bid


def _log_size(world: World) -> int:
    return sum(1 for _ in world.service.store.log())


def test_a_retried_bid_returns_the_first_outcome_and_the_same_receipt(published: World) -> None:
    sealed = sealed_bid(tender_of(published), "1", seed.QXD, "334860.00", small_or_micro=True)
    signed = published.parties[seed.QXD].as_role("bidder").sign(SubmitBid(seed.CODE, "1", sealed))
    published.clock.set(seed.beijing("2021-01-14 10:00"))
    first = published.service.execute(signed)
    size, version = _log_size(published), tender_of(published).version
    published.clock.advance(timedelta(hours=2))
    retry = published.service.execute(signed)
    assert first.replayed is False
    assert retry.replayed is True
    assert (retry.event_hash, retry.version, retry.log_index, retry.stream) == (
        first.event_hash,
        first.version,
        first.log_index,
        first.stream,
    )
    assert retry.receipt == first.receipt
    assert retry.receipt is not None
    assert retry.receipt.time == "2021-01-14T10:00:00+08:00"
    verify_receipt(retry.receipt, published.service._platform.public_key)  # type: ignore[union-attr]
    assert (_log_size(published), tender_of(published).version) == (size, version)
    verify_log(published.service.store)


def test_a_retried_check_in_writes_one_event(published: World) -> None:
    signed = published.parties[seed.RUNHUA].as_role("bidder").sign(CheckIn(seed.CODE, "2"))
    published.clock.set(seed.beijing("2021-01-14 10:00"))
    size = _log_size(published)
    outcomes = [published.service.execute(signed) for _ in range(3)]
    assert [outcome.replayed for outcome in outcomes] == [False, True, True]
    assert {(o.event_hash, o.version, o.log_index) for o in outcomes} == {
        (outcomes[0].event_hash, outcomes[0].version, outcomes[0].log_index)
    }
    assert outcomes[0].receipt is None
    assert _log_size(published) == size + 1
    assert tender_of(published).lots["2"].checked_in == {seed.RUNHUA}


def test_a_retry_is_answered_even_once_the_command_would_now_be_refused(
    published: World,
) -> None:
    signed = (
        published.parties[seed.QXD]
        .as_role("bidder")
        .sign(AskQuestion(seed.CODE, "交货期可否延长?"))
    )
    published.clock.set(seed.beijing("2021-01-07 17:00"))
    first = published.service.execute(signed)
    published.clock.set(seed.beijing("2021-01-08 09:00"))  # questions closed at 01-07 17:30
    retry = published.service.execute(signed)
    assert (retry.replayed, retry.event_hash, retry.version) == (
        True,
        first.event_hash,
        first.version,
    )


def test_a_retried_publication_returns_its_first_outcome(world: World) -> None:
    signed = world.parties[seed.AGENCY].as_role("agency").sign(seed.invitation(world))
    world.clock.set(seed.beijing("2020-12-25 09:00"))
    first = world.service.execute(signed)
    retry = world.service.execute(signed)
    assert (first.version, first.replayed) == (1, False)
    assert (retry.version, retry.event_hash, retry.log_index, retry.replayed) == (
        1,
        first.event_hash,
        first.log_index,
        True,
    )
    assert world.service.tender(tender_stream(seed.CODE)).version == 1


def test_a_retried_registration_returns_its_first_outcome(world: World) -> None:
    signed = world.authority.as_role("authority").sign(
        RegisterParty("demo-e", "演示供应商戊", ("bidder",))
    )
    first = world.service.execute(signed)
    size = _log_size(world)
    retry = world.service.execute(signed)
    assert (retry.replayed, retry.event_hash, retry.log_index) == (
        True,
        first.event_hash,
        first.log_index,
    )
    assert _log_size(world) == size


def test_the_same_command_id_with_other_content_is_refused(published: World) -> None:
    actor = published.parties[seed.QXD].as_role("bidder")
    published.clock.set(seed.beijing("2021-01-14 10:00"))
    first = published.service.execute(actor.sign(CheckIn(seed.CODE, "1"), command_id="qxd-0001"))
    size, version = _log_size(published), tender_of(published).version
    reused = actor.sign(CheckIn(seed.CODE, "2"), command_id="qxd-0001")
    with pytest.raises(RuleViolation) as caught:
        published.service.execute(reused)
    assert str(caught.value) == (
        "refused by S3 (a command id is accepted once, for one content): "
        f"command id qxd-0001 was used at version {first.version} for other content"
    )
    assert (_log_size(published), tender_of(published).version) == (size, version)
    assert tender_of(published).lots["2"].checked_in == set()
