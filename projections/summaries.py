"""One line in words for each kind of event, from its signed args and derived facts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ledger.events import LedgerEvent
from ledger.procedure.registry_state import RegistryState
from ledger.procedure.tender.award import wan as award_wan
from ledger.rules import catalogue as rules
from projections.remote_summaries import REMOTE_SUMMARIES

Summary = Callable[[LedgerEvent, RegistryState], str]


def wan(amount: str | Decimal) -> str:
    """Yuan as 万元 the way the seed's notices print them (33.486), from text or Decimal."""
    return award_wan(Decimal(amount))


def summarise(event: LedgerEvent, registry: RegistryState) -> str:
    """The event in a few words; names are looked up in the registry."""
    return SUMMARIES.get(event.type, _generic)(event, registry)


def _name(registry: RegistryState, party: str) -> str:
    found = registry.parties.get(party)
    return found.name if found else party


def _names(registry: RegistryState, parties: Any) -> str:
    return ", ".join(_name(registry, party) for party in parties) or "none"


def _per_lot(registry: RegistryState, by_lot: Mapping[str, Any], empty: str) -> str:
    parts = [
        f"lot {lot}: {_names(registry, parties)}"
        for lot, parties in sorted(by_lot.items())
        if parties
    ]
    return "; ".join(parts) or empty


def _generic(event: LedgerEvent, registry: RegistryState) -> str:
    parts = []
    for key in ("lot", "bidder", "reason", "decision", "summary", "challenge_id"):
        value = event.args.get(key)
        if isinstance(value, str):
            parts.append(f"{key} {_name(registry, value) if key == 'bidder' else value}")
    return ", ".join(parts)


def _published(event: LedgerEvent, registry: RegistryState) -> str:
    lots = "; ".join(
        f"lot {lot['lot']} {lot['name']} budget {wan(lot['budget'])} 万元"
        for lot in event.args["lots"]
    )
    return f"{event.args['code']}: {lots}; deadline {event.args['timetable']['deadline']}"


def _amended(event: LedgerEvent, registry: RegistryState) -> str:
    changes = "; ".join(
        f"lot {c['lot']} budget {wan(c['budget'])} ceiling {wan(c['ceiling'])}"
        for c in event.args.get("lots", [])
        if "budget" in c and "ceiling" in c
    )
    postponed = event.facts.get("deadline")
    tail = (
        f"; deadline postponed to {postponed} ({rules.describe(event.facts['reason'])})"
        if postponed
        else f"; deadline unchanged ({rules.AMENDMENT_POSTPONES.clause})"
    )
    return str(event.args["summary"]) + (f" ({changes})" if changes else "") + tail


def _question(event: LedgerEvent, registry: RegistryState) -> str:
    return f"question {event.facts['question_id']} (the asker is never named in the answer)"


def _clarified(event: LedgerEvent, registry: RegistryState) -> str:
    ids = ", ".join(answer["question_id"] for answer in event.args["answers"])
    postponed = event.facts.get("deadline")
    tail = f"; deadline postponed to {postponed}" if postponed else ""
    late = "; late: " + "; ".join(rules.describe(r) for r in event.facts.get("late", []))
    return (
        f"answers {ids} to all bidders, without naming who asked ({rules.ASKER_NOT_NAMED.clause})"
        + tail
        + (late if event.facts.get("late") else "")
    )


def _submitted(event: LedgerEvent, registry: RegistryState) -> str:
    return (
        f"lot {event.args['lot']}, sealed; ciphertext sha256 "
        f"{str(event.facts.get('ciphertext_sha256', ''))[:16]}…, receipt issued"
    )


def _opened(event: LedgerEvent, registry: RegistryState) -> str:
    announced = _per_lot(registry, event.facts.get("announced", {}), "no bids")
    absent = _per_lot(registry, event.facts.get("absent", {}), "")
    return f"announced {announced}" + (
        f"; not accepted, absent ({rules.ABSENT_NOT_ACCEPTED.clause}): {absent}" if absent else ""
    )


def _closed(event: LedgerEvent, registry: RegistryState) -> str:
    returned = _per_lot(registry, event.facts.get("returned", {}), "")
    return (
        f"returned, not decrypted in time (撤销, {rules.NOT_DECRYPTED_RETURNED.clause}): {returned}"
        if returned
        else "every bid was decrypted in time"
    )


def _shares(event: LedgerEvent, registry: RegistryState) -> str:
    text = f"{event.facts.get('shares', 0)} key shares, each matching its bidder's commitment"
    declared = [
        f"lot {d['lot']} {_name(registry, d['bidder'])} ({d['evidence']})"
        for d in event.facts.get("unopenable", [])
    ]
    return text + (f"; declared unopenable (C6): {', '.join(declared)}" if declared else "")


def _revealed(event: LedgerEvent, registry: RegistryState) -> str:
    parts = []
    for lot, bids in sorted(event.facts.get("bids", {}).items()):
        prices = ", ".join(
            f"{_name(registry, bidder)} {wan(bid['price'])}"
            for bidder, bid in sorted(bids.items())
            if bid.get("price")
        )
        parts.append(f"lot {lot}: {prices or 'no bids'}")
    over = _per_lot(registry, event.facts.get("over_ceiling", {}), "")
    returned = _per_lot(registry, event.facts.get("returned", {}), "")
    return (
        "all at once, "
        + "; ".join(parts)
        + " (万元)"
        + (f"; above the ceiling ({rules.PRICE_CEILING.clause}): {over}" if over else "")
        + (
            f"; returned, too few shares open ({rules.UNOPENABLE_BID_RETURNED.clause}): {returned}"
            if returned
            else ""
        )
        + _slips(event, registry)
    )


def _slips(event: LedgerEvent, registry: RegistryState) -> str:
    """Amounts read out in capital numerals where the figures differ (§26.4)."""
    slips = [
        f"{_name(registry, bidder)} {wan(slip['stated_total'])} → "
        f"{wan(slip['corrected_total'])} 万元"
        for _, by_bidder in sorted(event.facts.get("slips", {}).items())
        for bidder, slip in sorted(by_bidder.items())
    ]
    clause = rules.ARITHMETIC_CORRECTION.clause
    return f"; read out in capital numerals ({clause}): {', '.join(slips)}" if slips else ""


def _committee_signature(event: LedgerEvent, registry: RegistryState) -> str:
    signers = event.facts.get("signers", [])
    return (
        f"{event.facts.get('decision')} on {event.facts.get('subject')}: signed by "
        f"{_names(registry, signers)}, {len(signers)} of the {event.facts.get('needed')} "
        "signatures it needs"
    )


def _qualified(event: LedgerEvent, registry: RegistryState) -> str:
    text = (
        f"lot {event.args['lot']}: {event.facts.get('qualified', 0)} qualified "
        f"({_names(registry, event.facts.get('qualified_bidders', []))})"
    )
    counted = event.facts.get("counted_as", event.facts.get("qualified", 0))
    if counted != event.facts.get("qualified", 0):
        text += f", counting as {counted}: one brand, one bidder ({rules.SAME_BRAND.clause})"
    return text + (
        f"; fewer than three, no evaluation ({rules.FEWER_THAN_THREE.clause})"
        if event.facts.get("no_evaluation")
        else ""
    )


def _committee(event: LedgerEvent, registry: RegistryState) -> str:
    return (
        f"purchaser representative {_names(registry, event.facts['purchaser_representatives'])};"
        f" experts {_names(registry, event.facts['experts'])}"
    )


def _conformity(event: LedgerEvent, registry: RegistryState) -> str:
    invalid = "; ".join(
        f"{_name(registry, finding['bidder'])} {rules.describe(finding)}"
        for finding in event.facts.get("invalidated") or []
    )
    signers = _names(registry, event.facts.get("signers", []))
    return (
        f"lot {event.args['lot']}: {event.facts.get('valid', 0)} conforming"
        + (f"; invalid: {invalid}" if invalid else "")
        + f"; decided by {signers}"
    )


def _correction(event: LedgerEvent, registry: RegistryState) -> str:
    return (
        f"lot {event.args['lot']}, {_name(registry, event.args['bidder'])}: "
        f"{wan(event.facts['stated_total'])} → {wan(event.facts['corrected_total'])} 万元; "
        + "; ".join(c["reason"] for c in event.facts.get("corrections", []))
    )


def _correction_answer(event: LedgerEvent, registry: RegistryState) -> str:
    if event.facts.get("accepted"):
        return f"lot {event.args['lot']}: accepted, price now {wan(event.facts['price'])} 万元"
    clause = rules.ARITHMETIC_CORRECTION.clause
    return f"lot {event.args['lot']}: refused, the bid is invalid ({clause})"


def _scores(event: LedgerEvent, registry: RegistryState) -> str:
    totals = ", ".join(
        f"{_name(registry, bidder)} {score['total']}"
        for bidder, score in event.facts.get("scores", {}).items()
    )
    return f"lot {event.args['lot']} totals: {totals}"


def _ranked(event: LedgerEvent, registry: RegistryState) -> str:
    ranking = ", ".join(
        f"{entry['rank']}. {_name(registry, entry['bidder'])} {entry['score']}"
        for entry in event.facts.get("ranking", [])
    )
    return (
        f"lot {event.args['lot']}: {ranking}; candidates in order: "
        f"{_names(registry, event.facts.get('candidates', []))}"
    )


def _report(event: LedgerEvent, registry: RegistryState) -> str:
    done = " (report complete)" if event.facts.get("complete") else ""
    return f"lot {event.args['lot']}: {event.facts.get('signed')} of {event.facts.get('of')}{done}"


def _awarded(event: LedgerEvent, registry: RegistryState) -> str:
    amount = event.facts.get("amount")
    money = f" at {wan(amount)} 万元" if isinstance(amount, str) else ""
    return f"lot {event.args['lot']} to {_name(registry, event.args['bidder'])}{money}"


def _notice(event: LedgerEvent, registry: RegistryState) -> str:
    return (
        f"lot {event.args['lot']}: {event.facts.get('supplier_name', '')} "
        f"{event.facts.get('amount_wan', '')} 万元; publicity ends "
        f"{event.facts.get('publicity_ends', '')}"
    )


def _challenge(event: LedgerEvent, registry: RegistryState) -> str:
    return (
        f"{event.facts['challenge_id']} on lot {event.args['lot']}: {event.args['matters']}; "
        f"answer due {event.facts.get('answer_due', '')}"
    )


def _answer(event: LedgerEvent, registry: RegistryState) -> str:
    late = event.facts.get("late")
    return (
        f"{event.args['challenge_id']}: {len(event.facts.get('notified', []))} parties told; "
        f"complaint possible until {event.facts.get('complaint_until', '')}"
        + (f"; late: {rules.describe(late)}" if late else "")
    )


def _contract(event: LedgerEvent, registry: RegistryState) -> str:
    late = event.facts.get("late")
    winner = event.facts.get("winner")
    party = f" with {_name(registry, winner)}" if isinstance(winner, str) else ""
    amount = event.args.get("amount")
    money = f" for {wan(amount)} 万元" if isinstance(amount, str) else ""
    return f"lot {event.args['lot']}{party}{money}; due by {event.facts.get('due', '')}" + (
        f"; late: {rules.describe(late)}" if late else ""
    )


def _failed(event: LedgerEvent, registry: RegistryState) -> str:
    return f"lot {event.args['lot']}: {event.args['reason']}"


SUMMARIES: dict[str, Summary] = {
    "TenderPublished": _published,
    "TenderAmended": _amended,
    "QuestionAsked": _question,
    "ClarificationPublished": _clarified,
    "BidSubmitted": _submitted,
    "OpeningStarted": _opened,
    "DecryptionClosed": _closed,
    "KeySharesSubmitted": _shares,
    "BidsRevealed": _revealed,
    "QualificationRecorded": _qualified,
    "CommitteeFormed": _committee,
    "CommitteeDecisionSigned": _committee_signature,
    "ConformityRecorded": _conformity,
    "CorrectionProposed": _correction,
    "CorrectionAnswered": _correction_answer,
    "ScoresSubmitted": _scores,
    "EvaluationFinalised": _ranked,
    "ReportSigned": _report,
    "LotAwarded": _awarded,
    "AwardNoticePublished": _notice,
    "ChallengeFiled": _challenge,
    "ChallengeAnswered": _answer,
    "ContractSigned": _contract,
    "ContractFiled": _contract,
    "LotFailed": _failed,
}
SUMMARIES.update(REMOTE_SUMMARIES)
