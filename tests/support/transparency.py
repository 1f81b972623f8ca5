"""A ledger that keeps its Merkle log: the seed's parties, a registered checkpoint key.

world, log = logged_world(url, every=8)   # a checkpoint every 8 new leaves
publish(world)                            # the seed tender, documents obtained
tree = world.service.transparency.tree    # the TreeStore of that database
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from commands import seed
from commands.messages import ObtainDocuments
from commands.service import LedgerService
from commands.world import World
from ledger.clock import FixedClock
from ledger.crypto.signing import Signer
from ledger.notes import NoteSigner
from ledger.store import LedgerStore
from ledger.transparency import TransparencyLog

ORIGIN = "bidledger.test/log"
BIDDERS = (
    seed.QXD,
    seed.RUNHUA,
    seed.SUPPLIER_A,
    seed.SUPPLIER_B,
    seed.SUPPLIER_C,
    seed.SUPPLIER_D,
)


def logged_world(url: str, *, every: int = 64) -> tuple[World, NoteSigner]:
    """The seed's parties on ``url``, the platform's checkpoint key registered (purpose log)."""
    clock = FixedClock(seed.beijing("2020-12-20 09:00"))
    log = NoteSigner(ORIGIN, secrets.token_bytes(32))
    service = LedgerService(
        LedgerStore(url),
        clock,
        platform=Signer.generate(),
        platform_id=seed.PLATFORM,
        log=log,
        checkpoint_every=every,
    )
    world = World(service, clock)
    seed.register_seed_parties(world)
    world.register_note_key(seed.PLATFORM, log)
    return world, log


def publish(world: World) -> None:
    """The seed tender published on 2020-12-25; every bidder obtains the documents."""
    world.act(seed.AGENCY, "agency", seed.invitation(world), at=seed.beijing("2020-12-25 09:00"))
    world.clock.set(seed.beijing("2020-12-26 09:00"))
    for bidder in BIDDERS:
        world.act(bidder, "bidder", ObtainDocuments(seed.CODE))


def transparency(world: World) -> TransparencyLog:
    log = world.service.transparency
    assert log is not None, "this world keeps no Merkle log"
    return log


def rfc_leaf(preimage: bytes) -> bytes:
    """RFC 6962 §2.1 leaf hash, written out: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + preimage).digest()


def log_entries(store: LedgerStore) -> list[tuple[int, Any]]:
    """(notification id, decoded event) of the whole log, in log order."""
    return [(record.id, store.decode(record)) for record in store.log()]
