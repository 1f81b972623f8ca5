"""Close the store mid-procedure, open a brand-new one on the same file: nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from commands import seed
from commands.messages import AmendTender, AskQuestion, CheckIn, LotChange, SubmitBid
from commands.service import LedgerService
from commands.world import World
from ledger.clock import FixedClock
from ledger.procedure.state import TenderState, tender_stream
from ledger.receipts import verify_receipt
from ledger.store import LedgerStore
from ledger.verification import verify_log
from tests.conftest import tender_of
from tests.support.bids import sealed_bid

STREAM = tender_stream(seed.CODE)


def _state(tender: TenderState) -> dict[str, Any]:
    return {key: value for key, value in tender.__dict__.items() if key != "_pending_events"}


@pytest.fixture
def halfway(published: World) -> World:
    """The seed tender with its correction notice, a question, two sealed bids and a check-in."""
    published.act(
        seed.AGENCY,
        "agency",
        AmendTender(
            seed.CODE,
            "第2包预算及最高限价更正为555460.00元",
            affects_preparation=True,
            lots=(LotChange("2", Decimal("555460.00"), Decimal("555460.00")),),
        ),
        at=seed.beijing("2020-12-29 09:30"),
    )
    published.act(
        seed.RUNHUA,
        "bidder",
        AskQuestion(seed.CODE, "样品何时提交?"),
        at=seed.beijing("2021-01-04 10:00"),
    )
    tender = tender_of(published)
    for bidder, lot, total in ((seed.QXD, "1", "334860.00"), (seed.RUNHUA, "2", "465430.00")):
        published.act(
            bidder,
            "bidder",
            SubmitBid(seed.CODE, lot, sealed_bid(tender, lot, bidder, total)),
            at=seed.beijing("2021-01-12 10:00"),
        )
    published.act(seed.QXD, "bidder", CheckIn(seed.CODE, "1"))
    return published


@pytest.fixture
def reopened(halfway: World) -> Iterator[tuple[World, dict[str, Any], int]]:
    """``halfway`` after its store was closed and a new store and service opened on the file."""
    before = _state(tender_of(halfway))
    events = verify_log(halfway.service.store).events
    url = halfway.service.store.url
    halfway.service.store.close()
    clock = FixedClock(halfway.clock.now())
    store = LedgerStore(url)
    halfway.service = LedgerService(
        store, clock, platform=halfway.service._platform, platform_id=seed.PLATFORM
    )
    halfway.clock = clock
    yield halfway, before, events
    store.close()


def test_the_ledger_lives_in_a_real_sqlite_file(halfway: World) -> None:
    url = halfway.service.store.url
    assert url.startswith("sqlite:///")
    assert Path(url.removeprefix("sqlite:///")).stat().st_size > 0


def test_a_new_store_on_the_same_file_rebuilds_the_same_tender_state(
    reopened: tuple[World, dict[str, Any], int],
) -> None:
    world, before, _ = reopened
    after = _state(tender_of(world))
    assert after == before
    assert after["version"] == 12
    tender = tender_of(world)
    assert (tender.lots["2"].budget, tender.lots["2"].ceiling) == (
        Decimal("555460.00"),
        Decimal("555460.00"),
    )
    assert {lot: set(tender.lots[lot].bids) for lot in ("1", "2", "3")} == {
        "1": {seed.QXD},
        "2": {seed.RUNHUA},
        "3": set(),
    }
    assert tender.lots["1"].checked_in == {seed.QXD}
    assert tender.deadline == seed.beijing("2021-01-15 09:30")


def test_the_registry_survives_the_restart(
    reopened: tuple[World, dict[str, Any], int],
) -> None:
    world, _, _ = reopened
    registry = world.service.registry()
    assert registry.keys[world.parties[seed.QXD].signer.key_id].party == seed.QXD
    assert registry.parties[seed.RUNHUA].name == "江西省润华教育装备集团有限公司"


def test_the_procedure_continues_after_the_restart(
    reopened: tuple[World, dict[str, Any], int],
) -> None:
    world, before, events = reopened
    tender = tender_of(world)
    outcome = world.act(
        seed.SUPPLIER_A,
        "bidder",
        SubmitBid(seed.CODE, "1", sealed_bid(tender, "1", seed.SUPPLIER_A, "400000.00")),
        at=seed.beijing("2021-01-13 10:00"),
    )
    assert (outcome.version, outcome.log_index, outcome.replayed) == (
        before["version"] + 1,
        events + 1,
        False,
    )
    assert outcome.receipt is not None
    verify_receipt(outcome.receipt, world.service._platform.public_key)  # type: ignore[union-attr]
    assert set(tender_of(world).lots["1"].bids) == {seed.QXD, seed.SUPPLIER_A}
    summary = verify_log(world.service.store)
    assert summary.events == events + 1
    assert summary.streams[STREAM] == before["version"] + 1


def test_a_command_sent_before_the_restart_is_recognised_as_a_retry_after_it(
    halfway: World,
) -> None:
    signed = halfway.parties[seed.RUNHUA].as_role("bidder").sign(CheckIn(seed.CODE, "2"))
    first = halfway.service.execute(signed)
    url = halfway.service.store.url
    halfway.service.store.close()
    store = LedgerStore(url)
    try:
        service = LedgerService(store, FixedClock(halfway.clock.now()))
        retry = service.execute(signed)
        assert (retry.replayed, retry.event_hash, retry.version, retry.log_index) == (
            True,
            first.event_hash,
            first.version,
            first.log_index,
        )
        verify_log(store)
    finally:
        store.close()
