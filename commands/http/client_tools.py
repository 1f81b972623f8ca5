"""What a bidder and an official do through the client, on their own machines.

A bidder seals its bid document to the officials' keys the server publishes for the
tender (``/tenders/{code}/opening-keys``) and submits it signed; an official rebuilds the
tender's state from its events (each hash and chain link checked here) and unwraps its
shares with its private key, which never leaves its machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import nacl.public

from commands.bidder import seal_for_tender
from commands.client import Actor
from commands.http.client import LedgerClient
from commands.messages import SubmitBid
from commands.official import MyShares, open_my_shares
from ledger.clock import parse_time
from ledger.envelope import GENESIS_HASH, SignedCommand, event_hash
from ledger.errors import VerificationFailure
from ledger.procedure import dispatch
from ledger.procedure.base import EVENT_VERSIONS
from ledger.procedure.records import EventRecord
from ledger.procedure.state import TenderState


def seal_bid(
    client: LedgerClient, document: Mapping[str, Any], *, tender: str, lot: str, bidder: str
) -> dict[str, Any]:
    """``document`` sealed here, to the opening officials the tender's notice names."""
    keys = client.get(f"/tenders/{tender}/opening-keys")
    officials = [(item["party"], item["encryption_key"]) for item in keys["officials"]]
    return seal_for_tender(
        document,
        tender_code=keys["tender"],
        lot=lot,
        bidder=bidder,
        officials=officials,
        threshold=int(keys["threshold"]),
    )


def submit_bid(
    client: LedgerClient,
    actor: Actor,
    document: Mapping[str, Any],
    *,
    tender: str,
    lot: str,
    command_id: str | None = None,
) -> dict[str, Any]:
    """Seal, sign and submit a bid in one step; the outcome with its receipt."""
    sealed = seal_bid(client, document, tender=tender, lot=lot, bidder=actor.party)
    return client.act(actor, SubmitBid(tender, lot, sealed), command_id=command_id)


def tender_state(client: LedgerClient, reader: Actor, tender: str) -> TenderState:
    """The tender's state rebuilt here from its events, every hash and link checked."""
    records = [_record(item) for item in client.signed_get(reader, f"/tenders/{tender}/events")]
    previous = GENESIS_HASH
    for record in records:
        where = f"stream {record.stream} v{record.version}"
        if record.prev_hash != previous:
            raise VerificationFailure(where, f"chains to {record.prev_hash}, not {previous}")
        expected = event_hash(
            stream=record.stream,
            version=record.version,
            event_type=record.type,
            class_version=EVENT_VERSIONS.get(record.type, 0),
            time=record.time,
            command=record.command,
            facts=record.facts,
            prev_hash=record.prev_hash,
        )
        if expected != record.event_hash:
            raise VerificationFailure(where, f"hash {record.event_hash}, content gives {expected}")
        previous = record.event_hash
    state = dispatch.replay(records)
    if not isinstance(state, TenderState):
        raise VerificationFailure(f"tender {tender}", "its events do not make a tender")
    return state


def open_shares(
    client: LedgerClient, official: Actor, private_key: nacl.public.PrivateKey, tender: str
) -> MyShares:
    """The official's ``SubmitKeyShares`` arguments, unwrapped here."""
    state = tender_state(client, official, tender)
    return open_my_shares(state, official=official.party, private_key=private_key)


def _record(item: Mapping[str, Any]) -> EventRecord:
    return EventRecord(
        stream=str(item["stream"]),
        version=int(item["version"]),
        type=str(item["type"]),
        time=parse_time(str(item["time"])),
        command=SignedCommand.from_json(item["command"]),
        facts=dict(item["facts"]),
        prev_hash=str(item["prev_hash"]),
        event_hash=str(item["event_hash"]),
    )
