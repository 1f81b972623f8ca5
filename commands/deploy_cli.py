"""Running a deployment from the command line: ``init``, ``keygen``, ``sign``, ``submit``,
``submit-bid`` (``register``: :mod:`commands.register_cli`; docs/deployment.md).

Key files are read with the passphrase in ``BIDLEDGER_KEY_PASSPHRASE`` (or asked for at a
terminal); ``--keys DIR`` (or ``BIDLEDGER_KEYS``) is the deployment's key store, which holds
the platform's receipt and log keys that every writing command needs. ``submit`` exits 0 when
the ledger accepted the command and 3 when a rule refused it (nothing written to the tender).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from commands.keystore import KeyStore, Passphrase, party_of_key_file
from ledger.errors import InvalidInput

EXIT_OK, EXIT_REFUSED = 0, 3
KEYS_ENV = "BIDLEDGER_KEYS"
DB_HELP = "SQLAlchemy URL (default: $BIDLEDGER_DB or sqlite:///bidledger.db)"


def add_deploy_commands(subparsers: Any) -> None:
    """Add ``init``, ``keygen``, ``sign``, ``submit`` and ``submit-bid`` to ``bidledger``."""
    _init_parser(subparsers)
    keygen = subparsers.add_parser("keygen", help="make a party's key pair(s) in a key store")
    keygen.add_argument("--party", required=True, help="the party id the keys are for")
    keygen.add_argument("--keys", required=True, metavar="DIR", help="the key store folder")
    keygen.add_argument(
        "--encryption", action="store_true", help="also an X25519 key (opening officials)"
    )
    _unencrypted_option(keygen)
    keygen.set_defaults(run=_keygen)
    sign = subparsers.add_parser("sign", help="sign a command file with a key file")
    sign.add_argument("command", help="the command file (JSON; docs/commands.md)")
    sign.add_argument("--key", required=True, metavar="FILE", help="the signer's key file")
    sign.add_argument("--actor", help="the signer's party id (default: from the key file name)")
    sign.add_argument("--role", help="the role it signs in (default: the command's)")
    sign.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    sign.set_defaults(run=_sign)
    submit = subparsers.add_parser("submit", help="submit a signed command to the ledger")
    submit.add_argument("signed", help="the signed command file (from bidledger sign)")
    submit.add_argument(
        "--url", help="send it to a running server (bidledger serve) instead of --db and --keys"
    )
    _platform_options(submit)
    submit.set_defaults(run=_submit)
    bid = subparsers.add_parser("submit-bid", help="check, seal, sign and submit a bid")
    bid.add_argument("document", help="the bid document (JSON; docs/bid-document.md)")
    bid.add_argument("--tender", required=True, help="project code or tender id")
    bid.add_argument("--lot", required=True, help="the lot bid for")
    bid.add_argument("--key", required=True, metavar="FILE", help="the bidder's key file")
    bid.add_argument("--actor", help="the bidder's party id (default: from the key file name)")
    bid.add_argument("--sealed", metavar="FILE", help="also keep the sealed bid in FILE")
    _platform_options(bid)
    bid.set_defaults(run=_submit_bid)


def _init_parser(subparsers: Any) -> None:
    init = subparsers.add_parser("init", help="create a new ledger, its keys and trust policy")
    init.add_argument("--db", help=DB_HELP)
    init.add_argument("--keys", required=True, metavar="DIR", help="the new key store folder")
    init.add_argument("--origin", help="the log's name in its checkpoints (bidledger.local/ID)")
    init.add_argument("--platform", default="platform", help="the platform's party id")
    init.add_argument("--platform-name", default="Platform", help="the platform's name")
    init.add_argument("--authority-name", default="Registration authority")
    init.add_argument(
        "--witness", action="append", default=[], metavar="VKEY", help="a witness's vkey"
    )
    init.add_argument(
        "--witness-url", action="append", default=[], metavar="URL", help="its URL, in order"
    )
    init.add_argument(
        "--calendar-year",
        action="append",
        type=int,
        default=[],
        metavar="YEAR",
        help="a year of the official calendar to record (default: this year and the next)",
    )
    init.add_argument("--policy", metavar="FILE", help="where to write the trust policy")
    init.add_argument(
        "--rehearsal",
        action="store_true",
        help="a ledger for tests and rehearsals: BIDLEDGER_CLOCK may set its clock",
    )
    _unencrypted_option(init)
    init.set_defaults(run=_init)


def _unencrypted_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--unencrypted-keys",
        action="store_true",
        help="write private keys in the clear (not recommended; a warning is printed)",
    )


def _platform_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help=DB_HELP)
    parser.add_argument("--keys", metavar="DIR", help=f"the deployment's key store (${KEYS_ENV})")
    parser.add_argument("--receipt", metavar="FILE", help="write a bid's receipt to FILE")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")


def platform_keys(options: argparse.Namespace) -> KeyStore:
    """The deployment's key store: ``--keys`` or ``BIDLEDGER_KEYS``."""
    folder = options.keys or os.environ.get(KEYS_ENV)
    if not folder:
        raise InvalidInput(f"give the deployment's key store: --keys DIR (or {KEYS_ENV})")
    return KeyStore(folder)


def signer_of(key_file: str, actor: str | None) -> tuple[str, Any]:
    """The party and :class:`Signer` of a key file (the party named or from the file name)."""
    from ledger.crypto.signing import Signer

    party = actor or party_of_key_file(key_file)
    if not party:
        raise InvalidInput(f"say who signs with {key_file}: --actor PARTY")
    seed = KeyStore(Path(key_file).parent).load_seed(key_file)
    return party, Signer.from_seed(seed)


def _init(options: argparse.Namespace) -> int:
    from commands.cli import database_url
    from commands.deployment import rehearsal_time, this_second
    from commands.founding import found

    if len(options.witness) != len(options.witness_url):
        raise InvalidInput("give each --witness VKEY its --witness-url URL, in the same order")
    fixed = rehearsal_time(os.environ)
    if fixed is not None and not options.rehearsal:
        raise InvalidInput("BIDLEDGER_CLOCK sets the clock of a rehearsal only: add --rehearsal")
    clock = fixed or this_second()  # the founding's events all stamped at one second
    keys = KeyStore(options.keys, Passphrase(clear=options.unencrypted_keys))
    founding = _founding(options, clock.now().year)
    policy = Path(options.policy) if options.policy else keys.folder / "policy.txt"
    url = database_url(options)
    founded = found(url, keys, founding, clock, policy)
    print(f"a new ledger in {url}, founded {clock.now().isoformat(timespec='seconds')}")
    print(f"log origin {founding.origin}; calendar years recorded: {_years(founding.years)}")
    if not options.calendar_year and clock.now().year + 1 not in founding.years:
        print(
            f"note: the calendar of {clock.now().year + 1} is not in the chinesecalendar package; "
            "record it from the State Council's notice (bidledger calendar sign, then submit) "
            "before any working-day rule reaches it"
        )
    print(f"keys in {keys.folder}: " + ", ".join(path.name for path in founded.key_files))
    print(f"deployment file {founded.config}; trust policy {founded.policy}")
    print(f"log key (give it to each witness): {founded.log_vkey}")
    for refusal in founded.unwitnessed:
        print(f"warning: the first checkpoint is not cosigned by {refusal}", file=sys.stderr)
    if founding.rehearsal:
        print("a REHEARSAL ledger: its clock may be set with BIDLEDGER_CLOCK (it says so itself)")
    return EXIT_OK


def _founding(options: argparse.Namespace, year: int) -> Any:
    from commands.deployment import WitnessAt
    from commands.founding import Founding, default_years

    return Founding(
        origin=options.origin or f"bidledger.local/{options.platform}",
        platform=options.platform,
        platform_name=options.platform_name,
        authority_name=options.authority_name,
        witnesses=tuple(map(WitnessAt, options.witness, options.witness_url)),
        years=tuple(options.calendar_year) or default_years(year),
        rehearsal=options.rehearsal,
    )


def _years(years: tuple[int, ...]) -> str:
    return ", ".join(map(str, years)) or "none (record them with calendar sign and submit)"


def _keygen(options: argparse.Namespace) -> int:
    keys = KeyStore(options.keys, Passphrase(clear=options.unencrypted_keys))
    party = options.party
    signer = keys.create_signer(party)
    print(f"{party} signing key {signer.key_id}: {keys.private_path(party, 'sign')}")
    print(f"  public key {signer.public_key.hex()} ({keys.public_path(party, 'sign')})")
    if options.encryption:
        box = bytes(keys.create_box_key(party).public_key)
        print(f"{party} encryption key (X25519): {keys.private_path(party, 'encrypt')}")
        print(f"  public key {box.hex()} ({keys.public_path(party, 'encrypt')})")
    return EXIT_OK


def _sign(options: argparse.Namespace) -> int:
    from commands.unsigned import read_unsigned, sign_unsigned

    unsigned = read_unsigned(options.command)
    party, signer = signer_of(options.key, options.actor or unsigned.actor)
    signed = sign_unsigned(unsigned, signer, actor=party, role=options.role)
    write_signed(signed, options.output)
    return EXIT_OK


def write_signed(signed: Any, output: str) -> None:
    """A signed command as its canonical JSON text, to a file or stdout."""
    from ledger.canonical import canonical_bytes
    from ledger.files import write_file

    data = canonical_bytes(signed.to_json()) + b"\n"
    if output == "-":
        sys.stdout.write(data.decode("utf-8"))
        return
    write_file(output, data, "the signed command")
    print(f"signed {signed.command} {signed.command_id} written to {output}", file=sys.stderr)


def _submit(options: argparse.Namespace) -> int:
    from ledger.envelope import SignedCommand
    from ledger.files import read_bytes
    from ledger.limits import MAX_COMMAND_BYTES

    signed = SignedCommand.from_text(
        read_bytes(options.signed, "signed command", MAX_COMMAND_BYTES)
    )
    return submit_and_report(signed, options)


def submit_and_report(signed: Any, options: argparse.Namespace) -> int:
    """Submit ``signed`` on the platform; print the outcome; 0 accepted, 3 refused."""
    from commands.cli import database_url
    from commands.platform import running_platform
    from commands.submission import submit_signed, submit_signed_over_http

    if getattr(options, "url", None):
        if options.db or options.keys:
            raise InvalidInput("give --url, or --db and --keys, not both")
        submitted = submit_signed_over_http(signed, options.url)
    else:
        with running_platform(database_url(options), platform_keys(options)) as service:
            submitted = submit_signed(signed, service)
    if options.receipt and submitted.receipt is not None:
        from ledger.files import write_file

        text = json.dumps(submitted.receipt, ensure_ascii=False, indent=2) + "\n"
        write_file(options.receipt, text.encode("utf-8"), "the receipt")
    if options.json:
        print(json.dumps(submitted.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(submitted.lines()), file=sys.stdout if submitted.accepted else sys.stderr)
    return EXIT_OK if submitted.accepted else EXIT_REFUSED


def issue_checkpoint(options: argparse.Namespace) -> int:
    """``checkpoint --issue [--closing TENDER]``: a checkpoint of the log now, cosigned by
    the deployment's witnesses (``closing``: the one covering a tender's last event)."""
    from commands.cli import database_url
    from commands.platform import running_platform
    from ledger.procedure.state import stream_of

    if not options.issue:
        raise InvalidInput("--closing TENDER issues a checkpoint: give --issue with it")
    with running_platform(database_url(options), platform_keys(options)) as service:
        tender = stream_of(options.closing) if options.closing else None
        note = service.checkpoint("closing" if tender else "manual", tender)
    print(note, end="")
    return EXIT_OK


def _submit_bid(options: argparse.Namespace) -> int:
    from commands.bidder import sealed_bid_command
    from commands.cli import database_url, open_existing
    from commands.client import Actor
    from ledger.files import read_json
    from ledger.limits import MAX_BID_DOCUMENT_BYTES
    from ledger.procedure.state import TenderState, stream_of

    document = read_json(options.document, "bid document", MAX_BID_DOCUMENT_BYTES)
    if not isinstance(document, dict):
        raise InvalidInput(f"bid document {options.document} must be a JSON object")
    party, signer = signer_of(options.key, options.actor)
    store = open_existing(database_url(options))
    try:  # the notice as published: the officials' keys and the threshold
        tender = store.state(TenderState, stream_of(options.tender))
    finally:
        store.close()
    bidder = Actor(party, "bidder", signer)
    signed, sealed = sealed_bid_command(document, tender, lot=options.lot, bidder=bidder)
    if options.sealed:
        from ledger.files import write_file

        text = json.dumps(sealed, ensure_ascii=False, indent=2) + "\n"
        write_file(options.sealed, text.encode("utf-8"), "the sealed bid")
    return submit_and_report(signed, options)
