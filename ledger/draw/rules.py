"""The rules of an expert draw, each named by the refusal that cites it.

Clauses ``D1``–``D6`` are the ledger's own (``docs/draw.md``); the quota and avoidance rules
come from the seed tender's committee clause (front table item 13: experts drawn at random
by computer) and from the withdrawal of members tied to a bidder (回避).
"""

from __future__ import annotations

from ledger.errors import Rule

FIXED_BEFORE_COMMITMENTS = Rule(
    "D1", "the draw rule, the expert pool and every commitment are logged by the commit deadline"
)
REVEAL_WINDOW = Rule(
    "D2", "a reveal is logged after the commit deadline and before the beacon round's time"
)
REVEAL_MATCHES_COMMITMENT = Rule("D3", "a reveal matches the commitment its party logged")
ONCE_PER_PARTY = Rule("D4", "each party commits once and reveals once")
QUOTAS_MET = Rule("front table 13", "the experts are drawn at random to every quota of the rule")
REPLACEMENT_IN_ORDER = Rule(
    "D5", "a declined member is replaced by the next eligible expert of its quota in drawn order"
)
PLAN_ORDER = Rule("D6", "the commit deadline comes before the beacon round's time")
