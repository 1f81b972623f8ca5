"""The ``bidledger`` command line. Exit codes: 0 ok, 1 verification failed, 2 usage or input.

The database is ``--db URL`` or ``BIDLEDGER_DB`` (a SQLAlchemy URL), by default a SQLite
file ``bidledger.db`` in the current directory.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ledger.errors import LedgerError, VerificationFailure
from ledger.policy import TrustPolicy
from ledger.store import DEFAULT_URL, LedgerStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; project errors become one clear line and an exit code."""
    parser = _parser()
    options = parser.parse_args(argv)
    try:
        return int(options.run(options))
    except BrokenPipeError:  # the reader (e.g. `| head`) stopped early; not our failure
        sys.stderr.close()
        return EXIT_OK
    except VerificationFailure as exc:
        print(f"verification FAILED at {exc}", file=sys.stderr)
        return EXIT_FAILED
    except LedgerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def database_url(options: argparse.Namespace) -> str:
    return str(options.db or os.environ.get("BIDLEDGER_DB") or DEFAULT_URL)


def open_existing(url: str) -> LedgerStore:
    """Open a database that must already exist (never create an empty one to verify)."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise LedgerError(f"no database at {url}")
    return LedgerStore(url)


def _verify(options: argparse.Namespace) -> int:
    from ledger.verification import verify_log
    from projections.consistency import check_read_models
    from projections.runner import TextProgress, engine_for

    against = _read_text(options.against) if options.against else None
    policy = read_policy(options.policy) if options.policy else None
    store = open_existing(database_url(options))
    engine = engine_for(store)
    bar = TextProgress("verify") if sys.stderr.isatty() else None
    try:
        summary = verify_log(
            store, against=against, policy=policy, processes=options.processes, progress=bar
        )
        models = check_read_models(store, engine)
    finally:
        if bar is not None:
            bar.close()
        engine.dispose()
        store.close()
    print(
        f"verified {summary.events} events in {len(summary.streams)} streams: every hash, "
        "chain link, signature and key validity holds"
    )
    merkle = summary.merkle
    if merkle is not None:
        stored = (
            f"stored tree ({merkle.stored_size} leaves) and {merkle.checkpoints} signed "
            "checkpoints agree"
            if merkle.stored_size or merkle.checkpoints
            else "no stored tree or checkpoints in this database"
        )
        print(f"Merkle log: {merkle.size} leaves, root {merkle.root}; {stored}")
        if merkle.against_size is not None:
            print(f"consistent with {options.against} (tree size {merkle.against_size})")
    if policy is not None:
        print(
            f"anchored in the policy {options.policy}: authority and log keys pinned; "
            f"{policy.quorum} of {len(policy.witnesses)} witness(es) cosign what it requires"
        )
    if models.agreed:
        print(f"read models agree with a rebuild from the log: {', '.join(models.agreed)}")
    for name, lag in sorted(models.behind.items()):
        print(f"read model {name} is {lag} log entries behind: not compared")
    return EXIT_OK


def read_policy(path: str) -> TrustPolicy:
    """A trust policy file (docs/policy.md); a malformed one is a usage error."""
    from ledger.policy import parse_policy

    return parse_policy(_read_text(path))


def _policy(options: argparse.Namespace) -> int:
    from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
    from ledger.transparency import TreeStore
    from ledger.trust import policy_of

    url = database_url(options)
    store = open_existing(url)
    try:
        registry = store.state(RegistryState, REGISTRY_STREAM)
    finally:
        store.close()
    tree = TreeStore(url)
    try:
        latest = tree.latest_checkpoint()
    finally:
        tree.close()
    if latest is None:
        raise LedgerError(f"no checkpoint has been issued in {url}: its log origin is unknown")
    origin = latest.note.split("\n", 1)[0]
    print(policy_of(registry, origin, deadline_within=options.deadline_within).to_text(), end="")
    return EXIT_OK


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(f"cannot read {path}: {exc}") from None


def _checkpoint(options: argparse.Namespace) -> int:
    from ledger.transparency import TreeStore

    url = database_url(options)
    open_existing(url).close()
    tree = TreeStore(url)
    try:
        latest = tree.latest_checkpoint()
    finally:
        tree.close()
    if latest is None:
        raise LedgerError(f"no checkpoint has been issued in {url}")
    print(latest.note, end="")
    return EXIT_OK


def _prove(options: argparse.Namespace) -> int:
    from ledger.transparency import prove

    url = database_url(options)
    open_existing(url).close()
    result = prove(url, options.index, options.size, options.from_size, options.to_size)
    print(json.dumps(result, indent=2) if options.json else _proof_text(result))
    return EXIT_OK


def _proof_text(result: dict[str, Any]) -> str:
    lines = []
    for key, value in result.items():
        if isinstance(value, list):
            lines.append(f"{key:<11} {len(value)} hashes")
            lines.extend(f"  {item}" for item in value)
        else:
            lines.append(f"{key:<11} {value}")
    return "\n".join(lines)


def _prove_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    prove = commands.add_parser(
        "prove", help="an inclusion proof of a leaf, or a consistency proof between two sizes"
    )
    prove.add_argument("index", nargs="?", type=int, help="leaf index (position in the log)")
    prove.add_argument("--size", type=int, help="tree size (default: the latest checkpoint's)")
    prove.add_argument("--from", dest="from_size", type=int, help="consistency: the older size")
    prove.add_argument("--to", dest="to_size", type=int, help="consistency: the newer size")
    prove.add_argument("--json", action="store_true", help="print JSON")
    prove.set_defaults(run=_prove)
    return prove


def _demo(options: argparse.Namespace) -> int:
    from commands.demo import run_demo

    return run_demo(database_url(options), out=sys.stdout)


def _seal(options: argparse.Namespace) -> int:
    from commands.bidder import seal_for_tender
    from ledger.crypto import aead

    try:
        document = json.loads(Path(options.document).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LedgerError(f"cannot read bid document {options.document}: {exc}") from None
    officials = [_official(text) for text in options.official]
    sealed = seal_for_tender(
        document,
        tender_code=options.tender,
        lot=options.lot,
        bidder=options.bidder,
        officials=officials,
        threshold=options.threshold,
    )
    text = json.dumps(sealed, ensure_ascii=False, indent=2)
    if options.output == "-":
        print(text)
    else:
        Path(options.output).write_text(text + "\n", encoding="utf-8")
        padded = len(base64.b64decode(sealed["ciphertext"])) - aead.TAG_SIZE
        print(
            f"sealed bid written to {options.output} (document padded to the {padded}-byte "
            f"size class; ciphertext sha256 {sealed['ciphertext_sha256']})"
        )
    return EXIT_OK


def _official(text: str) -> tuple[str, str]:
    party, _, key = text.partition("=")
    if not party or len(key) != 64:
        raise LedgerError(f"--official must be PARTY=X25519_PUBLIC_KEY_HEX, got {text!r}")
    return party, key


def _projections(options: argparse.Namespace) -> int:
    """``projections status|catch-up|rebuild``: the read models' positions, lag, rebuilds."""
    from projections.catalog import all_projections
    from projections.positions import status
    from projections.registry import PROJECTIONS
    from projections.runner import ProjectionFailed, TextProgress, engine_for, runner_for

    store = open_existing(database_url(options))
    engine = engine_for(store)
    models = [*PROJECTIONS, *all_projections(store)]
    try:
        if options.action == "status":
            return _print_status(status(engine, store, models), as_json=options.json)
        if options.action == "rebuild" and not options.name:
            from commands.rebuild_cli import rebuild_every_model

            return rebuild_every_model(store, engine, models)
        names = [options.name] if options.name else [p.name for p in models]
        for name in names:
            runner = runner_for(name, store, engine, models)
            bar = TextProgress(f"{options.action} {name}")
            try:
                work = runner.rebuild if options.action == "rebuild" else runner.catch_up
                count = work(progress=bar)
            except ProjectionFailed as exc:
                print(f"\nprojection FAILED: {exc}", file=sys.stderr)
                return EXIT_FAILED
            finally:
                bar.close()
            print(f"{name}: {count} events applied")
        return EXIT_OK
    finally:
        engine.dispose()
        store.close()


def _print_status(rows: Sequence[Any], *, as_json: bool) -> int:
    if as_json:
        print(json.dumps([vars(row) for row in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{'projection':<24} {'version':>7} {'position':>9} {'head':>9} {'lag':>9}  error")
    for row in rows:
        print(
            f"{row.name:<24} {row.version:>7} {row.position:>9} {row.head:>9} {row.lag:>9}"
            f"  {row.error or ''}"
        )
    return EXIT_FAILED if any(row.error for row in rows) else EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bidledger", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="run the seed tender XFZFCG-2020-33 end to end")
    demo.set_defaults(run=_demo)
    verify = commands.add_parser("verify", help="check every hash, chain and signature")
    verify.add_argument(
        "--against", metavar="CHECKPOINT_FILE", help="a signed checkpoint issued earlier"
    )
    verify.set_defaults(run=_verify)
    verify.add_argument(
        "--policy", help="a trust policy file: verify against its pinned keys and witnesses"
    )
    verify.add_argument(
        "--processes", type=int, help="walker processes (default: every core for a long log)"
    )
    policy = commands.add_parser(
        "policy", help="print this ledger's trust policy (keys and witnesses to pin)"
    )
    policy.add_argument(
        "--deadline-within",
        type=int,
        default=900,
        help="seconds after a deadline by which the witnesses must cosign (default 900)",
    )
    policy.set_defaults(run=_policy)
    checkpoint = commands.add_parser("checkpoint", help="print the latest signed checkpoint")
    checkpoint.set_defaults(run=_checkpoint)
    prove = _prove_parser(commands)
    for sub in (demo, verify, policy, checkpoint, prove):
        sub.add_argument("--db", help=f"SQLAlchemy URL (default: $BIDLEDGER_DB or {DEFAULT_URL})")
    seal = commands.add_parser("seal", help="seal a bid document (runs on the bidder's machine)")
    seal.add_argument("document", help="bid document JSON file")
    seal.add_argument("--tender", required=True, help="project code, e.g. XFZFCG-2020-33")
    seal.add_argument("--lot", required=True)
    seal.add_argument("--bidder", required=True, help="the bidder's party id")
    seal.add_argument(
        "--official",
        action="append",
        required=True,
        help="PARTY=X25519 key hex, as named in the notice (repeat)",
    )
    seal.add_argument(
        "--threshold", type=int, required=True, help="officials needed to open, as in the notice"
    )
    seal.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    seal.set_defaults(run=_seal)
    views = commands.add_parser("projections", help="read models: status, catch-up, rebuild")
    views.add_argument("action", choices=("status", "catch-up", "rebuild"))
    views.add_argument("name", nargs="?", help="one projection (default: every registered one)")
    views.add_argument("--db", help=f"SQLAlchemy URL (default: $BIDLEDGER_DB or {DEFAULT_URL})")
    views.add_argument("--json", action="store_true", help="status as JSON")
    views.set_defaults(run=_projections)
    from commands.queries import add_query_commands

    add_query_commands(commands)
    from commands.bundle_cli import add_bundle_commands

    add_bundle_commands(commands)
    from commands.witness_cli import add_witness_commands

    add_witness_commands(commands)
    from commands.calendar_cli import add_calendar_commands

    add_calendar_commands(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
