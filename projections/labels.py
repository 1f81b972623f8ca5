"""Names of actions in Chinese and English, for timelines a regulator can read."""

from __future__ import annotations

ACTION_NAMES: dict[str, tuple[str, str]] = {
    "AuthorityEstablished": ("注册机构设立", "registration authority established"),
    "PartyRegistered": ("主体登记", "party registered"),
    "KeyRegistered": ("密钥登记", "key registered"),
    "KeyRevoked": ("密钥吊销", "key revoked"),
    "TenderPublished": ("招标公告", "invitation to tender published"),
    "DocumentsObtained": ("获取招标文件", "tender documents obtained"),
    "QuestionAsked": ("提出澄清要求", "clarification requested"),
    "ClarificationPublished": ("澄清答复", "clarification published"),
    "TenderAmended": ("更正公告", "correction notice published"),
    "BidSubmitted": ("递交投标文件", "sealed bid submitted"),
    "BidWithdrawn": ("撤回投标文件", "bid withdrawn"),
    "CheckedIn": ("开标签到", "checked in for the opening"),
    "OpeningStarted": ("开标", "opening started"),
    "DecryptionAuthorised": ("投标人解密", "bidder decrypted its bid"),
    "DecryptionFailureRecorded": ("解密失败(撤回)", "decryption failure recorded"),
    "DecryptionClosed": ("解密时间截止", "decryption time closed"),
    "KeySharesSubmitted": ("开标人提交密钥份额", "opening official submitted key shares"),
    "BidsRevealed": ("唱标", "bids revealed and read out"),
    "OpeningRecordSigned": ("开标记录签字", "opening record signed"),
    "CommitteeFormed": ("组建评标委员会", "evaluation committee formed"),
    "QualificationRecorded": ("资格审查", "qualification checked"),
    "CommitteeDecisionSigned": ("评委签署决定", "committee member signed a decision"),
    "CommitteeMemberWithdrew": ("评委回避", "committee member withdrew (回避)"),
    "ConformityRecorded": ("符合性审查", "conformity checked"),
    "CorrectionProposed": ("算术修正", "arithmetic correction proposed"),
    "CorrectionAnswered": ("确认算术修正", "bidder answered the correction"),
    "BidderAsked": ("评标委员会询问", "committee asked a bidder"),
    "CommitteeAnswered": ("投标人澄清", "bidder answered the committee"),
    "JustificationDecided": ("低价说明审查", "low-price justification decided"),
    "ScoresSubmitted": ("评委打分", "evaluator's scores submitted"),
    "EvaluationFinalised": ("汇总排名", "scores summed and bids ranked"),
    "ReportSigned": ("评标报告签字", "evaluation report signed"),
    "LotAwarded": ("确定中标人", "lot awarded"),
    "WinnerUnableRecorded": ("中标人不能履约", "winner unable to perform"),
    "AwardNoticePublished": ("中标公告", "award notice published"),
    "ContractSigned": ("签订政府采购合同", "contract signed"),
    "ContractFiled": ("合同备案", "contract filed with the regulator and the agency"),
    "ValidityExtensionRequested": ("要求延长投标有效期", "bid validity extension requested"),
    "ValidityExtensionAnswered": ("答复延长投标有效期", "bid validity extension answered"),
    "DocumentsChallenged": ("对招标文件质疑", "tender documents challenged"),
    "ChallengeFiled": ("质疑", "challenge filed"),
    "ChallengeAnswered": ("质疑答复", "challenge answered"),
    "ComplaintFiled": ("投诉", "complaint filed"),
    "ComplaintDecided": ("投诉处理决定", "complaint decided"),
    "ProcedureSuspended": ("暂停", "procedure suspended"),
    "ProcedureResumed": ("恢复", "procedure resumed"),
    "NegotiationApproved": ("批准竞争性谈判", "competitive negotiation approved"),
    "LotFailed": ("废标", "lot failed (废标)"),
}


def action_name(event_type: str) -> tuple[str, str]:
    """(Chinese, English) for an event type; the type itself if unnamed."""
    return ACTION_NAMES.get(event_type, (event_type, event_type))
