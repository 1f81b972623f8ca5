"""``bidledger verify``: the whole log checked, then the Merkle tree, checkpoints and read models.

Exit 0 when everything holds, 1 at the first failure (named by its place: a leaf of the log,
a checkpoint, a read model), 2 for a usage or input error. ``--json`` prints the summary, or
``{"verified": false, "where": ..., "detail": ...}`` on failure. Progress goes to stderr
when it is a terminal, or with ``--progress``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK, EXIT_FAILED = 0, 1


def add_verify_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``verify`` to ``bidledger``; the parser (the caller adds ``--db``)."""
    verify: argparse.ArgumentParser = subparsers.add_parser(
        "verify", help="check every hash, chain and signature, and every command's rules"
    )
    verify.add_argument(
        "--against", metavar="CHECKPOINT_FILE", help="a signed checkpoint issued earlier"
    )
    verify.add_argument(
        "--policy", help="a trust policy file: verify against its pinned keys and witnesses"
    )
    verify.add_argument("--json", action="store_true", help="the result as JSON")
    verify.add_argument(
        "--processes", type=int, help="walker processes (default: every core for a long log)"
    )
    verify.add_argument(
        "--progress", action="store_true", help="show progress on stderr (default: on a terminal)"
    )
    verify.set_defaults(run=run_verify)
    return verify


def run_verify(options: argparse.Namespace) -> int:
    """Verify the ledger at ``--db``; print the summary (or the failure, as JSON)."""
    from ledger.errors import VerificationFailure

    try:
        result = _verified(options)
    except VerificationFailure as failure:
        if not options.json:
            raise
        answer = {"verified": False, "where": failure.position, "detail": failure.detail}
        print(json.dumps(answer, ensure_ascii=False, indent=2))
        return EXIT_FAILED
    if options.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print("\n".join(_lines(result, options)))
    return EXIT_OK


def _verified(options: argparse.Namespace) -> dict[str, Any]:
    from commands.cli import database_url, open_existing, read_policy
    from commands.deployment import rehearsal_platform
    from ledger.files import read_checkpoint_note
    from ledger.verification import verify_log
    from projections.consistency import check_read_models
    from projections.runner import TextProgress, engine_for

    against = read_checkpoint_note(options.against) if options.against else None
    policy = read_policy(options.policy) if options.policy else None
    store = open_existing(database_url(options))
    engine = engine_for(store)
    bar = TextProgress("verify") if options.progress or sys.stderr.isatty() else None
    try:
        head = store.head()
        summary = verify_log(
            store, against=against, policy=policy, processes=options.processes, progress=bar
        )
        if bar is not None:
            bar.close()
        models = check_read_models(store, engine, head)
        rehearsal = rehearsal_platform(store)
    finally:
        engine.dispose()
        store.close()
    return _as_json(summary, policy, models, rehearsal, options)


def _as_json(
    summary: Any, policy: Any, models: Any, rehearsal: str | None, options: argparse.Namespace
) -> dict[str, Any]:
    """What ``verify`` found, as plain JSON."""
    merkle = summary.merkle
    return {
        "verified": True,
        "events": summary.events,
        "streams": {str(stream): version for stream, version in summary.streams.items()},
        "merkle": None if merkle is None else vars(merkle),
        "policy": None
        if policy is None
        else {"file": options.policy, "quorum": policy.quorum, "witnesses": len(policy.witnesses)},
        "read_models": {
            "agreed": list(models.agreed),
            "stopped": {n: {"position": p, "error": e} for n, (p, e) in models.stopped.items()},
        },
        "rehearsal": rehearsal,
    }


def _lines(result: dict[str, Any], options: argparse.Namespace) -> list[str]:
    lines = [
        f"verified {_count(result['events'], 'event')} in "
        f"{_count(len(result['streams']), 'stream')}: every hash, "
        "chain link, signature and key validity holds, and every command re-run through the "
        "rules gives the event recorded"
    ]
    lines += _merkle_lines(result["merkle"], options)
    policy = result["policy"]
    if policy is not None:
        lines.append(
            f"anchored in the policy {policy['file']}: authority and log keys pinned; "
            f"{policy['quorum']} of {policy['witnesses']} witness(es) cosign what it requires"
        )
    models = result["read_models"]
    if models["agreed"]:
        lines.append(
            f"read models agree with a rebuild from the log: {', '.join(models['agreed'])}"
        )
    for name, stopped in sorted(models["stopped"].items()):
        lines.append(
            f"read model {name} agrees with the log up to log index {stopped['position']}, where "
            f"its runner stopped with the error recorded: {stopped['error']}"
        )
    if result["rehearsal"]:
        lines.append(
            f"note: a REHEARSAL ledger: its platform {result['rehearsal']} was founded so that "
            "its clock could be set (BIDLEDGER_CLOCK); its times prove nothing"
        )
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _merkle_lines(merkle: dict[str, Any] | None, options: argparse.Namespace) -> list[str]:
    if merkle is None:
        return []
    stored = (
        f"stored tree ({merkle['stored_size']} leaves) and {merkle['checkpoints']} signed "
        "checkpoints agree"
        if merkle["stored_size"] or merkle["checkpoints"]
        else "no stored tree or checkpoints in this database"
    )
    lines = [f"Merkle log: {merkle['size']} leaves, root {merkle['root']}; {stored}"]
    if merkle["against_size"] is not None:
        lines.append(f"consistent with {options.against} (tree size {merkle['against_size']})")
    return lines
