"""``bidledger draw TENDER --beacon FILE --key FILE`` and ``bidledger verify-draw TENDER``.

``draw`` is the agency's tool: it signs the DrawCommittee command with the agency's key
(a PKCS#8 PEM Ed25519 key file, encrypted with ``BIDLEDGER_KEY_PASSPHRASE`` when that is
set) and the drand round as a relay serves it, runs the ledger's own rules on the database
as it stands, read-only, and prints the committee the platform will record (or the rule
that refuses it); the signed command goes to the platform, which executes it (exit 2 on a
refusal). ``verify-draw`` recomputes every draw of the tender from the log alone
(``ledger.draw_check``): exit 0 when the recorded committee is exactly what the rule, the
pool and the randomness give; 1 with every difference otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

EXIT_OK = 0


def add_draw_commands(subparsers: Any) -> None:
    """Add ``draw`` and ``verify-draw`` to the ``bidledger`` sub-command parsers."""
    draw = subparsers.add_parser("draw", help="sign the agency's draw of a tender's experts")
    draw.add_argument("tender", help="the tender's project code, e.g. XFZFCG-2020-33")
    draw.add_argument("--beacon", required=True, metavar="FILE", help="the drand round's JSON")
    draw.add_argument("--key", required=True, metavar="FILE", help="the agency's key file")
    draw.add_argument("--actor", required=True, help="the agency's party id")
    draw.add_argument("--at", help="the time to check the draw at (default: now), ISO 8601")
    draw.add_argument("-o", "--output", default="-", help="the signed command (default: stdout)")
    verify = subparsers.add_parser(
        "verify-draw", help="recompute a tender's expert draw from the log and compare"
    )
    verify.add_argument("tender", help="the tender's project code")
    verify.add_argument("--json", action="store_true", help="print the recomputation as JSON")
    for sub in (draw, verify):
        sub.add_argument("--db", help="SQLAlchemy URL (default: $BIDLEDGER_DB or sqlite file)")
    draw.set_defaults(run=_draw)
    verify.set_defaults(run=_verify_draw)


def _verify_draw(options: argparse.Namespace) -> int:
    from commands.cli import EXIT_FAILED, database_url, open_existing
    from commands.draw_report import report_json, report_lines
    from ledger.draw_check import audit_draws
    from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState

    store = open_existing(database_url(options))
    try:
        audit = audit_draws(store, options.tender)
        registry = store.state(RegistryState, REGISTRY_STREAM)
    finally:
        store.close()
    if options.json:
        print(json.dumps(report_json(audit), ensure_ascii=False, indent=2))
    else:
        print("\n".join(report_lines(audit, registry)))
    return EXIT_FAILED if audit.all_differences() else EXIT_OK


def _draw(options: argparse.Namespace) -> int:
    from commands.cli import database_url, open_existing
    from commands.draw_report import preview_lines
    from commands.messages import DrawCommittee
    from ledger.clock import SystemClock, parse_time
    from ledger.crypto.signing import Signer
    from ledger.envelope import sign_command
    from ledger.keyfile import load_ed25519_key, passphrase_from_env
    from ledger.procedure.state import tender_stream

    beacon = _beacon(options.beacon)
    command = DrawCommittee(options.tender, beacon)
    seed = load_ed25519_key(options.key, passphrase=passphrase_from_env())
    signed = sign_command(
        Signer.from_seed(seed),
        command=command.kind(),
        stream=str(tender_stream(options.tender)),
        actor=options.actor,
        role="agency",
        args=command.args(),
    )
    at: datetime = parse_time(options.at) if options.at else SystemClock().now()
    store = open_existing(database_url(options))
    try:
        lines = preview_lines(store, signed, at)
    finally:
        store.close()
    text = json.dumps(signed.to_json(), ensure_ascii=False, indent=2)
    if options.output == "-":
        print(text)
        print("\n".join(lines), file=sys.stderr)
    else:
        Path(options.output).write_text(text + "\n", encoding="utf-8")
        print("\n".join([*lines, f"signed DrawCommittee written to {options.output}"]))
    return EXIT_OK


def _beacon(path: str) -> Any:
    from commands.messages import BeaconTerms
    from ledger.draw.beacon import Beacon
    from ledger.errors import InvalidInput, LedgerError

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LedgerError(f"cannot read the beacon file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: a drand round is a JSON object")
    beacon = Beacon.from_json(data)
    previous = beacon.previous_signature
    return BeaconTerms(
        beacon.round,
        beacon.signature.hex(),
        beacon.randomness.hex(),
        None if previous is None else previous.hex(),
    )
