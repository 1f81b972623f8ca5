"""Where the time goes: ``python -m bench.hotspots append|verify|rebuild|opening [SIZE]``.

Runs one piece of work under the standard library's profiler and prints the share of the
total spent in each of its parts (a part's time includes what it calls; parts may nest).
A profile slows everything down, function calls most: read shares, not times.

- ``append [SIZE]``: 60 bids through ``LedgerService.execute`` on a copy of the cached log
  of SIZE events (default 10,000);
- ``verify [SIZE]``: ``verify_log`` in one process on the cached log (default 10,000);
- ``rebuild [SIZE]``: every read model rebuilt in one pass on a copy (default 10,000);
- ``opening``: the ledger's reveal path on the cached 1,000-bid tender.
"""

from __future__ import annotations

import cProfile
import pstats
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.loggen import CACHE, ensure_logs

Part = tuple[str, str, str]  # label, file suffix, function name
PARTS: dict[str, tuple[Part, ...]] = {
    "append": (
        ("LedgerService.execute (everything)", "commands/service.py", "execute"),
        ("under the lock: head, clock, due deadlines", "commands/service.py", "_begin"),
        ("the rules (decide)", "ledger/procedure/dispatch.py", "decide"),
        ("hashing the event once", "ledger/events.py", "hashed_event"),
        ("insert, leaf, checkpoints", "commands/write_step.py", "save"),
        ("commit", "sqlalchemy/orm/session.py", "commit"),
        ("signed receipt", "commands/service.py", "_receipt"),
    ),
    "verify": (
        ("verify_log (everything)", "ledger/verification.py", "verify_log"),
        ("decode the stored record", "ledger/verifier/walk.py", "_decode"),
        ("canonical preimage (hash, leaf)", "ledger/verifier/walk.py", "_preimage"),
        ("stored form (re-encode)", "ledger/verifier/walk.py", "_check_stored_form"),
        ("bid ciphertext check", "ledger/procedure/replay.py", "check_ciphertext"),
        ("re-execution: decide", "ledger/procedure/dispatch.py", "decide"),
        ("  of which the signature (Ed25519)", "nacl/bindings/crypto_sign.py", "crypto_sign_open"),
        ("  of which the typed arguments", "ledger/procedure/schema.py", "parse"),
        ("re-execution: apply", "ledger/procedure/dispatch.py", "apply"),
        ("whole-log checks (tree, heads, deadlines)", "ledger/transparency/audit.py", "event"),
        ("checkpoints and stored tree at the end", "ledger/transparency/audit.py", "finish"),
    ),
    "rebuild": (
        ("rebuild_all (everything)", "projections/rebuild.py", "rebuild_all"),
        ("read and decode the log", "projections/runner.py", "_decode"),
        ("tender state", "projections/tender_state.py", "apply_batch"),
        ("audit trail", "projections/audit_trail.py", "apply_batch"),
        (
            "  of which each event's signature check",
            "projections/audit_trail.py",
            "check_signature",
        ),
        ("notices", "projections/notices.py", "apply_batch"),
    ),
    "opening": (
        (
            "open_my_shares ×2 + SubmitKeyShares ×2 + RevealBids",
            "bench/opening.py",
            "reveal_through",
        ),
        ("officials unwrap their shares", "commands/official.py", "open_my_shares"),
        ("sealed bids parsed (SealedBid.from_json)", "ledger/crypto/sealed_json.py", "from_json"),
        ("SubmitKeyShares: the rules", "ledger/procedure/tender/reveal.py", "submit_key_shares"),
        ("RevealBids: the rules", "ledger/procedure/tender/reveal.py", "reveal_bids"),
        ("the revealed event hashed", "ledger/events.py", "hashed_event"),
        ("the revealed event stored", "ledger/writes.py", "insert"),
        ("the tender state applied", "ledger/procedure/dispatch.py", "apply"),
    ),
}


def profile(kind: str, size: int) -> list[tuple[str, float]]:
    """(part, seconds under the profiler) of one run of ``kind``."""
    profiler = cProfile.Profile()
    with _work(kind, size) as work:
        profiler.enable()
        work()
        profiler.disable()
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    return [
        (label, sum(e[3] for (path, _, name), e in stats.items() if _match(path, file, name, fn)))
        for label, file, fn in PARTS[kind]
    ]


def _match(path: str, file: str, name: str, function: str) -> bool:
    return path.endswith(file) and name == function


@contextmanager
def _work(kind: str, size: int) -> Iterator[Callable[[], object]]:
    if kind == "opening":
        yield from _opening_work()
        return
    log = ensure_logs([size])[size]
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="scratch-") as folder:
        path = Path(folder) / log.path.name
        shutil.copyfile(log.path, path)
        yield from _log_work(kind, f"sqlite:///{path}", log.last_time)


def _log_work(kind: str, url: str, last_time: object) -> Iterator[Callable[[], object]]:
    from bench.append import AppendBench
    from ledger.store import LedgerStore
    from ledger.verification import verify_log
    from projections.catalog import all_projections
    from projections.rebuild import rebuild_all
    from projections.runner import engine_for

    if kind == "append":
        bench = AppendBench(url, last_time)  # type: ignore[arg-type]
        commands = [c for rep in bench.prepare("profile", 2, 30) for c in rep.commands]
        try:
            yield lambda: [bench._timed(bench.service.execute, c) for c in commands]
        finally:
            bench.close()
        return
    store = LedgerStore(url)
    engine = engine_for(store)
    try:
        if kind == "verify":
            yield lambda: verify_log(store, processes=1)
        else:
            yield lambda: rebuild_all(store, engine, all_projections(store))
    finally:
        engine.dispose()
        store.close()


def _opening_work() -> Iterator[Callable[[], object]]:
    from bench.opening import opened, prepare, reveal_through

    with opened(prepare(1000, 10 * 1024)) as (service, tender):
        yield lambda: reveal_through(service, tender)


def main(argv: list[str]) -> None:
    kind = argv[0] if argv else "append"
    if kind not in PARTS:
        raise SystemExit(f"usage: python -m bench.hotspots {'|'.join(PARTS)} [SIZE]")
    size = int(argv[1]) if len(argv) > 1 else 10_000
    parts = profile(kind, size)
    total = parts[0][1]
    print(f"{kind} ({size:,} events in the log): share of {parts[0][0]}")
    for label, seconds in parts:
        print(f"  {label:<55} {100 * seconds / total:5.1f} %")


if __name__ == "__main__":
    main(sys.argv[1:])
