"""``bidledger serve``: the HTTP API over one ledger database (docs/http.md).

``serve [--db URL] [--host 127.0.0.1] [--port 0]`` prints ``listening on http://HOST:PORT``
once it accepts requests and runs until interrupted (Ctrl-C or SIGTERM). ``--keys DIR`` is
the deployment's key store made by ``bidledger init`` (its receipt and log keys, origin and
witnesses); without it, the keys are given one by one. The platform's
receipt key (``--receipt-key``, purpose "receipt" on the ledger) signs bid receipts; its
log key (``--log-key`` with ``--log-origin``) signs checkpoints, which each ``--witness
VKEY=URL`` is asked to cosign. Key files are PKCS#8 PEM, encrypted with
``BIDLEDGER_KEY_PASSPHRASE`` when that is set. Errors: one line, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ledger.errors import InvalidInput
from ledger.store import DEFAULT_URL

EXIT_OK = 0


def add_serve_command(subparsers: Any) -> None:
    """Add ``serve`` to the ``bidledger`` subcommands."""
    serve = subparsers.add_parser("serve", help="serve the HTTP API (commands, reads, proofs)")
    serve.add_argument("--db", help=f"SQLAlchemy URL (default: $BIDLEDGER_DB or {DEFAULT_URL})")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=_port, default=0, help="port (default 0: any free port)")
    serve.add_argument(
        "--keys",
        metavar="DIR",
        help="the deployment's key store made by bidledger init (instead of the key files)",
    )
    serve.add_argument("--receipt-key", metavar="FILE", help="the platform's receipt key file")
    serve.add_argument("--platform-id", default="platform", help="the platform's party id")
    serve.add_argument("--log-key", metavar="FILE", help="the log's checkpoint key file")
    serve.add_argument("--log-origin", help="the log's origin line (with --log-key)")
    serve.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="VKEY=URL",
        help="a witness to cosign each checkpoint: its C2SP vkey and URL (repeat)",
    )
    serve.set_defaults(run=run_serve)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535, not {text!r}")
    return int(text)


def run_serve(options: argparse.Namespace) -> int:
    from commands.cli import database_url
    from commands.http import HttpLedger, create_app
    from commands.http.server import bind, serve_forever
    from commands.service import LedgerService
    from ledger.store import LedgerStore

    if bool(options.log_key) != bool(options.log_origin):
        raise InvalidInput("--log-key and --log-origin go together")
    if options.keys and (options.receipt_key or options.log_key or options.witness):
        raise InvalidInput("--keys holds the platform's keys and witnesses: give it alone")
    sock = bind(options.host, options.port)
    store = LedgerStore(database_url(options))
    try:
        service = _deployed(store, options.keys) if options.keys else None
    except BaseException:
        store.close()
        sock.close()
        raise
    ledger = HttpLedger.of(service or LedgerService(store, **_keys(options)), stored=True)
    try:
        serve_forever(
            create_app(ledger), sock, lambda url: print(f"listening on {url}", flush=True)
        )
    finally:
        ledger.close()
        store.close()
        sock.close()
    print("server stopped", file=sys.stderr)
    return EXIT_OK


def _deployed(store: Any, folder: str) -> Any:
    """The platform's service as ``bidledger init`` set it up in the key store ``folder``."""
    from commands.keystore import KeyStore
    from commands.platform import platform_on

    return platform_on(store, KeyStore(folder))


def _keys(options: argparse.Namespace) -> dict[str, Any]:
    from ledger.crypto.signing import Signer
    from ledger.keyfile import load_ed25519_key, passphrase_from_env
    from ledger.notes import NoteSigner, NoteVerifier
    from ledger.transparency.witnessing import HttpWitness

    passphrase = passphrase_from_env()
    keys: dict[str, Any] = {"platform_id": options.platform_id}
    if options.receipt_key:
        keys["platform"] = Signer.from_seed(
            load_ed25519_key(options.receipt_key, passphrase=passphrase)
        )
    if options.log_key:
        seed = load_ed25519_key(options.log_key, passphrase=passphrase)
        keys["log"] = NoteSigner(options.log_origin, seed)
    witnesses = []
    for text in options.witness:
        vkey, _, url = text.partition("=")
        if not url.startswith(("http://", "https://")):
            raise InvalidInput(f"--witness must be VKEY=URL, got {text[:100]!r}")
        witnesses.append(HttpWitness(url, NoteVerifier.from_vkey(vkey)))
    if witnesses and not options.log_key:
        raise InvalidInput("--witness needs --log-key: witnesses cosign the log's checkpoints")
    keys["witnesses"] = witnesses
    return keys
