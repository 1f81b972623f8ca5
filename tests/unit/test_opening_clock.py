"""The decryption time runs from the start of the opening and stops while it is suspended."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import seed
from commands.messages import (
    AuthoriseDecryption,
    CloseDecryption,
    ResumeProcedure,
    StartOpening,
    SuspendProcedure,
)
from ledger.errors import RuleViolation
from ledger.procedure.clocks import Suspension, running_time
from ledger.procedure.state import TenderState
from tests.support.pure import B, decide, record, sealed, seed_tender

BIDDERS = (seed.QXD, seed.SUPPLIER_A, seed.SUPPLIER_B)
THIRTY = timedelta(minutes=30)


def opened(at: datetime) -> TenderState:
    """The seed tender with three sealed bids in lot 1, all checked in, opened at ``at``."""
    tender = seed_tender()
    sealed(tender, "1", *BIDDERS)
    tender.lots["1"].checked_in.update(BIDDERS)
    record(tender, StartOpening(seed.CODE), seed.AGENCY, "agency", at)
    return tender


def authorise(tender: TenderState, bidder: str, at: datetime) -> None:
    record(tender, AuthoriseDecryption(seed.CODE, "1"), bidder, "bidder", at)


def close(tender: TenderState, at: datetime) -> list[str]:
    """Close the decryption time; the bidders whose lot-1 bids are returned."""
    returned: list[str] = record(
        tender, CloseDecryption(seed.CODE), seed.AGENCY, "agency", at
    ).facts["returned"]["1"]
    return returned


def suspend(tender: TenderState, since: datetime, until: datetime | None) -> None:
    record(tender, SuspendProcedure(seed.CODE, "平台故障"), seed.AGENCY, "agency", since)
    if until is not None:
        record(tender, ResumeProcedure(seed.CODE, "已恢复"), seed.REGULATOR, "regulator", until)


def test_an_opening_started_at_1001_leaves_decryption_open_until_1031() -> None:
    tender = opened(B("2021-01-15 10:01"))
    assert tender.decryption_closes == B("2021-01-15 10:31")
    authorise(tender, seed.QXD, B("2021-01-15 10:30"))
    with pytest.raises(
        RuleViolation, match=r"^refused by §23\.2\(3\) .*runs until 2021-01-15T10:31"
    ):
        close(tender, B("2021-01-15 10:30"))
    assert close(tender, B("2021-01-15 10:31")) == sorted([seed.SUPPLIER_A, seed.SUPPLIER_B])


def test_after_the_decryption_time_a_bidder_can_no_longer_decrypt() -> None:
    tender = opened(B("2021-01-15 10:01"))
    with pytest.raises(RuleViolation, match=r"^refused by §23\.2\(3\) .*closed at .*10:31:00"):
        decide(
            tender, AuthoriseDecryption(seed.CODE, "1"), seed.QXD, "bidder", B("2021-01-15 10:31")
        )


def test_suspended_at_0935_and_resumed_at_1100_decryption_runs_until_1125() -> None:
    tender = opened(B("2021-01-15 09:30"))
    authorise(tender, seed.QXD, B("2021-01-15 09:33"))
    suspend(tender, B("2021-01-15 09:35"), B("2021-01-15 11:00"))
    assert tender.decryption_closes == B("2021-01-15 11:25")
    authorise(tender, seed.SUPPLIER_A, B("2021-01-15 11:10"))
    with pytest.raises(RuleViolation, match=r"§23\.2\(3\) .*runs until 2021-01-15T11:25:00"):
        close(tender, B("2021-01-15 11:24"))
    assert close(tender, B("2021-01-15 11:25")) == [seed.SUPPLIER_B]
    assert tender.lots["1"].bids[seed.SUPPLIER_A].status == "authorised"


def test_while_suspended_the_decryption_time_has_no_end_and_nothing_closes() -> None:
    tender = opened(B("2021-01-15 09:30"))
    suspend(tender, B("2021-01-15 09:35"), None)
    assert tender.decryption_closes is None
    with pytest.raises(RuleViolation, match=r"^refused by §23\.3 .*suspended since"):
        decide(tender, CloseDecryption(seed.CODE), seed.AGENCY, "agency", B("2021-01-15 12:00"))


DEADLINE = B("2021-01-15 09:30")


@st.composite
def outages(draw: st.DrawFn) -> list[tuple[int, int]]:
    """Closed suspensions as (minutes after the opening, minutes long), one after another."""
    found, cursor = [], 0
    for _ in range(draw(st.integers(0, 4))):
        since = cursor + draw(st.integers(0, 20))
        until = since + draw(st.integers(0, 90))
        found.append((since, until))
        cursor = until + draw(st.integers(0, 5))
    return found


@settings(max_examples=150, deadline=None)
@given(
    late=st.integers(0, 40),
    offsets=outages(),
    minutes=st.integers(0, 300),
    decrypted=st.sets(st.sampled_from(BIDDERS)),
)
def test_no_bid_is_returned_for_a_suspension(
    late: int, offsets: list[tuple[int, int]], minutes: int, decrypted: set[str]
) -> None:
    """Opened ``late`` minutes after the deadline, at any moment ``now``: a bidder may still
    decrypt exactly while less than 30 minutes of unsuspended time have run since the opening,
    and decryption closes (returning the bids not decrypted) only once all 30 have; during a
    suspension nothing is taken."""
    opening = DEADLINE + timedelta(minutes=late)
    found = [(opening + timedelta(minutes=s), opening + timedelta(minutes=u)) for s, u in offsets]
    now = opening + timedelta(minutes=minutes)
    tender = opened(opening)
    for bidder in sorted(decrypted):
        authorise(tender, bidder, opening)
    for since, until in found:
        if since < now:
            suspend(tender, since, until if until <= now else None)
    past = [Suspension(s, u) for s, u in found if s < now]
    ran = running_time(opening, now, past)
    remaining = [b for b in BIDDERS if b not in decrypted]
    if any(s < now < u for s, u in found):
        assert tender.suspension is not None
        with pytest.raises(RuleViolation, match=r"§23\.3"):
            close(tender, now)
        return
    assert tender.suspension is None
    if ran < THIRTY:
        with pytest.raises(RuleViolation, match=r"§23\.2\(3\)"):
            close(tender, now)
        for bidder in remaining:
            authorise(tender, bidder, now)  # the bidder still has time: accepted
        return
    for bidder in remaining:
        with pytest.raises(RuleViolation, match=r"§23\.2\(3\)"):
            decide(tender, AuthoriseDecryption(seed.CODE, "1"), bidder, "bidder", now)
    assert close(tender, now) == sorted(remaining), "returned only after 30 running minutes"
