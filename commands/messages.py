"""The typed commands the platform sends, one frozen dataclass per action.

They are defined, with the guard each declares, next to their rules in
:mod:`ledger.procedure`; this module gathers them for callers.
"""

from ledger.procedure.base import Command, TenderCommand
from ledger.procedure.pools import (
    AddExpert,
    BeaconChainTerms,
    RecordSitting,
    ReinstateExpert,
    RemoveExpert,
    SignCooperation,
    SuspendExpert,
    UpdateExpert,
)
from ledger.procedure.registry import (
    EstablishRegistry,
    RecordCalendar,
    RegisterKey,
    RegisterParty,
    RevokeKey,
)
from ledger.procedure.tender.award import (
    ApproveNegotiation,
    AwardLot,
    DeclareLotFailed,
    PublishAwardNotice,
    RecordWinnerUnable,
)
from ledger.procedure.tender.committee import WithdrawFromCommittee
from ledger.procedure.tender.contract import FileContract, SignContract
from ledger.procedure.tender.corrections import ProposeCorrection, RespondToCorrection
from ledger.procedure.tender.draw_plan import PlanDraw, QuotaTerms
from ledger.procedure.tender.draw_result import (
    BeaconTerms,
    DeclineSeat,
    DrawCommittee,
    OrderRedraw,
    ReportAbsence,
)
from ledger.procedure.tender.draw_secrets import (
    CommitAgencySecret,
    CommitPlatformSecret,
    CommitRegulatorSecret,
    RevealAgencySecret,
    RevealPlatformSecret,
    RevealRegulatorSecret,
)
from ledger.procedure.tender.evaluation import (
    CommitteeMember,
    ConformityResult,
    FormCommittee,
    QualificationResult,
    RecordConformity,
    RecordQualification,
)
from ledger.procedure.tender.objections import ChallengeDocuments
from ledger.procedure.tender.opening import (
    AuthoriseDecryption,
    CloseDecryption,
    RecordDecryptionFailure,
    StartOpening,
)
from ledger.procedure.tender.publication import (
    AmendTender,
    Answer,
    AskQuestion,
    CommitteeTerms,
    EvaluationTerms,
    LotChange,
    LotTerms,
    ObtainDocuments,
    OfficialTerms,
    OpeningTerms,
    PublishClarification,
    PublishTender,
    SmeTerms,
    TimetableTerms,
)
from ledger.procedure.tender.questions import (
    AnswerCommittee,
    AskBidder,
    DecideJustification,
)
from ledger.procedure.tender.ranking import FinaliseEvaluation, ScoreSheet, SignReport, SubmitScores
from ledger.procedure.tender.remedies import (
    AnswerChallenge,
    DecideComplaint,
    FileChallenge,
    FileComplaint,
)
from ledger.procedure.tender.reveal import RevealBids, SignOpeningRecord, SubmitKeyShares
from ledger.procedure.tender.submission import CheckIn, SubmitBid, WithdrawBid
from ledger.procedure.tender.suspension import ResumeProcedure, SuspendProcedure
from ledger.procedure.tender.validity import AnswerValidityExtension, RequestValidityExtension
from ledger.procedure.tender.venues import (
    CheckInAtVenue,
    CloseSession,
    ConfirmIdentity,
    FixVenues,
    OpenSession,
    ReportVenueOutage,
    VenueTerms,
)

__all__ = [
    "AddExpert",
    "AmendTender",
    "Answer",
    "AnswerChallenge",
    "AnswerCommittee",
    "AnswerValidityExtension",
    "ApproveNegotiation",
    "AskBidder",
    "AskQuestion",
    "AuthoriseDecryption",
    "AwardLot",
    "BeaconChainTerms",
    "BeaconTerms",
    "ChallengeDocuments",
    "CheckIn",
    "CheckInAtVenue",
    "CloseDecryption",
    "CloseSession",
    "Command",
    "CommitAgencySecret",
    "CommitPlatformSecret",
    "CommitRegulatorSecret",
    "CommitteeMember",
    "CommitteeTerms",
    "ConfirmIdentity",
    "ConformityResult",
    "DecideComplaint",
    "DecideJustification",
    "DeclareLotFailed",
    "DeclineSeat",
    "DrawCommittee",
    "EstablishRegistry",
    "EvaluationTerms",
    "FileChallenge",
    "FileComplaint",
    "FileContract",
    "FinaliseEvaluation",
    "FixVenues",
    "FormCommittee",
    "LotChange",
    "LotTerms",
    "ObtainDocuments",
    "OfficialTerms",
    "OpenSession",
    "OpeningTerms",
    "OrderRedraw",
    "PlanDraw",
    "ProposeCorrection",
    "PublishAwardNotice",
    "PublishClarification",
    "PublishTender",
    "QualificationResult",
    "QuotaTerms",
    "RecordCalendar",
    "RecordConformity",
    "RecordDecryptionFailure",
    "RecordQualification",
    "RecordSitting",
    "RecordWinnerUnable",
    "RegisterKey",
    "RegisterParty",
    "ReinstateExpert",
    "RemoveExpert",
    "ReportAbsence",
    "ReportVenueOutage",
    "RequestValidityExtension",
    "RespondToCorrection",
    "ResumeProcedure",
    "RevealAgencySecret",
    "RevealBids",
    "RevealPlatformSecret",
    "RevealRegulatorSecret",
    "RevokeKey",
    "ScoreSheet",
    "SignContract",
    "SignCooperation",
    "SignOpeningRecord",
    "SignReport",
    "SmeTerms",
    "StartOpening",
    "SubmitBid",
    "SubmitKeyShares",
    "SubmitScores",
    "SuspendExpert",
    "SuspendProcedure",
    "TenderCommand",
    "TimetableTerms",
    "UpdateExpert",
    "VenueTerms",
    "WithdrawBid",
    "WithdrawFromCommittee",
]
