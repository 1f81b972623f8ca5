"""Which ledger events stand behind each part of a release (a proof behind every figure).

Every event folded is filed under the subjects it changed: the tender's notice, one lot,
one bid, the opening, one party of the registry, one question's asker. A release names the
events filed under the subjects it shows, so a reader can fetch each one's inclusion proof
(``bidledger prove LEAF_INDEX``) and check it against a signed checkpoint. Subjects that
would tell who bid (bids, the opening, askers) are only shown after the opening (V1).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ledger.procedure.state import TenderState

TENDER = "tender"
OPENING = "opening"
_TENDER_EVENTS = frozenset({"TenderPublished", "TenderAmended", "ClarificationPublished"})
_OPENING_EVENTS = frozenset(
    {"OpeningStarted", "DecryptionClosed", "KeySharesSubmitted", "BidsRevealed"}
)
_LOT_EVENTS = frozenset(
    {
        *("QualificationRecorded", "ConformityRecorded", "CorrectionProposed", "BidderAsked"),
        *("JustificationDecided", "ScoresSubmitted", "EvaluationFinalised", "ReportSigned"),
        *("LotAwarded", "AwardNoticePublished", "WinnerUnableRecorded", "LotFailed"),
        *("NegotiationApproved", "ContractSigned", "ContractFiled"),
    }
)
_BID_EVENTS = frozenset(
    {"BidSubmitted", "DecryptionAuthorised", "DecryptionFailureRecorded", "CorrectionAnswered"}
)
_CHALLENGE_EVENTS = frozenset({"ChallengeAnswered", "ComplaintDecided"})


@dataclass(frozen=True)
class EventRef:
    """One event as a release names it: where it sits in the Merkle log and its hash."""

    leaf_index: int
    event_hash: str
    stream: str
    version: int
    type: str
    time: str

    def to_json(self) -> dict[str, Any]:
        """The OCDS-style object (``id`` is the event hash, so merging keeps each once)."""
        return {
            "id": self.event_hash,
            "leafIndex": self.leaf_index,
            "stream": self.stream,
            "version": self.version,
            "type": self.type,
            "date": self.time,
        }

    def by_hash(self) -> dict[str, Any]:
        """Before the opening: no leaf index or stream version, which would count the
        events between (and so the bids); the hash finds the event's leaf."""
        return {"id": self.event_hash, "type": self.type, "date": self.time}


def party_subject(party: str) -> str:
    return f"party:{party}"


def lot_subject(lot: str) -> str:
    return f"lot:{lot}"


def bid_subject(lot: str, bidder: str) -> str:
    return f"bid:{lot}:{bidder}"


def asker_subject(party: str) -> str:
    return f"asker:{party}"


@dataclass
class Provenance:
    """The events filed under each subject, in log order."""

    by_subject: dict[str, list[EventRef]] = field(default_factory=dict)

    def file_registry(self, event_type: str, args: dict[str, Any], ref: EventRef) -> None:
        if event_type == "PartyRegistered":
            self._add(party_subject(str(args["party"])), ref)

    def file_tender(
        self, tender: TenderState, event_type: str, actor: str, args: dict[str, Any], ref: EventRef
    ) -> None:
        """File a tender event (``tender`` as it stood before the event)."""
        lot = args.get("lot")
        if event_type in _TENDER_EVENTS:
            self._add(TENDER, ref)
        elif event_type in _OPENING_EVENTS:
            self._add(OPENING, ref)
        elif event_type == "QuestionAsked":
            self._add(asker_subject(actor), ref)
        elif event_type == "BidSubmitted":  # a new submission replaces a withdrawn one
            self.by_subject[bid_subject(str(lot), actor)] = [ref]
        elif event_type in _BID_EVENTS:
            self._add(bid_subject(str(lot), actor), ref)
        elif event_type in _LOT_EVENTS:
            self._add(lot_subject(str(lot)), ref)
        elif event_type in _CHALLENGE_EVENTS:
            challenge = tender.challenges.get(str(args.get("challenge_id")))
            if challenge is not None and challenge.lot:
                self._add(lot_subject(challenge.lot), ref)

    def refs(self, subjects: Iterable[str]) -> list[EventRef]:
        """The events filed under any of ``subjects``, each once, in log order."""
        found = {ref.leaf_index: ref for s in subjects for ref in self.by_subject.get(s, [])}
        return [found[index] for index in sorted(found)]

    def _add(self, subject: str, ref: EventRef) -> None:
        self.by_subject.setdefault(subject, []).append(ref)
