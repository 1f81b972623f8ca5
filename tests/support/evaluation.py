"""An evaluated seed lot for tests: committee, qualification, conformity, scores, report.

On a world whose tender is opened (``tests.support.opening.open_tender``)::

    tender = evaluate_lot(published, "1", {
        seed.QXD: ("25.00", "35.00"),          # (business, technical) from every evaluator
        seed.RUNHUA: ("24.00", "36.00"),
        seed.SUPPLIER_A: ("20.00", "30.00"),
    })
    tender.lots["1"].status        # "reported": ranked, every member signed
    tender.lots["1"].candidates    # the top three, in order

``scores`` maps bidder -> (business, technical), the same from every evaluator; or use
``per_evaluator`` to give each of ``seed.COMMITTEE`` its own sheet (evaluator -> bidder ->
(business, technical)). Without scores every valid bid gets ("20.00", "30.00"). The
committee is ``seed.COMMITTEE``: the first member is the purchaser representative, the
other four experts. Steps already done (committee formed, lot qualified or examined) are
skipped, so a test can run some steps by hand and let the helper finish. The steps are
also available one by one: ``form_committee``, ``qualify``, ``check_conformity``,
``submit_scores``, ``finalise``, ``sign_report``; ``facts_of(world, outcome)`` reads what
the ledger derived, ``assert_refused`` checks a refusal that writes nothing. A committee
decision (conformity, correction, question, justification) takes effect when a majority
signs it: ``committee_decides(world, command)`` has ``MAJORITY`` (the first three members)
sign it, a minute apart, and returns the outcome of the signature that decided it.

Times, Beijing, on the evaluation day 2021-01-15 (never before the clock): committee
10:20, qualification 10:30, conformity 11:00, scores from 14:00 (one minute apart),
tally 15:00, signatures from 15:30.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from commands import seed
from commands.messages import (
    Command,
    CommitteeMember,
    ConformityResult,
    FinaliseEvaluation,
    FormCommittee,
    QualificationResult,
    RecordConformity,
    RecordQualification,
    ScoreSheet,
    SignReport,
    SubmitScores,
)
from commands.service import Outcome
from commands.world import World
from ledger.errors import RuleViolation
from ledger.procedure.state import TenderState
from tests.conftest import tender_of

Sheet = Mapping[str, tuple[str, str]]  # bidder -> (business, technical)

COMMITTEE_AT = seed.beijing("2021-01-15 10:20")
QUALIFIED_AT = seed.beijing("2021-01-15 10:30")
CONFORMITY_AT = seed.beijing("2021-01-15 11:00")
SCORES_AT = seed.beijing("2021-01-15 14:00")
FINALISED_AT = seed.beijing("2021-01-15 15:00")
SIGNED_AT = seed.beijing("2021-01-15 15:30")
DEFAULT_POINTS = ("20.00", "30.00")
MAJORITY = seed.COMMITTEE[:3]  # 3 of the 5 members


def evaluate_lot(
    world: World,
    lot: str,
    scores: Sheet | None = None,
    *,
    per_evaluator: Mapping[str, Sheet] | None = None,
    unqualified: Mapping[str, str] | None = None,
    non_conforming: Mapping[str, str] | None = None,
) -> TenderState:
    """Take an opened ``lot`` to ``reported`` and return the tender.

    ``unqualified`` / ``non_conforming`` map bidder -> reason for the bids to fail those
    checks; every other bid passes.
    """
    form_committee(world)
    status = tender_of(world).lots[lot].status
    if status == "opened":
        qualify(world, lot, unqualified or {})
    if tender_of(world).lots[lot].status == "qualified":
        check_conformity(world, lot, non_conforming or {})
    submit_scores(world, lot, per_evaluator or dict.fromkeys(seed.COMMITTEE, scores))
    finalise(world, lot)
    sign_report(world, lot)
    return tender_of(world)


def form_committee(world: World, members: Iterable[str] = seed.COMMITTEE) -> None:
    """The agency forms the committee (first member: purchaser representative), if not yet."""
    if tender_of(world).committee:
        return
    chosen = tuple(
        CommitteeMember(party, "purchaser_representative" if i == 0 else "expert")
        for i, party in enumerate(members)
    )
    world.act(seed.AGENCY, "agency", FormCommittee(seed.CODE, chosen), at=_at(world, COMMITTEE_AT))


def qualify(world: World, lot: str, unqualified: Mapping[str, str] | None = None) -> None:
    """The purchaser qualifies every revealed bidder except ``unqualified`` (bidder: reason)."""
    failing = unqualified or {}
    bids = tender_of(world).lots[lot].bids.values()
    results = tuple(
        QualificationResult(bid.bidder, bid.bidder not in failing, failing.get(bid.bidder, ""))
        for bid in bids
        if bid.status == "revealed"
    )
    world.act(
        seed.PURCHASER,
        "purchaser",
        RecordQualification(seed.CODE, lot, results),
        at=_at(world, QUALIFIED_AT),
    )


def check_conformity(
    world: World, lot: str, non_conforming: Mapping[str, str] | None = None
) -> None:
    """A majority of the committee signs every valid bid conforming but ``non_conforming``."""
    failing = non_conforming or {}
    results = tuple(
        ConformityResult(bid.bidder, bid.bidder not in failing, failing.get(bid.bidder, ""))
        for bid in tender_of(world).lots[lot].valid_bids()
    )
    world.clock.set(_at(world, CONFORMITY_AT))
    committee_decides(world, RecordConformity(seed.CODE, lot, results))


def committee_decides(world: World, command: Command, signers: Iterable[str] = MAJORITY) -> Outcome:
    """Each of ``signers`` signs ``command``, a minute apart; the last signature's outcome."""
    outcome = None
    for member in signers:
        outcome = world.act(member, "evaluator", command)
        world.clock.set(world.clock.now() + timedelta(minutes=1))
    assert outcome is not None, "no signer"
    return outcome


def submit_scores(world: World, lot: str, sheets: Mapping[str, Sheet | None]) -> None:
    """Each evaluator in ``sheets`` scores the lot's valid bids (None: default points)."""
    valid = [bid.bidder for bid in tender_of(world).lots[lot].valid_bids()]
    for minute, (evaluator, sheet) in enumerate(sheets.items()):
        points = sheet or dict.fromkeys(valid, DEFAULT_POINTS)
        entries = tuple(
            ScoreSheet(bidder, Decimal(business), Decimal(technical))
            for bidder, (business, technical) in points.items()
        )
        world.act(
            evaluator,
            "evaluator",
            SubmitScores(seed.CODE, lot, entries),
            at=_at(world, SCORES_AT + timedelta(minutes=minute)),
        )


def finalise(world: World, lot: str) -> Outcome:
    """The agency tallies the scores and ranks the lot; its facts hold the ranking."""
    return world.act(
        seed.AGENCY, "agency", FinaliseEvaluation(seed.CODE, lot), at=_at(world, FINALISED_AT)
    )


def sign_report(world: World, lot: str, signers: Iterable[str] = seed.COMMITTEE) -> None:
    """Each of ``signers`` signs the lot's recorded report digest."""
    digest = tender_of(world).lots[lot].report_digest
    assert digest is not None, f"lot {lot} has no report to sign"
    for minute, member in enumerate(signers):
        world.act(
            member,
            "evaluator",
            SignReport(seed.CODE, lot, digest),
            at=_at(world, SIGNED_AT + timedelta(minutes=minute)),
        )


def _at(world: World, moment: datetime) -> datetime:
    return max(world.clock.now(), moment)


def facts_of(world: World, outcome: Outcome) -> dict[str, Any]:
    """The facts the ledger recorded with the event of ``outcome``."""
    facts: dict[str, Any] = world.service.store.event_at(outcome.stream, outcome.version).facts
    return facts


def assert_refused(world: World, party: str, role: str, command: Command, pattern: str) -> None:
    """``party`` signing ``command`` is refused with ``pattern``, and nothing is written."""
    before = tender_of(world).version
    with pytest.raises(RuleViolation, match=pattern):
        world.act(party, role, command)
    assert tender_of(world).version == before
