"""A real server on loopback (uvicorn on a thread) over a witnessed ledger, and a client.

The server's service and the client share one :class:`FixedClock`, so a test moves time
for both; every command still goes over HTTP, signed by its party on the client's side.
:class:`OverHttp` lets :class:`~commands.world.World` (the seed's registrations) act
through the client instead of the service.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from commands import seed
from commands.demo import DemoKeys, witnessed_service
from commands.http import BackgroundServer, HttpLedger, LedgerClient, create_app
from commands.service import LedgerService, Outcome
from commands.world import World
from ledger.clock import FixedClock
from ledger.envelope import SignedCommand
from ledger.receipts import Receipt
from ledger.store import LedgerStore


class OverHttp:
    """What :class:`World` asks of a service, done through the HTTP client."""

    def __init__(
        self, client: LedgerClient, receipt_key: bytes | None, service: LedgerService | None = None
    ) -> None:
        self.client = client
        self.receipt_key = receipt_key
        if service is not None:  # the roles a key is registered under: read, never written
            self.registry = service.registry
        self.facts: list[dict[str, Any]] = []

    def execute(self, signed: SignedCommand) -> Outcome:
        answer = self.client.submit(signed)
        self.facts.append(answer["facts"])
        receipt = Receipt.from_json(answer["receipt"]) if answer["receipt"] else None
        stream = UUID(answer["stream"])
        return Outcome(
            answer["command"], stream, 0, answer["event_hash"], 0, answer["replayed"], receipt
        )


@dataclass
class Served:
    """A ledger served over HTTP, the world that acts on it through the client."""

    store: LedgerStore
    clock: FixedClock
    service: LedgerService
    keys: DemoKeys
    server: BackgroundServer
    client: LedgerClient
    world: World

    @property
    def url(self) -> str:
        return self.server.url


@contextmanager
def served_ledger(url: str, folder: Path) -> Iterator[Served]:
    """A witnessed ledger on ``url`` served on a free loopback port, clock at 2020-12-20."""
    clock = FixedClock(seed.beijing("2020-12-20 09:00"))
    store = LedgerStore(url)
    service, keys = witnessed_service(store, clock, folder)
    ledger = HttpLedger.of(service)
    server = BackgroundServer(create_app(ledger)).start()
    client = LedgerClient(server.url, clock=clock)
    world = World(cast(LedgerService, OverHttp(client, service.receipt_key, service)), clock)
    try:
        yield Served(store, clock, service, keys, server, client, world)
    finally:
        client.close()
        server.stop()
        ledger.close()
        store.close()


def register_over_http(served: Served) -> None:
    """The seed's parties and keys, and the log's and witness's note keys, over HTTP."""
    world = served.world
    seed.register_seed_parties(world)
    world.register_note_key(seed.PLATFORM, served.keys.log)
    world.register_note_key(seed.REGULATOR, served.keys.witness, ("regulator",))
