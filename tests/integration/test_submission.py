"""Submitting, withdrawing and checking in, through the service on a real SQLite file."""

from __future__ import annotations

import dataclasses

import pytest

from commands import seed
from commands.messages import CheckIn, SubmitBid, WithdrawBid
from commands.world import World
from ledger.crypto.sealing import SealedBid
from ledger.crypto.signing import Signer
from ledger.errors import RuleViolation, VerificationFailure
from ledger.receipts import issue_receipt, verify_registered_receipt
from tests.conftest import tender_of
from tests.support.bids import sealed_bid


def test_a_sealed_bid_is_accepted_with_a_signed_receipt(published: World) -> None:
    sealed = sealed_bid(tender_of(published), "1", seed.QXD, "334860.00", small_or_micro=True)
    outcome = published.act(
        seed.QXD, "bidder", SubmitBid(seed.CODE, "1", sealed), at=seed.beijing("2021-01-14 10:00")
    )
    assert outcome.receipt is not None
    assert outcome.receipt.event_hash == outcome.event_hash
    verify_registered_receipt(outcome.receipt, published.service.registry())
    assert tender_of(published).lots["1"].bids[seed.QXD].status == "sealed"


def test_a_receipt_signed_by_a_key_the_registry_does_not_hold_for_receipts_fails(
    published: World,
) -> None:
    """T3: a receipt proves acceptance only under the platform's registered receipt key."""
    sealed = sealed_bid(tender_of(published), "1", seed.QXD, "334860.00")
    outcome = published.act(
        seed.QXD, "bidder", SubmitBid(seed.CODE, "1", sealed), at=seed.beijing("2021-01-14 10:00")
    )
    assert outcome.receipt is not None
    forger = Signer.generate()
    forged = issue_receipt(
        forger,
        platform_id=seed.PLATFORM,
        tender=outcome.receipt.tender,
        lot="1",
        bidder=seed.QXD,
        command_id=outcome.receipt.command_id,
        event_hash=outcome.receipt.event_hash,
        time=seed.beijing("2021-01-14 10:00"),
    )
    with pytest.raises(VerificationFailure, match=f"no receipt key {forger.key_id} registered"):
        verify_registered_receipt(forged, published.service.registry())
    signing_key = published.parties[seed.QXD].signer  # a registered key, but not for receipts
    misused = dataclasses.replace(forged, key_id=signing_key.key_id)
    with pytest.raises(VerificationFailure, match="no receipt key"):
        verify_registered_receipt(misused, published.service.registry())


def test_a_bid_after_the_deadline_is_refused_and_nothing_is_written(published: World) -> None:
    sealed = sealed_bid(tender_of(published), "1", seed.SUPPLIER_C, "400000.00")
    before = tender_of(published).version
    with pytest.raises(RuleViolation, match=r"§21\.1"):
        published.act(
            seed.SUPPLIER_C,
            "bidder",
            SubmitBid(seed.CODE, "1", sealed),
            at=seed.beijing("2021-01-15 09:31"),
        )
    assert tender_of(published).version == before


def test_a_second_bid_in_the_same_lot_is_refused_until_the_first_is_withdrawn(
    published: World,
) -> None:
    tender = tender_of(published)
    first = sealed_bid(tender, "1", seed.SUPPLIER_A, "400000.00")
    published.act(
        seed.SUPPLIER_A,
        "bidder",
        SubmitBid(seed.CODE, "1", first),
        at=seed.beijing("2021-01-10 10:00"),
    )
    second = sealed_bid(tender, "1", seed.SUPPLIER_A, "390000.00")
    with pytest.raises(RuleViolation, match=r"§17\.4"):
        published.act(seed.SUPPLIER_A, "bidder", SubmitBid(seed.CODE, "1", second))
    published.act(seed.SUPPLIER_A, "bidder", WithdrawBid(seed.CODE, "1"))
    published.act(seed.SUPPLIER_A, "bidder", SubmitBid(seed.CODE, "1", second))
    current = tender_of(published).lots["1"].bids[seed.SUPPLIER_A]
    assert current.digest == SealedBid.from_json(second).digest()
    assert current.status == "sealed"


def test_a_withdrawal_after_the_deadline_is_refused(published: World) -> None:
    sealed = sealed_bid(tender_of(published), "1", seed.SUPPLIER_A, "400000.00")
    published.act(
        seed.SUPPLIER_A,
        "bidder",
        SubmitBid(seed.CODE, "1", sealed),
        at=seed.beijing("2021-01-10 10:00"),
    )
    with pytest.raises(RuleViolation, match=r"§22\.1"):
        published.act(
            seed.SUPPLIER_A,
            "bidder",
            WithdrawBid(seed.CODE, "1"),
            at=seed.beijing("2021-01-15 09:30"),
        )


def test_checking_in_after_the_deadline_is_refused(published: World) -> None:
    with pytest.raises(RuleViolation, match=r"§23\.1\(3\)"):
        published.act(
            seed.QXD, "bidder", CheckIn(seed.CODE, "1"), at=seed.beijing("2021-01-15 09:30")
        )


def test_a_sealed_bid_copied_to_another_lot_is_refused(published: World) -> None:
    sealed = sealed_bid(tender_of(published), "1", seed.QXD, "334860.00")
    with pytest.raises(RuleViolation, match="C2"):
        published.act(
            seed.QXD,
            "bidder",
            SubmitBid(seed.CODE, "2", sealed),
            at=seed.beijing("2021-01-10 10:00"),
        )
