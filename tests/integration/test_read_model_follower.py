"""A server's stored read models follow its writes, off the request path, and are complete
when it stops: accepted commands and refused attempts alike."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from commands import seed
from commands.demo import witnessed_service
from commands.http import HttpLedger
from commands.messages import ObtainDocuments
from commands.world import World
from ledger.clock import FixedClock
from ledger.errors import RuleViolation
from ledger.store import LedgerStore
from projections.catalog import all_projections
from projections.positions import status
from projections.registry import PROJECTIONS
from projections.runner import engine_for


def _lags(store: LedgerStore) -> dict[str, int]:
    engine = engine_for(store)
    try:
        rows = status(engine, store, [*PROJECTIONS, *all_projections(store)])
    finally:
        engine.dispose()
    return {row.name: row.lag for row in rows}


def _caught_up(store: LedgerStore, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        lags = _lags(store)
        if lags and not any(lags.values()):
            return True
        time.sleep(0.05)
    return False


def test_the_stored_read_models_follow_the_writes_and_are_complete_at_the_stop(
    tmp_path: Path,
) -> None:
    clock = FixedClock(seed.beijing("2020-12-20 09:00"))
    store = LedgerStore(f"sqlite:///{tmp_path / 'ledger.db'}")
    service, _ = witnessed_service(store, clock, tmp_path)
    world = World(service, clock)
    seed.register_seed_parties(world)
    world.act(seed.AGENCY, "agency", seed.invitation(world), at=seed.beijing("2020-12-25 09:00"))
    ledger = HttpLedger.of(service, stored=True)
    clock.set(seed.beijing("2020-12-26 09:00"))
    bidder = world.parties[seed.QXD].as_role("bidder")
    ledger.execute(bidder.sign(ObtainDocuments(seed.CODE)))
    assert _caught_up(store), _lags(store)
    with pytest.raises(RuleViolation):  # its refused attempt is kept: a write as well
        ledger.execute(world.parties[seed.QXD].as_role("agency").sign(seed.invitation(world)))
    ledger.execute(world.parties[seed.RUNHUA].as_role("bidder").sign(ObtainDocuments(seed.CODE)))
    ledger.close()
    assert not any(_lags(store).values()), _lags(store)  # no wait: the stop caught them up
    with sa.create_engine(store.url).connect() as connection:
        rows = connection.execute(sa.text("SELECT count(*) FROM audit_trail_events")).scalar()
    assert rows == store.head()
    store.close()
