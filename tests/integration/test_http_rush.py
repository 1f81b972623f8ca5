"""The deadline rush over HTTP, smaller than the benchmark's: 50 bidders (threads here and
in two other processes) submit, withdraw and resubmit in the last seconds before the
deadline; every accepted bid is receipted and kept, none got in late, the log verifies."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.http_rush import DEADLINE, check, rush, staged
from commands import seed

ROOT = Path(__file__).resolve().parents[2]


def test_fifty_bidders_rushing_the_deadline_over_http_lose_nothing_and_nothing_late(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'rush.db'}"
    with staged(url, bidders=50) as stage:
        result = rush(stage, threads=40, processes=2, lead=3.0)
        tender = check(stage, result)
    answers = Counter((action.status, action.rule) for action in result.actions)
    assert set(answers) <= {(200, None), (422, "LATE_BID"), (422, "CHANGE_BEFORE_DEADLINE")}
    assert answers[(200, None)] > 0  # bids accepted before the deadline ...
    assert answers[(422, "LATE_BID")] > 0  # ... and refused after it
    last = {action.bidder: action for action in sorted(result.actions, key=lambda a: a.order)}
    assert all(action.status == 422 for action in last.values())  # each stopped at the deadline
    sealed = [bid for lot in tender.lots.values() for bid in lot.bids.values()]
    assert all(bid.submitted_at < DEADLINE for bid in sealed)
    assert tender.code == seed.CODE
    verified = subprocess.run(
        [sys.executable, "-m", "commands.cli", "verify", "--db", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
