"""An opening no bid can block (C6), through the service on SQLite.

A bidder may seal shares that an official cannot open (right names, wrong keys), or shares
that are not on one polynomial. The official declares what it cannot open; that bid alone
is set aside and returned (§23.2(4)) or read from a consistent set of shares; the others
open, and `verify` re-executes every step to the same facts.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from commands import seed
from commands.messages import ObtainDocuments
from commands.service import LedgerService
from commands.world import World
from ledger.bundle import verify_bundle
from ledger.bundle.export import export_bundle
from ledger.clock import FixedClock
from ledger.crypto.sealing import share_plaintext
from ledger.crypto.signing import Signer
from ledger.notes import NoteSigner
from ledger.store import LedgerStore
from ledger.verification import verify_log
from tests.conftest import tender_of
from tests.support.faulty_bids import with_share_plaintext
from tests.support.unopenable import (
    EVERYONE,
    HONEST,
    assert_honest_bids_revealed,
    box_key,
    honest_faulty,
    last_facts,
    off_polynomial,
    open_with,
    to_wrong_keys,
)


def test_a_bid_sealed_to_the_right_names_with_wrong_keys_is_returned_and_the_others_open(
    published: World,
) -> None:
    tender = open_with(published, to_wrong_keys(published, set(EVERYONE)), EVERYONE[::2])
    assert_honest_bids_revealed(tender)
    faulty = tender.lots["1"].bids[seed.SUPPLIER_B]
    assert (faulty.status, faulty.price, faulty.document) == ("returned", None, None)
    assert faulty.returned_cause is not None
    assert faulty.returned_cause.startswith("§23.2(4) ")
    returned = last_facts(published, "BidsRevealed")["returned"]
    assert returned == {
        "1": {
            seed.SUPPLIER_B: {
                "rule": "UNOPENABLE_BID_RETURNED",
                "detail": "0 share(s) handed in (none), 2 needed; declared unopenable by "
                + ", ".join(sorted((seed.AGENCY, seed.REGULATOR))),
            }
        }
    }
    declared = last_facts(published, "KeySharesSubmitted")["unopenable"]
    assert declared == [
        {
            "lot": "1",
            "bidder": seed.SUPPLIER_B,
            "failure": "does-not-unwrap",
            "evidence": "declared",
        }
    ]


def test_a_bid_with_one_share_sealed_to_a_wrong_key_opens_from_the_other_officials_shares(
    published: World,
) -> None:
    tender = open_with(published, to_wrong_keys(published, {seed.AGENCY}), EVERYONE)
    assert_honest_bids_revealed(tender)
    assert tender.lots["1"].bids[seed.SUPPLIER_B].price == Decimal("410000.00")
    assert last_facts(published, "BidsRevealed")["returned"] == {}


def test_the_same_bid_is_returned_when_only_the_official_who_cannot_open_it_and_one_other_hand_in(
    published: World,
) -> None:
    tender = open_with(published, to_wrong_keys(published, {seed.AGENCY}), EVERYONE[::2])
    assert_honest_bids_revealed(tender)
    assert tender.lots["1"].bids[seed.SUPPLIER_B].status == "returned"
    detail = last_facts(published, "BidsRevealed")["returned"]["1"][seed.SUPPLIER_B]["detail"]
    assert detail == (
        f"1 share(s) handed in ({seed.REGULATOR}), 2 needed; declared unopenable by {seed.AGENCY}"
    )


def test_shares_not_on_one_polynomial_open_from_a_consistent_set_of_them(
    published: World,
) -> None:
    tender = open_with(published, off_polynomial(published, seed.PURCHASER), EVERYONE)
    assert_honest_bids_revealed(tender)
    faulty = tender.lots["1"].bids[seed.SUPPLIER_B]
    assert (faulty.status, faulty.price, faulty.valid) == ("revealed", Decimal("410000.00"), True)


def test_shares_with_no_consistent_set_make_that_bid_unreadable_and_no_other(
    published: World,
) -> None:
    tender = open_with(
        published, off_polynomial(published, seed.PURCHASER), (seed.PURCHASER, seed.REGULATOR)
    )
    assert_honest_bids_revealed(tender)
    faulty = tender.lots["1"].bids[seed.SUPPLIER_B]
    assert (faulty.status, faulty.price, faulty.valid) == ("revealed", None, False)
    assert faulty.invalid[0]["rule"] == "SEALED_AND_SIGNED"
    assert "C5 no 2 of the shares of" in faulty.invalid[0]["detail"]
    assert last_facts(published, "BidsRevealed")["unreadable"] == {"1": [seed.SUPPLIER_B]}


def test_content_the_bidder_committed_to_that_is_not_its_share_is_proven_by_disclosure(
    published: World,
) -> None:
    sealed = honest_faulty(published)
    wrong_index = share_plaintext(
        tender=sealed.tender,
        lot=sealed.lot,
        bidder=sealed.bidder,
        official=seed.AGENCY,
        index=3,
        share_hex="0003" + "00" * 66,
    )
    agency_key = box_key(published, seed.AGENCY).public_key
    tender = open_with(
        published, with_share_plaintext(sealed, seed.AGENCY, agency_key, wrong_index), EVERYONE
    )
    first = last_facts(published, "BidsRevealed")
    assert tender.lots["1"].bids[seed.SUPPLIER_B].price == Decimal("410000.00")
    assert first["returned"] == {}
    store = published.service.store
    events = [store.event_at(tender.id, v) for v in range(1, tender.version + 1)]
    agency = next(e for e in events if e.type == "KeySharesSubmitted" and e.actor == seed.AGENCY)
    assert agency.facts["unopenable"] == [
        {
            "lot": "1",
            "bidder": seed.SUPPLIER_B,
            "failure": "not-this-bids-share",
            "evidence": "proven",
        }
    ]


def test_verify_re_executes_an_opening_with_a_returned_bid_to_the_same_facts(
    published: World,
) -> None:
    open_with(published, to_wrong_keys(published, {seed.AGENCY}), EVERYONE[::2])
    assert tender_of(published).lots["1"].bids[seed.SUPPLIER_B].status == "returned"
    summary = verify_log(published.service.store)
    assert summary.events == published.service.store.head()
    assert summary.streams[tender_of(published).id] == tender_of(published).version


@pytest.fixture
def logged(tmp_path: Path) -> Iterator[World]:
    """The ``published`` world with a signed log, so that a bundle can be exported."""
    store = LedgerStore(f"sqlite:///{tmp_path / 'logged.db'}")
    clock = FixedClock(seed.beijing("2020-12-20 09:00"))
    log = NoteSigner("bidledger.example/c6", secrets.token_bytes(32))
    service = LedgerService(
        store, clock, platform=Signer.generate(), platform_id=seed.PLATFORM, log=log
    )
    world = World(service, clock)
    seed.register_seed_parties(world)
    world.register_note_key(seed.PLATFORM, log)
    world.act(seed.AGENCY, "agency", seed.invitation(world), at=seed.beijing("2020-12-25 09:00"))
    world.clock.set(seed.beijing("2020-12-26 09:00"))
    for bidder in (seed.QXD, seed.RUNHUA, seed.SUPPLIER_A, seed.SUPPLIER_B):
        world.act(bidder, "bidder", ObtainDocuments(seed.CODE))
    yield world
    store.close()


def test_the_offline_bundle_verifier_re_executes_the_declarations_and_the_returned_bid(
    logged: World,
) -> None:
    open_with(logged, to_wrong_keys(logged, set(EVERYONE)), EVERYONE[::2])
    logged.service.checkpoint()
    bundle = json.loads(json.dumps(export_bundle(logged.service.store, seed.CODE).bundle))
    report = verify_bundle(bundle)
    assert report.revealed_bids == len(HONEST)
    assert report.unreadable_bids == ()
    records = [
        json.loads(base64.b64decode(e["preimage"]).split(b"\n", 1)[1]) for e in bundle["events"]
    ]
    revealed = next(r for r in records if r["type"] == "BidsRevealed")
    assert seed.SUPPLIER_B in revealed["facts"]["returned"]["1"]
