"""Every rule the ledger checks, by clause of the tender document or ledger property.

Clause numbers (§N) are those of the seed tender document XFZFCG-2020-33; S, C, R and T
are the ledger's own properties. A refusal names one of these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.errors import Rule

# Signatures, identity and replay (S1-S3)
UNSIGNED = Rule("S1", "every action is signed by its actor with a registered key")
KEY_NOT_VALID = Rule("S1", "the signing key must be registered for the actor and role, and valid")
ROLE_NOT_HELD = Rule("S1", "the actor must hold the role the action needs")
REGISTRATION_AUTHORITY_ONLY = Rule("S2", "parties and keys are registered by the authority only")
KEY_REVOKED = Rule("S2", "a key revoked at T signs nothing after T")
NO_BACKDATED_KEY = Rule("S2", "a key's validity cannot start before it was registered")
COMMAND_ID_REUSED = Rule("S3", "a command id is accepted once, for one content")
IDENTITY_CLAUSES = frozenset({"S1", "S2", "S3"})
"""Refusals of who signed, or of a replayed id: no genuine signer's attempt to keep (R1)."""

# Publication, questions, amendments (§6, §7, invitation)
LOT_PRICES = Rule("§11.6", "each lot has a budget and a ceiling price not above it")
PUBLISH_ONCE = Rule("invitation", "a project code is published once")
TIMETABLE_ORDER = Rule("invitation", "downloads, questions and the deadline come in order")
QUESTION_DEADLINE = Rule("§6.1", "questions are asked before the question deadline")
ASKER_NOT_NAMED = Rule("§6.1", "an answer never names who asked")
AMENDMENT_POSTPONES = Rule(
    "§7.1",
    "a clarification or amendment that may affect bid preparation, published less than "
    "15 days before the deadline, postpones it to at least 15 days after the change",
)
DOCUMENTS_WINDOW = Rule("invitation §3", "the documents are obtained within the download window")
DOCUMENTS_REQUIRED = Rule("invitation §3", "a bidder must have obtained the documents to bid")

# Submission (§19-§22)
SEALED_AND_SIGNED = Rule("§19.1", "a bid is encrypted and signed before upload")
LATE_BID = Rule("§21.1", "bids received after the submission deadline are rejected")
ONE_BID_PER_LOT = Rule("§17.4", "one bid per bidder per lot")
CHANGE_BEFORE_DEADLINE = Rule("§22.1", "a bid is withdrawn or modified before the deadline only")
BID_BOUND = Rule("C2", "a sealed bid is bound to its tender, lot and bidder")

# Opening and decryption (§23, C3-C4)
CHECK_IN_BEFORE_DEADLINE = Rule("§23.1(3)", "bidders check in before the deadline")
OPENING_AT_DEADLINE = Rule("§23.2", "the opening starts at the submission deadline")
DECRYPTION_WINDOW = Rule("§23.2(3)", "each bidder decrypts its own bid within the decryption time")
NOT_DECRYPTED_RETURNED = Rule("§23.2(4)", "bids not decrypted in time are returned (撤销)")
ABSENT_NOT_ACCEPTED = Rule("§23.1(3)", "a bid whose bidder did not check in is not accepted")
DECRYPTION_FAILURE_RECORDED = Rule(
    "C3", "a decryption failure not of the bidder's making is recorded as such (撤回)"
)
REVEAL_ALL_AT_ONCE = Rule("C4", "contents are revealed all at once after the decryption time")
SHARE_MATCHES_COMMITMENT = Rule("C5", "a key share must match the bidder's signed commitment")
PRICE_CEILING = Rule("§11.6", "a price above the lot's ceiling is invalid")
EMERGENCY_SUSPENSION = Rule("§23.3", "a suspended procedure resumes only with the regulator")

# Qualification, conformity, committee (§24-§27, §43)
FEWER_THAN_THREE = Rule("§24.1", "with fewer than three qualified bidders there is no evaluation")
QUALIFICATION_FIRST = Rule("§24", "qualification is checked after the opening, by the purchaser")
NOT_QUALIFIED = Rule("§24.2", "a bidder that fails the qualification check is not evaluated")
NOT_CONFORMING = Rule("§26.1", "a bid that does not respond in substance is invalid")
COMMITTEE_MAKEUP = Rule("front table 13", "the committee is 1 purchaser representative + 4 experts")
SAME_LEGAL_REPRESENTATIVE = Rule(
    "§43",
    "bidders under one legal representative or control relationship may not bid in the same lot",
)
COLLUSION = Rule("§26.2", "bids showing collusion are invalid")
ARITHMETIC_CORRECTION = Rule(
    "§26.4", "arithmetic slips are corrected; refusing invalidates the bid"
)
CLARIFICATION_KEEPS_SUBSTANCE = Rule("§27.1", "a clarification never changes price or substance")
ABNORMALLY_LOW_PRICE = Rule("§27.2", "an abnormally low price needs a written justification")
CAPITAL_AMOUNT_READABLE = Rule(
    "§26.4", "the total in capital numerals prevails from the read-out, so it must be readable"
)
COMMITTEE_MAJORITY = Rule(
    "§25.1", "the committee decides by a majority of its seated members, each signing"
)
WITHDRAWAL = Rule(
    "§41",
    "a committee member tied to a bidder (employer, control, recent work) withdraws "
    "(回避, 实施条例 art. 9)",
)
FALSE_SME_DECLARATION = Rule(
    "§26.2(11)",
    "a small-or-micro declaration contradicted by the registered enterprise size is false",
)
CONSORTIUM_REFUSED = Rule(
    "invitation 一.9", "where the notice accepts no consortia, a consortium's bid is invalid"
)

# Scoring and ranking (ch.5, §18)
SCORE_RANGE = Rule("ch.5", "each part is scored within its points")
EVALUATOR_SCORES_ONCE = Rule("ch.5", "each evaluator scores each valid bid once, and signs")
SME_DEDUCTION = Rule("ch.5 (4)", "small and micro enterprises 10%, SME consortia 3%, never both")
SAME_BRAND = Rule("§18", "bidders offering the same brand count as one")
REPORT_SIGNED = Rule("§29.1", "the evaluation report is signed by every committee member")

# Award, challenge, complaint (§29-§37)
AWARD_IN_ORDER = Rule("§29.2", "the purchaser awards in candidate order")
AWARD_WITHIN_FIVE_DAYS = Rule("§29.2", "the award is decided within 5 working days of the report")
WINNER_UNABLE = Rule(
    "§29.4",
    "a winner that cannot perform is replaced by the next candidate, or the procurement "
    "starts again",
)
AWARD_NOTICE = Rule("§29.5", "the award notice is published; publicity lasts 1 working day")
CHALLENGE_CONTENTS = Rule("§34", "a challenge states who, the facts, the request, evidence, date")
CHALLENGE_WINDOW = Rule("§35", "a challenge comes within 7 working days after the publicity ends")
ANSWER_WINDOW = Rule("§35", "the agency answers a challenge within 7 working days")
COMPLAINT_WINDOW = Rule("§36", "a complaint comes within 15 working days of the answer")
REGULATOR_DECIDES = Rule("§36", "only the regulator decides a complaint")
SUSPENDED = Rule("§36", "a suspended procedure takes no action but the regulator's")
TWO_BIDDERS = Rule("§30", "with two bidders: negotiation with the regulator's approval, else fail")
PHASE_ORDER = Rule("lifecycle", "each step comes in its phase of the procedure")
LOT_CLOSED = Rule("lifecycle", "a failed or awarded lot takes no further bids or scores")

# Opening: threshold and record (C1, §23.2(7))
THRESHOLD_TO_OPEN = Rule("C1", "no single official opens a bid: a threshold of officials is needed")
OPENING_RECORD_SIGNED = Rule(
    "§23.2(7)", "bidders with a revealed bid sign the opening record, once"
)
COMMITTEE_ANSWER = Rule("§27.1", "only the bidder the committee asked answers, once, in writing")

# Who may act in the award and its remedies (§34, §36, invitation)
CHALLENGER_IN_LOT = Rule("§34", "only a bidder in the lot may challenge its award")
CHALLENGER_COMPLAINS = Rule("§36", "only the challenger may complain about the answer it got")
OWN_TENDER = Rule("invitation", "only the tender's own purchaser, agency and regulator act for it")
COMMITTEE_MEMBER = Rule("§25.1", "only members of the tender's evaluation committee evaluate")
OPENING_OFFICIAL = Rule("C1", "only the opening officials the notice names hand in key shares")

# An opening no bid can block (C6), no side channel before it (V2)
UNOPENABLE_SHARE = Rule(
    "C6", "an official declares a share it cannot open, naming it, instead of handing it in"
)
UNOPENABLE_BID_RETURNED = Rule(
    "§23.2(4)", "a bid too few of whose shares open is returned as not decrypted (撤销)"
)
PADDED_TO_SIZE_CLASS = Rule("V2", "a sealed bid's document is padded to a size class")

# Time (R2, T6)
CALENDAR_RECORDED = Rule("R2", "working days follow the official calendar recorded on the ledger")
CLOCK_BACKWARDS = Rule("T6", "event times never decrease along the log")

# Time, suspensions and the duties around the award (§6-§7, §17, §29-§36, invitation)
DOWNLOAD_HOURS = Rule(
    "invitation 三",
    "documents are obtained 08:30-12:00 and 14:30-17:30, statutory holidays excluded",
)
QUESTION_ANSWER_DAYS = Rule("invitation 六(三)", "questions are answered within 3 working days")
POSTPONED_DEADLINE_HOURS = Rule(
    "§7.1", "the agency sets a postponed deadline on a working day, within working hours"
)
DEADLINE_POSTPONED = Rule("§7.3", "the agency may postpone, never advance, the deadline")
OBJECTOR_OBTAINED_DOCUMENTS = Rule(
    "invitation 六(三)", "any supplier that obtained the documents may challenge them"
)
DOCUMENTS_OBJECTION_WINDOW = Rule(
    "§6.2", "the documents are challenged within 7 working days after the announcement period"
)
DOCUMENTS_COMPLAINT_DECISION = Rule(
    "§36", "a complaint about the documents is dismissed, or the procedure suspended"
)
COMPLAINT_AFTER_ANSWER = Rule(
    "§36", "a complaint follows the answer, or comes once 7 working days passed without one"
)
BID_VALIDITY = Rule("§17.1", "a bid is valid for the notice's days after the deadline, no longer")
VALIDITY_EXTENSION = Rule(
    "§17.2", "before validity ends the agency may ask for an extension; a bidder may refuse"
)
CONTRACT_TERMS = Rule("§32.1", "the contract is signed with the winner, for the award's amount")
CONTRACT_WITHIN_30_DAYS = Rule("§32.2", "the contract is signed within 30 days of the award letter")
CONTRACT_FILED = Rule("§32.2", "the contract is filed within 7 working days of its signing")


# The expert draw of a remote cross-region evaluation (docs/draw.md: D1-D14 are the ledger's own)
DRAW_FIXED_BEFORE_COMMITMENTS = Rule(
    "D1", "the draw rule, the expert pool and every commitment are logged by the commit deadline"
)
DRAW_REVEAL_WINDOW = Rule(
    "D2", "a reveal is logged after the commit deadline and before the beacon round's time"
)
DRAW_REVEAL_MATCHES_COMMITMENT = Rule("D3", "a reveal matches the commitment its party logged")
DRAW_ONCE_PER_PARTY = Rule("D4", "each party commits once and reveals once")
DRAW_REPLACEMENT_IN_ORDER = Rule(
    "D5", "a declined member is replaced by the next eligible expert of its quota in drawn order"
)
DRAW_PLAN_ORDER = Rule("D6", "the commit deadline comes before the beacon round's time")
DRAW_QUOTAS_MET = Rule(
    "front table 13", "the experts are drawn at random by computer to every quota of the rule"
)
POOL_KEEPER = Rule(
    "D7", "a region's expert pool is kept by its centre: only that centre changes its experts"
)
COOPERATION_IN_FORCE = Rule(
    "D8",
    "a remote evaluation needs a cooperation agreement signed by every centre whose pool or "
    "venue it uses, naming the beacon chain its draws use",
)
VENUES_BEFORE_DRAW = Rule("D9", "the venues are fixed before the draw and not changed after it")
DRAWN_COMMITTEE = Rule(
    "front table 13",
    "the committee's experts are exactly those drawn; the purchaser's representative is appointed",
)
REDRAW_ORDERED = Rule("D10", "a draw is done again only on the regulator's order, with its reason")
DRAW_BEACON = Rule(
    "D11", "the beacon round is the one the plan fixes, of the agreed chain, and verifies"
)
CHECKED_IN = Rule(
    "D12",
    "a member takes part in a remote evaluation only once checked in at a venue, its identity "
    "confirmed there by the venue's supervisor",
)
SESSION_TOGETHER = Rule(
    "D13",
    "both venues open and close the session together; the committee works only while it is open",
)
VENUE_SUPERVISOR = Rule(
    "D14", "only a venue's own supervisor confirms identities and acts for that venue"
)


def _named() -> dict[str, Rule]:
    """Every rule by its constant name, which becomes its stored code."""
    found = {name: value for name, value in globals().items() if isinstance(value, Rule)}
    for name, rule in found.items():
        object.__setattr__(rule, "code", name)
    return found


RULES: dict[str, Rule] = _named()


def by_code(code: str) -> Rule:
    """The rule stored under ``code``; KeyError for an unknown code."""
    return RULES[code]


def describe(reason: Mapping[str, Any]) -> str:
    """A stored reason in words: ``§11.6 (a price above ...): price 600000.00 above ...``."""
    rule = RULES.get(str(reason.get("rule")))
    if rule is None:
        return f"{reason.get('rule')}: {reason.get('detail')}"
    return f"{rule.clause} ({rule.name}): {reason.get('detail')}"
