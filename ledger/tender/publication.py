"""Publish, obtain the documents, ask questions, clarify and amend (§6, §7, invitation)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ledger import args as read
from ledger.clock import format_time, parse_time
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput, RuleViolation
from ledger.events import LedgerCreated, LedgerEvent
from ledger.identity.registry import Registry
from ledger.rules import catalogue as rules
from ledger.tender.actions_base import Action
from ledger.tender.aggregate import Tender, tender_stream
from ledger.tender.state import Lot, Timetable

AMENDMENT_NOTICE = timedelta(days=15)
EVALUATION_PARTS = ("business_points", "technical_points", "price_points")


class TenderPublished(LedgerCreated):
    def update(self, aggregate: Tender) -> None:
        args = self.args
        aggregate.code, aggregate.name, aggregate.plan = args["code"], args["name"], args["plan"]
        aggregate.agency, aggregate.purchaser = self.actor, args["purchaser"]
        aggregate.regulator = args["regulator"]
        aggregate.published_at = self.timestamp
        times = args["timetable"]
        aggregate.timetable = Timetable(
            parse_time(times["documents_from"]),
            parse_time(times["documents_until"]),
            parse_time(times["questions_until"]),
            parse_time(times["deadline"]),
            times["decryption_minutes"],
        )
        for lot in args["lots"]:
            aggregate.lots[lot["lot"]] = Lot(
                lot["lot"], lot["name"], Decimal(lot["budget"]), Decimal(lot["ceiling"])
            )
        aggregate.terms = {key: args[key] for key in _TERMS}
        aggregate.officials = list(args["opening"]["officials"])
        aggregate.threshold = args["opening"]["threshold"]


class DocumentsObtained(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.documents_obtained[self.actor] = self.timestamp


class QuestionAsked(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.questions[self.facts["question_id"]] = {
            "asker": self.actor,
            "text": self.args["question"],
            "asked_at": self.timestamp,
            "answered": False,
        }


class ClarificationPublished(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        for answer in self.args["answers"]:
            aggregate.questions[answer["question_id"]]["answered"] = True
        aggregate.clarifications.append({"at": self.timestamp, "answers": self.args["answers"]})


class TenderAmended(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        for change in self.args.get("lots", []):
            lot = aggregate.lots[change["lot"]]
            lot.budget = Decimal(change.get("budget", lot.budget))
            lot.ceiling = Decimal(change.get("ceiling", lot.ceiling))
        aggregate.amendments.append({"at": self.timestamp, "summary": self.args["summary"]})
        new_deadline = self.facts.get("deadline")
        if new_deadline and aggregate.timetable is not None:
            old = aggregate.timetable.deadline
            aggregate.timetable.deadline = parse_time(new_deadline)
            if aggregate.timetable.documents_until >= old:
                aggregate.timetable.documents_until = aggregate.timetable.deadline
            aggregate.deadline_history.append(
                {"from": format_time(old), "to": new_deadline, "reason": self.facts["reason"]}
            )


_TERMS = (
    "method",
    "bid_validity_days",
    "consortia",
    "imports",
    "alternatives",
    "evaluation",
    "committee",
    "sme",
    "announcement_working_days",
    "award_publicity_working_days",
)


def publish(command: SignedCommand, now: datetime, registry: Registry) -> Tender:
    """The agency publishes the invitation (招标公告) with its lots, dates and terms."""
    registry.authenticate(command, now, "agency")
    code = read.text(command.args, "code")
    if command.stream != str(tender_stream(code)):
        raise InvalidInput(f"tender {code} lives in stream {tender_stream(code)}")
    for name in ("name", "plan"):
        read.text(command.args, name)
    for party, role in (
        (command.args.get("purchaser"), "purchaser"),
        (command.args.get("regulator"), "regulator"),
    ):
        if role not in registry.party(read.text(command.args, role)).roles:
            raise RuleViolation(rules.ROLE_NOT_HELD, f"{party} is not registered as {role}")
    _check_lots(read.items(command.args, "lots"))
    _check_timetable(read.mapping(command.args, "timetable"), now)
    _check_terms(command.args)
    _check_opening(read.mapping(command.args, "opening"), registry)
    return Tender.start(TenderPublished, command, now, tender_stream(code))


def obtain_documents(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """A bidder downloads the tender documents within the download window."""
    registry.authenticate(command, now, "bidder")
    tender.check_not_suspended(command.command)
    assert tender.timetable is not None
    window = tender.timetable
    if not window.documents_from <= now <= window.documents_until:
        raise RuleViolation(
            rules.DOCUMENTS_WINDOW,
            f"documents are available from "
            f"{format_time(window.documents_from)} to "
            f"{format_time(window.documents_until)}, not at {format_time(now)}",
        )
    if command.actor in tender.documents_obtained:
        raise InvalidInput(f"{command.actor} already obtained the documents")
    tender.record(DocumentsObtained, command, now)


def ask_question(tender: Tender, command: SignedCommand, now: datetime, registry: Registry) -> None:
    """A bidder asks for a clarification before the question deadline (§6.1)."""
    registry.authenticate(command, now, "bidder")
    tender.check_not_suspended(command.command)
    assert tender.timetable is not None
    if now > tender.timetable.questions_until:
        raise RuleViolation(
            rules.QUESTION_DEADLINE,
            f"questions closed at {format_time(tender.timetable.questions_until)}",
        )
    question = read.text(command.args, "question")
    question_id = "Q" + hashlib.sha256(command.command_id.encode()).hexdigest()[:12]
    tender.record(
        QuestionAsked, command, now, {"question_id": question_id, "length": len(question)}
    )


def publish_clarification(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The agency answers questions to all bidders, never naming who asked (§6.1)."""
    registry.authenticate(command, now, "agency")
    tender.check_not_suspended(command.command)
    answers = read.items(command.args, "answers")
    for answer in answers:
        if not isinstance(answer, dict) or set(answer) != {"question_id", "answer"}:
            raise InvalidInput("each answer is exactly {question_id, answer}: no asker field")
        question = tender.questions.get(str(answer["question_id"]))
        if question is None:
            raise InvalidInput(f"no question {answer['question_id']!r}")
        asker = registry.party(question["asker"])
        text = read.text(answer, "answer")
        for tell in (asker.party, asker.name):
            if tell and tell in text:
                raise RuleViolation(
                    rules.ASKER_NOT_NAMED,
                    f"answer to {answer['question_id']} names the party that asked",
                )
    tender.record(ClarificationPublished, command, now)


def amend(tender: Tender, command: SignedCommand, now: datetime, registry: Registry) -> None:
    """A correction notice (更正公告); a late one postpones the deadline by itself (§7.1)."""
    registry.authenticate(command, now, "agency")
    tender.check_not_suspended(command.command)
    if now >= tender.deadline:
        raise RuleViolation(rules.PHASE_ORDER, "the documents cannot be amended after the deadline")
    read.text(command.args, "summary")
    changes = command.args.get("lots", [])
    if not isinstance(changes, list):
        raise InvalidInput("field 'lots' must be a list")
    for change in changes:
        lot = tender.lot(read.text(change, "lot"))
        budget = read.amount(change, "budget") if "budget" in change else lot.budget
        ceiling = read.amount(change, "ceiling") if "ceiling" in change else lot.ceiling
        _check_prices(lot.lot, budget, ceiling)
    tender.record(TenderAmended, command, now, _postponement(tender, command.args, now))


def _postponement(tender: Tender, args: Any, now: datetime) -> dict[str, str]:
    """A change of any lot's budget or ceiling always affects bid preparation (§7.1)."""
    changes_prices = any("budget" in c or "ceiling" in c for c in args.get("lots", []))
    if not read.flag(args, "affects_preparation") and not changes_prices:
        return {}
    earliest = now + AMENDMENT_NOTICE
    if tender.deadline >= earliest:
        return {}
    return {
        "deadline": format_time(earliest),
        "reason": f"§7.1: amendment published {format_time(now)}, less than 15 days before "
        f"the deadline {format_time(tender.deadline)}",
    }


def _check_lots(lots: list[Any]) -> None:
    seen: set[str] = set()
    for lot in lots:
        if not isinstance(lot, dict):
            raise InvalidInput("each lot is an object")
        lot_id = read.text(lot, "lot")
        if lot_id in seen:
            raise InvalidInput(f"lot {lot_id!r} appears twice")
        seen.add(lot_id)
        read.text(lot, "name")
        _check_prices(lot_id, read.amount(lot, "budget"), read.amount(lot, "ceiling"))


def _check_prices(lot: str, budget: Decimal, ceiling: Decimal) -> None:
    if budget <= 0 or ceiling <= 0 or ceiling > budget:
        raise RuleViolation(rules.LOT_PRICES, f"lot {lot}: budget {budget}, ceiling {ceiling}")


def _check_timetable(times: Any, now: datetime) -> None:
    order = ["documents_from", "documents_until", "deadline"]
    moments = [read.moment(times, name) for name in order]
    questions = read.moment(times, "questions_until")
    if not (now <= moments[0] <= moments[1] <= moments[2] and questions <= moments[2]):
        raise RuleViolation(
            rules.TIMETABLE_ORDER,
            "publication <= documents_from <= documents_until <= deadline, "
            "and questions_until <= deadline",
        )
    read.integer(times, "decryption_minutes", minimum=1)


def _check_terms(args: Any) -> None:
    for name in ("consortia", "imports", "alternatives"):
        read.flag(args, name)
    read.integer(args, "bid_validity_days", minimum=1)
    read.integer(args, "announcement_working_days", minimum=1)
    read.integer(args, "award_publicity_working_days", minimum=1)
    if read.text(args, "method") != "open":
        raise InvalidInput("method must be 'open' (公开招标)")
    evaluation = read.mapping(args, "evaluation")
    if read.text(evaluation, "method") != "comprehensive":
        raise InvalidInput("evaluation method must be 'comprehensive' (综合评分法)")
    if sum(read.decimal(evaluation, part) for part in EVALUATION_PARTS) != 100:
        raise InvalidInput("business, technical and price points must add up to 100")
    committee = read.mapping(args, "committee")
    members = read.integer(committee, "purchaser_representatives") + read.integer(
        committee, "experts", minimum=1
    )
    experts = read.integer(committee, "experts", minimum=1)
    representatives = members - experts
    if members < 5 or members % 2 == 0 or representatives < 1 or experts * 3 < members * 2:
        raise RuleViolation(
            rules.COMMITTEE_MAKEUP,
            f"{representatives} purchaser representative(s) + {experts} experts: a committee is "
            "an odd number of at least 5, with experts at least two thirds of it",
        )
    sme = read.mapping(args, "sme")
    read.decimal(sme, "deduction")
    read.decimal(sme, "consortium_deduction")


def _check_opening(opening: Any, registry: Registry) -> None:
    officials = read.items(opening, "officials")
    parties = set()
    for official in officials:
        party = read.text(official, "party")
        if "official" not in registry.party(party).roles:
            raise RuleViolation(rules.ROLE_NOT_HELD, f"{party} is not an opening official")
        try:
            key = bytes.fromhex(read.text(official, "encryption_key"))
        except ValueError:
            raise InvalidInput(f"official {party}: encryption_key must be hex") from None
        registry.encryption_key(party, key)
        parties.add(party)
    if len(parties) != len(officials):
        raise InvalidInput("each opening official is named once")
    threshold = read.integer(opening, "threshold", minimum=2)
    if threshold > len(officials):
        raise RuleViolation(
            rules.SEALED_AND_SIGNED,
            f"threshold {threshold} is more than {len(officials)} officials",
        )


ACTIONS = {
    "ObtainDocuments": Action("bidder", obtain_documents),
    "AskQuestion": Action("bidder", ask_question),
    "PublishClarification": Action("agency", publish_clarification),
    "AmendTender": Action("agency", amend),
}
