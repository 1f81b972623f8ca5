"""The bidledger command line.

Exit codes: 0 ok, 1 verification failed, 2 usage or input error, 3 the ledger refused the
command by one of its rules (nothing was written to the tender). The database is --db URL
or BIDLEDGER_DB (a SQLAlchemy URL; postgresql:// means the installed psycopg driver), by
default the SQLite file bidledger.db in the current directory.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from ledger.database import label, read_only_url, recognise
from ledger.errors import LedgerError, RuleViolation, VerificationFailure
from ledger.policy import TrustPolicy
from ledger.store import DEFAULT_URL, LedgerStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3
_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every error becomes one clear line on stderr and an exit code."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    if undecodable := [text for text in arguments if not _utf8(text)]:
        say(f"error: argument {undecodable[0]!r} is not UTF-8 text (give names and files in UTF-8)")
        return EXIT_USAGE
    return _run(_parser().parse_args(arguments))


def _run(options: argparse.Namespace) -> int:
    """Run the parsed command; map each kind of error to its exit code and one line."""
    try:
        return int(options.run(options))
    except BrokenPipeError:  # the reader (e.g. `| head`) stopped early; not our failure
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:
        return _report(exc)


def _report(exc: Exception) -> int:
    """Say what went wrong in one line (a fork's evidence below it); the exit code."""
    if isinstance(exc, VerificationFailure):
        first, _, evidence = str(exc).partition("\n")
        say(f"verification FAILED at {first}")
        if evidence:  # e.g. a fork's two signed checkpoints: the proof, printed as it is
            print(evidence, end="" if evidence.endswith("\n") else "\n")
        return EXIT_FAILED
    if isinstance(exc, RuleViolation):
        say(f"{exc} [{exc.rule.code}]; nothing was written to the tender")
        return EXIT_REFUSED
    if isinstance(exc, LedgerError):
        say(f"error: {exc}")
    elif isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        say(f"error: {exc.strerror or exc}{where}")
    elif _is_database_error(exc):
        say(f"error: the database: {_first_line(exc)}")
    else:  # a bug: still one line, never a traceback
        say(f"error: unexpected {type(exc).__name__} ({exc}); please report this bug")
    return EXIT_USAGE


def _is_database_error(exc: Exception) -> bool:
    """The driver's or the event store's error (unreachable, read-only, locked, ...)."""
    from eventsourcing.persistence import PersistenceError
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(exc, PersistenceError | SQLAlchemyError)


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc.__cause__ or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes the system could not decode arrive as lone surrogates
        return False
    return True


def say(message: str) -> None:
    """Print ``message`` on stderr as exactly one line, whatever characters it holds."""
    line = " ".join(part.strip() for part in message.splitlines() if part.strip())
    print(line.encode("utf-8", "backslashreplace").decode("utf-8"), file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a file (captured in tests)
        pass


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (and exit 2)."""

    def error(self, message: str) -> NoReturn:
        line = f"{self.prog}: error: {message} (see {self.prog} --help)"
        self.exit(EXIT_USAGE, line.encode("utf-8", "backslashreplace").decode() + "\n")


def database_url(options: argparse.Namespace) -> str:
    """``--db``, else ``BIDLEDGER_DB``, else the default; ``postgresql://`` names the installed
    driver (psycopg 3) rather than SQLAlchemy's default (psycopg2, not installed)."""
    url = str(options.db or os.environ.get("BIDLEDGER_DB") or DEFAULT_URL)
    scheme, sep, rest = url.partition("://")
    return f"{_DRIVERS[scheme]}://{rest}" if sep and scheme in _DRIVERS else url


def open_existing(url: str, *, read_only: bool = True) -> LedgerStore:
    """A database that must already hold a ledger; read-only unless the command writes."""
    return LedgerStore.open_existing(url, read_only=read_only)


def read_policy(path: str) -> TrustPolicy:
    """A trust policy file (docs/policy.md); a malformed one is a usage error."""
    from ledger.files import read_text
    from ledger.limits import MAX_NOTE_BYTES
    from ledger.policy import parse_policy

    return parse_policy(read_text(path, "trust policy", MAX_NOTE_BYTES))


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
    tree = TreeStore(read_only_url(url))
    try:
        latest = tree.latest_checkpoint()
    finally:
        tree.close()
    if latest is None:
        raise LedgerError(
            f"no checkpoint has been issued in {label(url)}: its log origin is unknown"
        )
    origin = latest.note.split("\n", 1)[0]
    print(policy_of(registry, origin, deadline_within=options.deadline_within).to_text(), end="")
    return EXIT_OK


def read_only_database(options: argparse.Namespace) -> str:
    """The database's URL opened read-only, once it is known to hold a ledger."""
    url = database_url(options)
    recognise(url)
    return read_only_url(url)


def _checkpoint(options: argparse.Namespace) -> int:
    from ledger.transparency import TreeStore

    if options.issue or options.closing:
        from commands.deploy_cli import issue_checkpoint

        return issue_checkpoint(options)
    tree = TreeStore(read_only_database(options))
    try:
        latest = tree.latest_checkpoint()
    finally:
        tree.close()
    if latest is None:
        raise LedgerError(f"no checkpoint has been issued in {label(database_url(options))}")
    print(latest.note, end="")
    return EXIT_OK


def _prove(options: argparse.Namespace) -> int:
    from ledger.transparency import prove

    url = read_only_database(options)
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


def _prove_parser(commands: argparse._SubParsersAction[Parser]) -> argparse.ArgumentParser:
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


def _projections(options: argparse.Namespace) -> int:
    """``projections status|catch-up|rebuild``: the read models' positions, lag, rebuilds."""
    from projections.catalog import all_projections
    from projections.positions import status
    from projections.registry import PROJECTIONS
    from projections.runner import ProjectionFailed, TextProgress, engine_for, runner_for

    store = open_existing(database_url(options), read_only=options.action == "status")
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
    parser = Parser(prog="bidledger", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="run the seed tender XFZFCG-2020-33 end to end")
    demo.set_defaults(run=_demo)
    from commands.verify_cli import add_verify_command

    verify = add_verify_command(commands)
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
    checkpoint = commands.add_parser(
        "checkpoint", help="print the latest signed checkpoint (or issue one: --issue)"
    )
    checkpoint.add_argument(
        "--issue", action="store_true", help="the platform issues a checkpoint now (needs --keys)"
    )
    checkpoint.add_argument(
        "--closing", metavar="TENDER", help="with --issue: the closing checkpoint of a tender"
    )
    checkpoint.add_argument("--keys", metavar="DIR", help="the deployment's key store")
    checkpoint.set_defaults(run=_checkpoint)
    prove = _prove_parser(commands)
    for sub in (demo, verify, policy, checkpoint, prove):
        sub.add_argument("--db", help=f"SQLAlchemy URL (default: $BIDLEDGER_DB or {DEFAULT_URL})")
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
    from commands.open_data_cli import add_notice_commands

    add_notice_commands(commands)
    from commands.witness_cli import add_witness_commands

    add_witness_commands(commands)
    from commands.calendar_cli import add_calendar_commands

    add_calendar_commands(commands)
    from commands.draw_cli import add_draw_commands

    add_draw_commands(commands)
    from commands.deploy_cli import add_deploy_commands
    from commands.party_cli import add_key_shares_command, add_seal_command
    from commands.register_cli import add_register_commands

    add_deploy_commands(commands)
    add_register_commands(commands)
    add_seal_command(commands)
    add_key_shares_command(commands)
    from commands.serve_cli import add_serve_command

    add_serve_command(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
