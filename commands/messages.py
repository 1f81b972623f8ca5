"""The typed commands the platform sends, one frozen dataclass per action.

They are defined, with the guard each declares, next to their rules in
:mod:`ledger.procedure`; this module gathers them for callers.
"""

from ledger.procedure.base import Command, TenderCommand
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

__all__ = [
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
    "ChallengeDocuments",
    "CheckIn",
    "CloseDecryption",
    "Command",
    "CommitteeMember",
    "CommitteeTerms",
    "ConformityResult",
    "DecideComplaint",
    "DecideJustification",
    "DeclareLotFailed",
    "EstablishRegistry",
    "EvaluationTerms",
    "FileChallenge",
    "FileComplaint",
    "FileContract",
    "FinaliseEvaluation",
    "FormCommittee",
    "LotChange",
    "LotTerms",
    "ObtainDocuments",
    "OfficialTerms",
    "OpeningTerms",
    "ProposeCorrection",
    "PublishAwardNotice",
    "PublishClarification",
    "PublishTender",
    "QualificationResult",
    "RecordCalendar",
    "RecordConformity",
    "RecordDecryptionFailure",
    "RecordQualification",
    "RecordWinnerUnable",
    "RegisterKey",
    "RegisterParty",
    "RequestValidityExtension",
    "RespondToCorrection",
    "ResumeProcedure",
    "RevealBids",
    "RevokeKey",
    "ScoreSheet",
    "SignContract",
    "SignOpeningRecord",
    "SignReport",
    "SmeTerms",
    "StartOpening",
    "SubmitBid",
    "SubmitKeyShares",
    "SubmitScores",
    "SuspendProcedure",
    "TenderCommand",
    "TimetableTerms",
    "WithdrawBid",
    "WithdrawFromCommittee",
]
