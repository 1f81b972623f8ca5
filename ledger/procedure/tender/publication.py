"""Publish, obtain the documents, ask questions, clarify and amend (§6, §7, invitation).

The hours, answer times and postponed deadlines these rules check are in
:mod:`ledger.procedure.tender.notice_times`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Literal

from ledger.clock import format_time, parse_time
from ledger.errors import InvalidInput, RuleViolation
from ledger.procedure.base import (
    Command,
    Context,
    Guard,
    TenderCommand,
    applies,
    decides,
    phases,
)
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.registry_state import RegistryState
from ledger.procedure.schema import arg
from ledger.procedure.state import Lot, TenderState, Timetable, tender_stream
from ledger.procedure.tender.notice_times import (
    check_download_time,
    late_answers,
    postponement,
)
from ledger.rules import catalogue as rules
from ledger.rules.catalogue import describe

EVALUATION_PARTS = ("business_points", "technical_points", "price_points")
_BIDDING = phases("bidding")


@dataclass(frozen=True)
class LotTerms:
    lot: str = arg(max_length=20)
    name: str = arg(max_length=200)
    budget: Decimal = arg(money=True)
    ceiling: Decimal = arg(money=True)


@dataclass(frozen=True)
class TimetableTerms:
    documents_from: datetime
    documents_until: datetime
    questions_until: datetime
    deadline: datetime
    decryption_minutes: int = arg(default=30, minimum=1, maximum=24 * 60)
    objections_until: datetime | None = None  # the notice's date for challenges (六(三))


@dataclass(frozen=True)
class OfficialTerms:
    party: str = arg(max_length=64)
    encryption_key: str = arg(max_length=64)


@dataclass(frozen=True)
class OpeningTerms:
    officials: tuple[OfficialTerms, ...] = arg(max_items=20)
    threshold: int = arg(default=2, minimum=2, maximum=20)


@dataclass(frozen=True)
class EvaluationTerms:
    method: Literal["comprehensive"] = "comprehensive"
    business_points: Decimal = arg(default=Decimal("30"), minimum=0, maximum=100)
    technical_points: Decimal = arg(default=Decimal("40"), minimum=0, maximum=100)
    price_points: Decimal = arg(default=Decimal("30"), minimum=0, maximum=100)


@dataclass(frozen=True)
class ContactTerms:
    """The project's contact person, printed in every notice (项目联系方式)."""

    person: str = arg(max_length=100)
    phone: str = arg(max_length=50)


@dataclass(frozen=True)
class CommitteeTerms:
    purchaser_representatives: int = arg(default=1, minimum=0, maximum=20)
    experts: int = arg(default=4, minimum=1, maximum=40)


@dataclass(frozen=True)
class SmeTerms:
    deduction: Decimal = arg(default=Decimal("0.10"), minimum=0, maximum=1)
    consortium_deduction: Decimal = arg(default=Decimal("0.03"), minimum=0, maximum=1)


@dataclass(frozen=True)
class PublishTender(Command):
    """The agency publishes the invitation (招标公告) with its lots, dates and terms."""

    guard: ClassVar[Guard] = Guard(role="agency")
    tender: str = arg(name="code", max_length=64)
    name: str = arg(max_length=300)
    plan: str = arg(max_length=100)
    purchaser: str = arg(max_length=64)
    regulator: str = arg(max_length=64)
    lots: tuple[LotTerms, ...] = arg(max_items=100)
    timetable: TimetableTerms = arg()
    opening: OpeningTerms = arg()
    method: Literal["open"] = "open"
    bid_validity_days: int = arg(default=90, minimum=1, maximum=3650)
    consortia: bool = False
    imports: bool = False
    alternatives: bool = False
    evaluation: EvaluationTerms = EvaluationTerms()
    committee: CommitteeTerms = CommitteeTerms()
    sme: SmeTerms = SmeTerms()
    announcement_working_days: int = arg(default=5, minimum=1, maximum=60)
    award_publicity_working_days: int = arg(default=1, minimum=1, maximum=60)
    contact: ContactTerms | None = None

    def target(self) -> str | None:
        return self.tender


@dataclass(frozen=True)
class ObtainDocuments(TenderCommand):
    """A bidder downloads the tender documents within the download window."""

    guard: ClassVar[Guard] = Guard(role="bidder")  # the download window is the rule's own check


@dataclass(frozen=True)
class AskQuestion(TenderCommand):
    """A bidder asks for a clarification before the question deadline (§6.1)."""

    guard: ClassVar[Guard] = Guard(role="bidder")  # the question deadline is the rule's check
    question: str = arg(max_length=5000)


@dataclass(frozen=True)
class Answer:
    question_id: str = arg(max_length=40)
    answer: str = arg(max_length=20000)


@dataclass(frozen=True)
class PublishClarification(TenderCommand):
    """The agency answers questions to all bidders, never naming who asked (§6.1); a late
    one that may affect bid preparation sets a postponed deadline (§7.1)."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=_BIDDING)
    answers: tuple[Answer, ...] = arg(max_items=200)
    affects_preparation: bool = arg()  # the agency's judgment, stated in the notice (§7.1)
    new_deadline: datetime | None = None


@dataclass(frozen=True)
class LotChange:
    lot: str = arg(max_length=20)
    budget: Decimal | None = arg(default=None, money=True)
    ceiling: Decimal | None = arg(default=None, money=True)


@dataclass(frozen=True)
class AmendTender(TenderCommand):
    """A correction notice (更正公告); a late one sets a postponed deadline (§7.1)."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=_BIDDING)
    summary: str = arg(max_length=20000)
    affects_preparation: bool = arg()
    lots: tuple[LotChange, ...] = arg(default=(), max_items=100)
    new_deadline: datetime | None = None


@decides(PublishTender)
def publish(state: TenderState | None, command: PublishTender, ctx: Context) -> Decision:
    if state is not None:
        raise RuleViolation(
            rules.PUBLISH_ONCE, "a tender with this project code is already published"
        )
    if ctx.signed.stream != str(tender_stream(command.tender)):
        raise InvalidInput(
            f"tender {command.tender} lives in stream {tender_stream(command.tender)}"
        )
    for party, role in ((command.purchaser, "purchaser"), (command.regulator, "regulator")):
        if role not in ctx.registry.party(party).roles:
            raise RuleViolation(rules.ROLE_NOT_HELD, f"{party} is not registered as {role}")
    _check_lots(command.lots)
    _check_timetable(command.timetable, ctx.now)
    _check_terms(command)
    _check_opening(command.opening, ctx.registry)
    return Decision("TenderPublished")


@decides(ObtainDocuments)
def obtain_documents(tender: TenderState, command: ObtainDocuments, ctx: Context) -> Decision:
    assert tender.timetable is not None
    check_download_time(tender.timetable, ctx.now, ctx.registry.calendar)
    if ctx.actor in tender.documents_obtained:
        raise InvalidInput(f"{ctx.actor} already obtained the documents")
    return Decision("DocumentsObtained")


@decides(AskQuestion)
def ask_question(tender: TenderState, command: AskQuestion, ctx: Context) -> Decision:
    assert tender.timetable is not None
    if ctx.now > tender.timetable.questions_until:
        raise RuleViolation(
            rules.QUESTION_DEADLINE,
            f"questions closed at {format_time(tender.timetable.questions_until)}",
        )
    question_id = "Q" + hashlib.sha256(ctx.command_id.encode()).hexdigest()[:12]
    return Decision("QuestionAsked", {"question_id": question_id, "length": len(command.question)})


@decides(PublishClarification)
def publish_clarification(
    tender: TenderState, command: PublishClarification, ctx: Context
) -> Decision:
    for answer in command.answers:
        question = tender.questions.get(answer.question_id)
        if question is None:
            raise InvalidInput(f"no question {answer.question_id!r}")
        asker = ctx.registry.party(question["asker"])
        for tell in (asker.party, asker.name):
            if tell and tell in answer.answer:
                raise RuleViolation(
                    rules.ASKER_NOT_NAMED,
                    f"answer to {answer.question_id} names the party that asked",
                )
    calendar = ctx.registry.calendar
    facts = postponement(
        tender,
        "clarification",
        command.affects_preparation,
        command.new_deadline,
        ctx.now,
        calendar,
    )
    late = late_answers(tender, (a.question_id for a in command.answers), ctx.now, calendar)
    if late:
        facts["late"] = late
    return Decision("ClarificationPublished", facts)


@decides(AmendTender)
def amend(tender: TenderState, command: AmendTender, ctx: Context) -> Decision:
    for change in command.lots:
        lot = tender.lot(change.lot)
        budget = lot.budget if change.budget is None else change.budget
        ceiling = lot.ceiling if change.ceiling is None else change.ceiling
        _check_prices(lot.lot, budget, ceiling)
    changes_prices = any(c.budget is not None or c.ceiling is not None for c in command.lots)
    affects = command.affects_preparation or changes_prices  # prices always affect bids
    facts = postponement(
        tender, "amendment", affects, command.new_deadline, ctx.now, ctx.registry.calendar
    )
    return Decision("TenderAmended", facts)


def _check_lots(lots: tuple[LotTerms, ...]) -> None:
    seen: set[str] = set()
    for lot in lots:
        if lot.lot in seen:
            raise InvalidInput(f"lot {lot.lot!r} appears twice")
        seen.add(lot.lot)
        _check_prices(lot.lot, lot.budget, lot.ceiling)


def _check_prices(lot: str, budget: Decimal, ceiling: Decimal) -> None:
    if budget <= 0 or ceiling <= 0 or ceiling > budget:
        raise RuleViolation(rules.LOT_PRICES, f"lot {lot}: budget {budget}, ceiling {ceiling}")


def _check_timetable(times: TimetableTerms, now: datetime) -> None:
    ordered = now <= times.documents_from <= times.documents_until <= times.deadline
    objections = times.objections_until is None or now <= times.objections_until
    if not (ordered and objections and times.questions_until <= times.deadline):
        raise RuleViolation(
            rules.TIMETABLE_ORDER,
            "publication <= documents_from <= documents_until <= deadline, "
            "questions_until <= deadline, and publication <= objections_until",
        )


def _check_terms(command: PublishTender) -> None:
    evaluation = command.evaluation
    total = evaluation.business_points + evaluation.technical_points + evaluation.price_points
    if total != 100:
        raise InvalidInput("business, technical and price points must add up to 100")
    committee = command.committee
    experts, representatives = committee.experts, committee.purchaser_representatives
    members = experts + representatives
    if members < 5 or members % 2 == 0 or representatives < 1 or experts * 3 < members * 2:
        raise RuleViolation(
            rules.COMMITTEE_MAKEUP,
            f"{representatives} purchaser representative(s) + {experts} experts: a committee is "
            "an odd number of at least 5, with experts at least two thirds of it",
        )


def _check_opening(opening: OpeningTerms, registry: RegistryState) -> None:
    parties = set()
    for official in opening.officials:
        if "official" not in registry.party(official.party).roles:
            raise RuleViolation(rules.ROLE_NOT_HELD, f"{official.party} is not an opening official")
        try:
            key = bytes.fromhex(official.encryption_key)
        except ValueError:
            raise InvalidInput(f"official {official.party}: encryption_key must be hex") from None
        registry.encryption_key(official.party, key)
        parties.add(official.party)
    if len(parties) != len(opening.officials):
        raise InvalidInput("each opening official is named once")
    if opening.threshold > len(opening.officials):
        raise RuleViolation(
            rules.SEALED_AND_SIGNED,
            f"threshold {opening.threshold} is more than {len(opening.officials)} officials",
        )


@applies("TenderPublished")
def _published(tender: TenderState, event: EventRecord) -> None:
    args = event.args
    tender.code, tender.name, tender.plan = args["code"], args["name"], args["plan"]
    tender.agency, tender.purchaser = event.actor, args["purchaser"]
    tender.regulator = args["regulator"]
    tender.published_at = event.time
    times = args["timetable"]
    objections = times.get("objections_until")
    tender.timetable = Timetable(
        parse_time(times["documents_from"]),
        parse_time(times["documents_until"]),
        parse_time(times["questions_until"]),
        parse_time(times["deadline"]),
        times["decryption_minutes"],
        None if objections is None else parse_time(objections),
    )
    for lot in args["lots"]:
        tender.lots[lot["lot"]] = Lot(
            lot["lot"], lot["name"], Decimal(lot["budget"]), Decimal(lot["ceiling"])
        )
    tender.terms = {key: args[key] for key in _TERMS}
    tender.officials = [dict(o) for o in args["opening"]["officials"]]
    tender.threshold = args["opening"]["threshold"]
    tender.contact = dict(args["contact"]) if "contact" in args else None


@applies("DocumentsObtained")
def _obtained(tender: TenderState, event: EventRecord) -> None:
    tender.documents_obtained[event.actor] = event.time


@applies("QuestionAsked")
def _asked(tender: TenderState, event: EventRecord) -> None:
    tender.questions[event.facts["question_id"]] = {
        "asker": event.actor,
        "text": event.args["question"],
        "asked_at": event.time,
        "answered": False,
    }


@applies("ClarificationPublished")
def _clarified(tender: TenderState, event: EventRecord) -> None:
    for answer in event.args["answers"]:
        tender.questions[answer["question_id"]]["answered"] = True
    tender.clarifications.append({"at": event.time, "answers": list(event.args["answers"])})
    _postponed(tender, event)


@applies("TenderAmended")
def _amended(tender: TenderState, event: EventRecord) -> None:
    for change in event.args.get("lots", []):
        lot = tender.lots[change["lot"]]
        lot.budget = Decimal(change.get("budget", lot.budget))
        lot.ceiling = Decimal(change.get("ceiling", lot.ceiling))
    tender.amendments.append({"at": event.time, "summary": event.args["summary"]})
    _postponed(tender, event)


def _postponed(tender: TenderState, event: EventRecord) -> None:
    """A notice that set a new deadline moves it (and a download window that ran to it)."""
    new_deadline = event.facts.get("deadline")
    if new_deadline and tender.timetable is not None:
        old = tender.timetable.deadline
        tender.timetable.deadline = parse_time(new_deadline)
        if tender.timetable.documents_until >= old:
            tender.timetable.documents_until = tender.timetable.deadline
        tender.deadline_history.append(
            {
                "from": format_time(old),
                "to": new_deadline,
                "reason": describe(event.facts["reason"]),
            }
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
