"""The contract after the award: signed within 30 days of the award letter, then filed (§32).

The award letter (中标通知书) goes to the winner with the award notice (§29.5), so the 30
days (calendar days, §32.2) run from the notice. The purchaser signs the contract with the
winner for the award's amount (§32.1) and, within 7 working days of signing, files a copy
with the regulator and the agency (§32.2). Both clocks stop while the procedure is
suspended. A contract signed or filed late is recorded, marked late with the rule it broke:
refusing it would only hide the contract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from ledger.clock import format_time
from ledger.errors import InvalidInput, Rule, RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides, phases
from ledger.procedure.clocks import Days, WorkingDays
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import Lot, TenderState, money
from ledger.procedure.tender.stages import reason
from ledger.rules import catalogue as rules

CONTRACT_DAYS = Days(30)
FILING_DAYS = WorkingDays(7)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PURCHASER = Guard(role="purchaser", sender="purchaser", phases=phases("evaluation"))


@dataclass(frozen=True)
class SignContract(TenderCommand):
    """The purchaser signs the contract with the winner, within 30 days of the letter."""

    guard: ClassVar[Guard] = _PURCHASER
    lot: str = arg(max_length=20)
    contract_sha256: str = arg(max_length=64, doc="SHA-256 of the signed contract, hex")
    amount: Decimal = arg(money=True)


@dataclass(frozen=True)
class FileContract(TenderCommand):
    """The purchaser files the signed contract with the regulator and the agency."""

    guard: ClassVar[Guard] = _PURCHASER
    lot: str = arg(max_length=20)


@decides(SignContract)
def sign_contract(tender: TenderState, command: SignContract, ctx: Context) -> Decision:
    lot = tender.lot(command.lot)
    if lot.status != "awarded" or lot.award is None or lot.notice_at is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"lot {lot.lot} is {lot.status}: the award and its notice with the award letter "
            "must come before the contract",
        )
    if lot.contract is not None:
        raise RuleViolation(
            rules.PHASE_ORDER, f"lot {lot.lot}: the contract was signed at {lot.contract['at']}"
        )
    if not _SHA256.fullmatch(command.contract_sha256):
        raise InvalidInput("field 'contract_sha256' must be 64 lower-case hex digits")
    awarded = Decimal(lot.award["amount"])
    if command.amount != awarded:
        raise RuleViolation(
            rules.CONTRACT_TERMS,
            f"lot {lot.lot}: the contract's amount {money(command.amount)} is not the "
            f"award's {money(awarded)} to {lot.award['bidder']}",
        )
    due = tender.clock(lot.notice_at, CONTRACT_DAYS)
    facts = {"winner": lot.award["bidder"], "letter_at": format_time(lot.notice_at)}
    facts.update(_timeliness(rules.CONTRACT_WITHIN_30_DAYS, due, ctx.now, "signed"))
    return Decision("ContractSigned", facts)


@decides(FileContract)
def file_contract(tender: TenderState, command: FileContract, ctx: Context) -> Decision:
    lot = tender.lot(command.lot)
    contract = _signed(lot)
    if contract.get("filed_at") is not None:
        raise RuleViolation(
            rules.PHASE_ORDER, f"lot {lot.lot}: the contract was filed at {contract['filed_at']}"
        )
    signed_at = contract["signed_at"]
    assert isinstance(signed_at, datetime)
    due = tender.clock(signed_at, FILING_DAYS, ctx.registry.calendar)
    facts = {"filed_with": [tender.regulator, tender.agency]}
    facts.update(_timeliness(rules.CONTRACT_FILED, due, ctx.now, "filed"))
    return Decision("ContractFiled", facts)


def _signed(lot: Lot) -> dict[str, Any]:
    if lot.contract is None:
        raise RuleViolation(
            rules.PHASE_ORDER, f"lot {lot.lot}: the contract must be signed before it is filed"
        )
    return lot.contract


def _timeliness(rule: Rule, due: datetime, now: datetime, done: str) -> dict[str, Any]:
    facts: dict[str, Any] = {"due": format_time(due)}
    if now > due:
        detail = f"due by {format_time(due)}, {done} {format_time(now)}"
        facts["late"] = reason(rule, detail)
    return facts


@applies("ContractSigned")
def _contract_signed(tender: TenderState, event: EventRecord) -> None:
    tender.lots[event.args["lot"]].contract = {
        "sha256": event.args["contract_sha256"],
        "amount": event.args["amount"],
        "at": format_time(event.time),
        "signed_at": event.time,
        "filed_at": None,
    }


@applies("ContractFiled")
def _contract_filed(tender: TenderState, event: EventRecord) -> None:
    contract = tender.lots[event.args["lot"]].contract
    assert contract is not None
    contract["filed_at"] = format_time(event.time)
