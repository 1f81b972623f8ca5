"""``bidledger witness init|vkey|serve``: run an independent witness with its own key and state.

The key file is a PKCS#8 PEM Ed25519 key, encrypted with ``BIDLEDGER_KEY_PASSPHRASE`` when
that is set. ``serve`` prints ``listening on http://HOST:PORT`` once it accepts requests
and runs until interrupted (Ctrl-C or SIGTERM). Errors: one line, exit 2.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING, Any

from ledger.errors import LedgerError

if TYPE_CHECKING:
    from ledger.notes import NoteSigner

EXIT_OK = 0


def add_witness_commands(subparsers: Any) -> None:
    """Add ``witness init``, ``witness vkey`` and ``witness serve`` to ``bidledger``."""
    witness = subparsers.add_parser("witness", help="run an independent C2SP tlog-witness")
    actions = witness.add_subparsers(required=True, metavar="ACTION")
    init = actions.add_parser("init", help="make a new witness key file and print its vkey")
    vkey = actions.add_parser("vkey", help="print the vkey of a witness key file")
    serve = actions.add_parser("serve", help="cosign checkpoints over HTTP (add-checkpoint)")
    latest = actions.add_parser(
        "latest", help="print the last checkpoint this witness cosigned for a log (with it)"
    )
    latest.add_argument("--state", required=True, metavar="DIR", help="the witness's own folder")
    latest.add_argument("--origin", required=True, help="the log's origin line")
    latest.set_defaults(run=_latest)
    for action in (init, vkey, serve):
        action.add_argument(
            "--name", required=True, help="the witness's key name, e.g. w.example/1"
        )
        action.add_argument("--key", required=True, metavar="FILE", help="the key file")
    serve.add_argument("--state", required=True, metavar="DIR", help="the witness's own folder")
    serve.add_argument(
        "--log",
        action="append",
        required=True,
        metavar="VKEY",
        help="the C2SP vkey of a log to witness (repeat for several)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=_port, default=0, help="port (default 0: any free port)")
    init.set_defaults(run=_init)
    vkey.set_defaults(run=_vkey)
    serve.set_defaults(run=_serve)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535, not {text!r}")
    return int(text)


def _signer(options: argparse.Namespace) -> NoteSigner:
    from ledger.keyfile import load_ed25519_key, passphrase_from_env
    from ledger.notes import COSIGNATURE_V1, NoteSigner

    seed = load_ed25519_key(options.key, passphrase=passphrase_from_env())
    return NoteSigner(options.name, seed, COSIGNATURE_V1)


def _init(options: argparse.Namespace) -> int:
    from ledger.keyfile import passphrase_from_env, save_ed25519_key
    from ledger.notes import COSIGNATURE_V1, NoteSigner

    seed = secrets.token_bytes(32)
    signer = NoteSigner(options.name, seed, COSIGNATURE_V1)  # checks the name first
    save_ed25519_key(options.key, seed, passphrase=passphrase_from_env())
    print(signer.verifier().vkey())
    return EXIT_OK


def _vkey(options: argparse.Namespace) -> int:
    print(_signer(options).verifier().vkey())
    return EXIT_OK


def _serve(options: argparse.Namespace) -> int:
    from ledger.notes import NoteVerifier
    from ledger.witness import Witness, WitnessServer, WitnessState

    logs = [NoteVerifier.from_vkey(vkey) for vkey in options.log]
    witness = Witness(_signer(options), logs, WitnessState(options.state))
    try:
        server = WitnessServer(witness, options.host, options.port)
    except OSError as exc:
        raise LedgerError(f"cannot listen on {options.host}:{options.port}: {exc}") from None
    signal.signal(signal.SIGTERM, _stop)
    print(f"listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("witness stopped", file=sys.stderr)
    return EXIT_OK


def _latest(options: argparse.Namespace) -> int:
    from ledger.notes import add_cosignature
    from ledger.witness import WitnessState

    cosigned = WitnessState(options.state).latest(options.origin)
    if cosigned is None:
        raise LedgerError(
            f"the witness at {options.state} has cosigned nothing of {options.origin}"
        )
    print(add_cosignature(cosigned.note, cosigned.cosignature), end="")
    return EXIT_OK


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
