"""Walking a stored log to verify it: per-event checks, in parallel, in flat memory."""

from __future__ import annotations

from ledger.verifier.parallel import WalkEnd, walk_log
from ledger.verifier.states import RecentStates
from ledger.verifier.walk import Checked, Walker

__all__ = ["Checked", "RecentStates", "WalkEnd", "Walker", "walk_log"]
