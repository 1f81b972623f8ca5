"""Where one append's time goes: ``python -m bench.hotspots [SIZE] [BIDS]``.

Submits BIDS sealed bids (default 60) through ``LedgerService.execute`` on a scratch copy
of the cached log of SIZE events (default 10,000; generated if missing), under the
standard library's profiler, and prints the share of the total spent in each part of
the write path. A profile slows everything down about equally; read shares, not times.
"""

from __future__ import annotations

import cProfile
import pstats
import shutil
import sys
import tempfile
from pathlib import Path

from bench.append import AppendBench
from bench.loggen import CACHE, ensure_logs

PARTS = (
    ("LedgerService.execute (everything)", "commands/service.py", "execute"),
    ("load the registry (replay its stream)", "commands/service.py", "registry"),
    ("load the tender (replay its stream)", "commands/service.py", "tender"),
    ("the tender's rules (submit_bid)", "ledger/tender/submission.py", "submit_bid"),
    ("save the event", "ledger/store.py", "save"),
    ("Merkle tree and checkpoints, after", "ledger/transparency/checkpoints.py", "after_command"),
    ("deadline checkpoints, before", "ledger/transparency/checkpoints.py", "before_command"),
    ("signed receipt", "commands/service.py", "_receipt"),
)


def profile(size: int, bids: int) -> list[tuple[str, float]]:
    """(part, seconds under the profiler) for ``bids`` appends to a log of ``size`` events."""
    log = ensure_logs([size])[size]
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="scratch-") as folder:
        path = Path(folder) / log.path.name
        shutil.copyfile(log.path, path)
        bench = AppendBench(f"sqlite:///{path}", log.last_time)
        try:
            work = bench.prepare("profile", -(-bids // 30), 30)
            commands = [command for rep in work for command in rep.commands][:bids]
            profiler = cProfile.Profile()
            profiler.enable()
            for command in commands:
                bench.service.execute(command)
            profiler.disable()
        finally:
            bench.close()
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    found = []
    for label, file, function in PARTS:
        seconds = sum(
            entry[3]
            for (path, _, name), entry in stats.items()
            if path.endswith(file) and name == function
        )
        found.append((label, seconds))
    return found


def main(argv: list[str]) -> None:
    size = int(argv[0]) if argv else 10_000
    bids = int(argv[1]) if len(argv) > 1 else 60
    parts = profile(size, bids)
    total = parts[0][1]
    print(f"{bids} bids on a log of {size:,} events, share of LedgerService.execute:")
    for label, seconds in parts:
        print(f"  {label:<40} {100 * seconds / total:5.1f} %")


if __name__ == "__main__":
    main(sys.argv[1:])
