"""Work measured in child processes: their rate, and their peak memory.

``python -m bench.probe run KIND PROCESSES ARGS`` starts PROCESSES workers
(``python -m bench.probe work KIND ARGS``) at once, waits for them, and prints one JSON
line: each worker's count and seconds, and the largest worker's peak resident memory,
read with ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` (which covers exactly these
workers, as this process starts no other child). Kinds:

- ``verify URL WALKERS``: ``verify_log`` on the database, with WALKERS walker processes
  (their peak memory counts too: each is a child of the worker);
- ``read URL``: the plain library reads and decodes every event of the log;
- ``ed25519 SIZE COUNT``: PyNaCl verifies COUNT signatures of SIZE-byte messages.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import nacl.signing


@dataclass(frozen=True)
class ProbeResult:
    """Summed rate of the workers (per second) and the largest one's peak memory."""

    rate: float
    peak_mb: float
    seconds: float


def probe(kind: str, processes: int, *args: str) -> ProbeResult:
    """Run ``processes`` workers of ``kind`` in a fresh process; their rate and peak memory."""
    command = [sys.executable, "-m", "bench.probe", "run", kind, str(processes), *args]
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=_env())
    report = json.loads(done.stdout.strip().splitlines()[-1])
    workers = report["workers"]
    rate = sum(w["count"] / w["seconds"] for w in workers)
    seconds = max(w["seconds"] for w in workers)
    return ProbeResult(rate, report["max_rss_kb"] / 1024, seconds)


def _env() -> dict[str, str]:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root if not path else f"{root}{os.pathsep}{path}"}


def _run(kind: str, processes: int, args: list[str]) -> None:
    command = [sys.executable, "-m", "bench.probe", "work", kind, *args]
    workers = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(processes)
    ]
    outputs = [worker.communicate()[0] for worker in workers]
    if any(worker.returncode for worker in workers):
        raise SystemExit(f"a {kind} worker failed")
    results = [json.loads(output.strip().splitlines()[-1]) for output in outputs]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"workers": results, "max_rss_kb": peak}))


def _verify(url: str, walkers: str = "1") -> Callable[[], int]:
    """Open the store first (untimed); the timed part is ``verify_log`` itself."""
    from ledger.store import LedgerStore
    from ledger.verification import verify_log

    store = LedgerStore(url)

    def verify() -> int:
        try:
            return verify_log(store, processes=int(walkers)).events
        finally:
            store.close()

    return verify


def _read(url: str) -> Callable[[], int]:
    """Open the application first (untimed); the timed part reads and decodes every event."""
    from bench.baseline import close, ledger_application, read_all

    application = ledger_application(url)

    def read() -> int:
        try:
            return read_all(application)
        finally:
            close(application)

    return read


def _ed25519(size: str, count: str) -> Callable[[], int]:
    """Sign ``count`` messages first (untimed); the timed part verifies them."""
    key = nacl.signing.SigningKey.generate()
    verifier = key.verify_key
    signed = [key.sign(os.urandom(int(size))) for _ in range(int(count))]

    def verify_all() -> int:
        for message in signed:
            verifier.verify(message)
        return len(signed)

    return verify_all


def _work(kind: str, args: list[str]) -> None:
    kinds: dict[str, Callable[..., Callable[[], int]]] = {
        "ed25519": _ed25519,
        "verify": _verify,
        "read": _read,
    }
    if kind not in kinds:
        raise SystemExit(f"unknown probe kind {kind!r}")
    work = kinds[kind](*args)
    started = time.perf_counter()
    count = work()
    print(json.dumps({"count": count, "seconds": time.perf_counter() - started}))


def main(argv: list[str]) -> None:
    if len(argv) >= 3 and argv[0] == "run":
        _run(argv[1], int(argv[2]), argv[3:])
    elif len(argv) >= 2 and argv[0] == "work":
        _work(argv[1], argv[2:])
    else:
        raise SystemExit("usage: python -m bench.probe run KIND PROCESSES ARGS | work KIND ARGS")


if __name__ == "__main__":
    main(sys.argv[1:])
