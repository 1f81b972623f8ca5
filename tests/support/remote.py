"""The seed tender evaluated remotely, for tests: pools, venues, the draw, check-in.

On the ``published`` fixture's world::

    prepare(published)        # centres, supervisors, experts; the agreement; venues fixed
    tender = drawn(published)  # lot 1 opened (three bids), the draw of 10:16-10:21
    seat(published)            # FormCommittee, every member checked in, the session open

The cast, the pool and the schedule are the demo's (``commands.remote_seed``): the draw
seats the seed's four experts, after the first drawn expert of Ji'an declines.
"""

from __future__ import annotations

from commands import remote_seed, seed
from commands.service import Outcome
from commands.world import World
from ledger.procedure.state import TenderState
from tests.conftest import tender_of
from tests.support.evaluation import form_committee
from tests.support.opening import open_tender

LOT1 = {
    ("1", seed.QXD): "334860.00",
    ("1", seed.RUNHUA): "400000.00",
    ("1", seed.SUPPLIER_A): "420000.00",
}

LOT1_BIDDERS = frozenset(bidder for _, bidder in LOT1)


def prepare(world: World) -> World:
    """The remote cast registered, both centres' agreement and pools, the venues fixed."""
    remote_seed.register_remote_parties(world)
    remote_seed.set_up_pools(world)
    remote_seed.fix_venues(world)
    return world


def opened(world: World) -> TenderState:
    prepare(world)
    return open_tender(world, LOT1)


def drawn(world: World) -> TenderState:
    """Lot 1 opened and the experts drawn (one declined and was replaced)."""
    opened(world)
    remote_seed.run_draw(world)
    return tender_of(world)


def seat(world: World) -> TenderState:
    """The drawn committee formed, every member checked in, the session open."""
    form_committee(world)
    remote_seed.check_in(world)
    remote_seed.open_session(world)
    return tender_of(world)


def facts(world: World, outcome: Outcome) -> dict[str, object]:
    return dict(world.service.store.event_at(outcome.stream, outcome.version).facts)
