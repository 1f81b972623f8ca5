"""What a bidder and an opening official run on their own machines: ``seal`` and
``key-shares`` (docs/deployment.md, "Bidding and opening").

``seal`` checks a bid document and seals it for the officials the notice names (given, or
read from the ledger with ``--db``). ``key-shares`` unwraps an official's shares of the
authorised bids with its own X25519 key file and writes the ``SubmitKeyShares`` command
file to sign; the private key never leaves the official's machine.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from commands.deploy_cli import DB_HELP, EXIT_OK
from commands.keystore import KeyStore, party_of_key_file
from ledger.errors import InvalidInput


def add_seal_command(subparsers: Any) -> None:
    """Add ``seal``: what a bidder runs on its own machine."""
    seal = subparsers.add_parser("seal", help="check and seal a bid document (bidder's machine)")
    seal.add_argument("document", help="bid document JSON file (docs/bid-document.md)")
    seal.add_argument("--tender", required=True, help="project code, e.g. XFZFCG-2020-33")
    seal.add_argument("--lot", required=True, help="the lot bid for")
    seal.add_argument("--bidder", required=True, help="the bidder's party id")
    seal.add_argument(
        "--official",
        action="append",
        default=[],
        help="PARTY=X25519 key hex, as the notice names them (repeat; default: from --db)",
    )
    seal.add_argument(
        "--threshold", type=int, help="officials needed to open, as in the notice (or --db)"
    )
    seal.add_argument("--db", help=f"read the notice from this ledger: {DB_HELP}")
    seal.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    seal.set_defaults(run=_seal)


def _seal(options: argparse.Namespace) -> int:
    from commands.bidder import run_seal

    return run_seal(options)


def add_key_shares_command(subparsers: Any) -> None:
    """Add ``key-shares``: what an opening official runs on its own machine."""
    shares = subparsers.add_parser(
        "key-shares", help="an opening official's key shares of the authorised bids, to sign"
    )
    shares.add_argument("--tender", required=True, help="project code or tender id")
    shares.add_argument("--key", required=True, metavar="FILE", help="the official's X25519 key")
    shares.add_argument("--official", help="its party id (default: from the key file name)")
    shares.add_argument("--db", help=DB_HELP)
    shares.add_argument("-o", "--output", default="-", help="the command file (default: stdout)")
    shares.set_defaults(run=_key_shares)


def _key_shares(options: argparse.Namespace) -> int:
    from commands.cli import database_url, open_existing
    from commands.official import open_my_shares
    from ledger.files import write_file
    from ledger.procedure.state import TenderState, stream_of

    official = options.official or party_of_key_file(options.key)
    if not official:
        raise InvalidInput(f"say whose key {options.key} is: --official PARTY")
    private = _box_key(options.key)
    ledger = open_existing(database_url(options))
    try:
        tender = ledger.state(TenderState, stream_of(options.tender))
    finally:
        ledger.close()
    mine = open_my_shares(tender, official=official, private_key=private)
    for reason in mine.reasons:
        print(f"warning: cannot open my share of {reason}: declared instead (C6)", file=sys.stderr)
    args: dict[str, Any] = {"shares": list(mine.shares)}
    if mine.unopenable:
        from ledger.procedure.schema import to_args

        args["unopenable"] = [to_args(item) for item in mine.unopenable]
    command = {"command": "SubmitKeyShares", "tender": tender.code, "actor": official}
    text = json.dumps({**command, "args": args}, ensure_ascii=False, indent=2) + "\n"
    if options.output == "-":
        print(text, end="")
    else:
        write_file(options.output, text.encode("utf-8"), "the command file")
    return EXIT_OK


def _box_key(path: str) -> Any:
    """The official's X25519 private key from its key file (asking for the passphrase)."""
    import nacl.public

    from ledger.keyfile import load_x25519_key

    passphrase = KeyStore(Path(path).parent).passphrase_for(path)
    return nacl.public.PrivateKey(load_x25519_key(path, passphrase=passphrase))
