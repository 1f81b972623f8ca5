"""The state of a tender as its events leave it: lots, bids, committee, award, challenges.

Plain data, changed only by the appliers of :mod:`ledger.procedure.dispatch`; the rule
functions read it and never change it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger.crypto.sealed_json import SealedBid
from ledger.errors import NotFound, Reason
from ledger.procedure.calendar import WorkingCalendar
from ledger.procedure.clocks import Days, Minutes, Period, Suspension, due
from ledger.procedure.records import StreamState
from ledger.procedure.remote import RemoteEvaluation


def tender_stream(code: str) -> uuid.UUID:
    """The tender's stream id, derived from its project code (one code, one tender)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"bidledger:tender:{code}")


def stream_of(tender: str) -> uuid.UUID:
    """The stream of a tender named by its project code or by its stream id."""
    try:
        return uuid.UUID(tender)
    except ValueError:
        return tender_stream(tender)


def money(value: Decimal) -> str:
    """Money as stored in signed data: yuan, two decimals."""
    return f"{value.quantize(Decimal('0.01'))}"


@dataclass
class Bid:
    """One bidder's bid for one lot, from sealing to its final standing."""

    bidder: str
    lot: str
    sealed: dict[str, Any]
    digest: str
    submitted_at: datetime
    event_hash: str
    status: str = "sealed"  # sealed, withdrawn, authorised, returned, revealed
    returned_cause: str | None = None  # why a bid was returned at the opening (§23, C3)
    document: dict[str, Any] | None = None
    price: Decimal | None = None
    read_out_price: Decimal | None = None  # the capital amount, read out at the opening (§26.4)
    invalid: list[Reason] = field(default_factory=list)
    qualified: bool | None = None
    conforming: bool | None = None
    correction: dict[str, Any] | None = None
    correction_status: str | None = None  # pending, accepted, refused
    justification: str | None = None  # requested, given, accepted, rejected
    evaluation_price: Decimal | None = None
    scores: dict[str, dict[str, str]] = field(default_factory=dict)
    valid_until: datetime | None = None  # set when the bidder extends its validity (§17.2)
    validity_answers: dict[str, bool] = field(default_factory=dict)  # request id -> accepted
    _parsed: tuple[dict[str, Any], SealedBid] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def valid(self) -> bool:
        return self.status == "revealed" and not self.invalid

    def sealed_bid(self) -> SealedBid:
        """``sealed`` read by :meth:`SealedBid.from_json`, every field checked; the result is
        kept with this copy of the state, for as long as ``sealed`` is the same object."""
        if self._parsed is None or self._parsed[0] is not self.sealed:
            self._parsed = (self.sealed, SealedBid.from_json(self.sealed))
        return self._parsed[1]


@dataclass
class Challenge:
    """A challenge (质疑) to the agency and, if it comes to that, a complaint (投诉)."""

    challenge_id: str
    lot: str
    challenger: str
    filed_at: datetime
    answered_at: datetime | None = None
    answer: str | None = None
    complaint_at: datetime | None = None
    decision: str | None = None
    subject: str = "award"  # "award" (§35) or "documents" (§6.2, invitation 六(三))


@dataclass
class Lot:
    """A lot (包) of the tender with its own bids, evaluation and award."""

    lot: str
    name: str
    budget: Decimal
    ceiling: Decimal
    status: str = "open"
    bids: dict[str, Bid] = field(default_factory=dict)
    checked_in: set[str] = field(default_factory=set)
    ranking: list[dict[str, Any]] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    report_at: datetime | None = None
    report_signers: set[str] = field(default_factory=set)
    report_digest: str | None = None
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)
    award: dict[str, Any] | None = None
    declined: list[str] = field(default_factory=list)
    declined_at: datetime | None = None
    notice_at: datetime | None = None
    publicity_ends: datetime | None = None
    failure: str | None = None
    opening_record: str | None = None  # hash of the event that revealed the bids
    opening_signers: set[str] = field(default_factory=set)  # §23.2(7)
    contract: dict[str, Any] | None = None  # signed and filed (§32.2)

    def live_bids(self) -> list[Bid]:
        """Bids that were not withdrawn."""
        return [bid for bid in self.bids.values() if bid.status != "withdrawn"]

    def valid_bids(self) -> list[Bid]:
        return [bid for bid in self.bids.values() if bid.valid]


@dataclass
class Timetable:
    """The dates of the notice, in Beijing time; the deadline may be postponed (§7.1)."""

    documents_from: datetime
    documents_until: datetime
    questions_until: datetime
    deadline: datetime
    decryption_minutes: int
    objections_until: datetime | None = None  # the notice's own date (invitation 六(三))


class TenderState(StreamState):
    """State of one tender; changed only by its events' appliers."""

    def __init__(self, stream: str = "") -> None:
        super().__init__(stream)
        self.code = ""
        self.name = ""
        self.plan = ""
        self.agency = ""
        self.purchaser = ""
        self.regulator = ""
        self.published_at: datetime | None = None
        self.timetable: Timetable | None = None
        self.lots: dict[str, Lot] = {}
        self.terms: dict[str, Any] = {}
        self.officials: list[dict[str, str]] = []
        self.threshold = 0
        self.documents_obtained: dict[str, datetime] = {}
        self.questions: dict[str, dict[str, Any]] = {}
        self.clarifications: list[dict[str, Any]] = []
        self.amendments: list[dict[str, Any]] = []
        self.deadline_history: list[dict[str, str]] = []
        self.opening_started_at: datetime | None = None
        self.decryption_closed_at: datetime | None = None
        self.key_shares: dict[str, dict[str, Any]] = {}
        self.revealed_at: datetime | None = None
        self.committee: dict[str, str] = {}  # seated members: party -> kind
        self.withdrawn: dict[str, dict[str, str]] = {}  # 回避: party -> {kind, reason, at}
        self.evaluated_by: set[str] = set()  # members who signed a decision, scores or report
        self.decisions: dict[str, dict[str, list[str]]] = {}  # open: subject -> digest -> signers
        self.challenges: dict[str, Challenge] = {}
        self.suspension: dict[str, Any] | None = None
        self.suspensions: list[Suspension] = []  # every suspension, for the clocks
        self.validity_requests: list[dict[str, Any]] = []  # §17.2
        self.remote = RemoteEvaluation()  # venues, draws, check-ins (remote evaluation)
        self.contact: dict[str, str] | None = None  # the project's contact person (notices)

    @property
    def id(self) -> uuid.UUID:
        return uuid.UUID(self.stream)

    def lot(self, lot: str) -> Lot:
        try:
            return self.lots[lot]
        except KeyError:
            raise NotFound(f"tender {self.code} has no lot {lot!r}") from None

    @property
    def deadline(self) -> datetime:
        assert self.timetable is not None
        return self.timetable.deadline

    def clock(
        self, start: datetime, period: Period, calendar: WorkingCalendar | None = None
    ) -> datetime:
        """When a clock of this tender started at ``start`` runs out, its suspensions
        excluded (:func:`ledger.procedure.clocks.due`). Rules run only while the procedure
        is not suspended, so every clock then has a due time."""
        when = due(start, period, self.suspensions, calendar)
        assert when is not None, "no clock falls due while the procedure is suspended"
        return when

    def suspended_at(self, moment: datetime) -> bool:
        """Whether the procedure stood suspended at ``moment``."""
        return any(
            s.since <= moment and (s.until is None or moment < s.until) for s in self.suspensions
        )

    @property
    def decryption_closes(self) -> datetime | None:
        """When the decryption time ends: its minutes from the start of the opening
        (§23.2(3)), suspensions excluded; before the opening, as scheduled from the
        deadline; None while a suspension holds it."""
        assert self.timetable is not None
        minutes = Minutes(self.timetable.decryption_minutes)
        if self.opening_started_at is None:
            return due(self.deadline, minutes)
        return due(self.opening_started_at, minutes, self.suspensions)

    def validity_ends(self, bid: Bid) -> datetime:
        """The end of ``bid``'s validity: the notice's days (日历日) after the deadline
        (§17.1), or the later date its bidder accepted (§17.2)."""
        if bid.valid_until is not None:
            return bid.valid_until
        return self.original_validity_end

    @property
    def original_validity_end(self) -> datetime:
        days = int(self.terms.get("bid_validity_days", 90))
        end = due(self.deadline, Days(days))
        assert end is not None
        return end
