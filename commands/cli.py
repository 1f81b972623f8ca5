"""The ``bidledger`` command line. Exit codes: 0 ok, 1 verification failed, 2 usage or input.

The database is ``--db URL`` or ``BIDLEDGER_DB`` (a SQLAlchemy URL), by default a SQLite
file ``bidledger.db`` in the current directory.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ledger.errors import LedgerError, VerificationFailure
from ledger.store import DEFAULT_URL, LedgerStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; project errors become one clear line and an exit code."""
    parser = _parser()
    options = parser.parse_args(argv)
    try:
        return int(options.run(options))
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

    store = open_existing(database_url(options))
    try:
        summary = verify_log(store)
    finally:
        store.close()
    print(
        f"verified {summary.events} events in {len(summary.streams)} streams: every hash, "
        "chain link, signature and key validity holds"
    )
    return EXIT_OK


def _demo(options: argparse.Namespace) -> int:
    from commands.demo import run_demo

    return run_demo(database_url(options), out=sys.stdout)


def _seal(options: argparse.Namespace) -> int:
    from commands.bidder import seal_for_tender

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
        print(
            f"sealed bid written to {options.output} (ciphertext sha256 "
            f"{sealed['ciphertext_sha256']})"
        )
    return EXIT_OK


def _official(text: str) -> tuple[str, str]:
    party, _, key = text.partition("=")
    if not party or len(key) != 64:
        raise LedgerError(f"--official must be PARTY=X25519_PUBLIC_KEY_HEX, got {text!r}")
    return party, key


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bidledger", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="run the seed tender XFZFCG-2020-33 end to end")
    demo.set_defaults(run=_demo)
    verify = commands.add_parser("verify", help="check every hash, chain and signature")
    verify.set_defaults(run=_verify)
    for sub in (demo, verify):
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
    return parser


if __name__ == "__main__":
    sys.exit(main())
