"""``bidledger register party|key``: the registration authority registers by command (S2).

``register party ID --name NAME --role ROLE ...`` and ``register key ID --public-key FILE``
(a ``.pub`` file from ``keygen``; a witness's or a second log's key with ``--vkey``) build
the command, sign it with the authority's key (``--key``, by default the one in the key
store) and submit it like ``submit``: exit 0 accepted, 3 refused by a rule. A signing key is
registered with an X.509 certificate the authority issues; a key is valid from the second it
is registered (a registration runs at one whole second), for the roles given or else all the
party's.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from commands.deploy_cli import DB_HELP, KEYS_ENV, platform_keys, signer_of
from ledger.errors import InvalidInput

_ROLES_HELP = "a role (repeat): agency, purchaser, regulator, bidder, evaluator, official, platform"


def add_register_commands(subparsers: Any) -> None:
    """Add ``register party`` and ``register key`` to ``bidledger``."""
    register = subparsers.add_parser("register", help="the authority registers a party or key")
    actions = register.add_subparsers(required=True, metavar="WHAT")
    party = actions.add_parser("party", help="register a party with its roles")
    party.add_argument("party", help="the new party's id (2-64 of a-z, 0-9, '.', '_', '-')")
    party.add_argument("--name", required=True, help="its name, as notices print it")
    party.add_argument("--role", action="append", required=True, help=_ROLES_HELP)
    party.add_argument(
        "--attribute", action="append", default=[], metavar="KEY=VALUE", help="an attribute"
    )
    party.set_defaults(run=_register_party)
    key = actions.add_parser("key", help="register a party's public key")
    key.add_argument("party", help="the registered party the key belongs to")
    source = key.add_mutually_exclusive_group(required=True)
    source.add_argument("--public-key", metavar="FILE", help="the .pub file keygen wrote")
    source.add_argument("--vkey", help="a C2SP vkey (or a file holding one): a note key")
    key.add_argument("--purpose", choices=("sign", "encrypt", "receipt", "log"))
    key.add_argument("--role", action="append", help="a role the key may act in (repeat)")
    key.add_argument("--valid-until", help="the end of its validity (ISO 8601)")
    key.set_defaults(run=_register_key)
    for action in (party, key):
        action.add_argument("--key", metavar="FILE", help="the authority's key file")
        action.add_argument("--db", help=DB_HELP)
        action.add_argument("--keys", metavar="DIR", help=f"the key store (${KEYS_ENV})")
        action.add_argument("--receipt", help=argparse.SUPPRESS)
        action.add_argument("--json", action="store_true", help="print the outcome as JSON")


def _register_party(options: argparse.Namespace) -> int:
    from ledger.procedure.registry import RegisterParty

    attributes = dict(_attribute(text) for text in options.attribute)
    command = RegisterParty(options.party, options.name, tuple(options.role), attributes)
    return _as_authority(options, lambda registry, now: command)


def _register_key(options: argparse.Namespace) -> int:
    def build(registry: Any, now: datetime) -> Any:
        return _key_command(options, registry, now)

    return _as_authority(options, build)


def _key_command(options: argparse.Namespace, registry: Any, now: datetime) -> Any:
    from commands import registration
    from ledger.clock import parse_time

    party = registry.party(options.party)
    roles = tuple(options.role or sorted(party.roles))
    until = parse_time(options.valid_until) if options.valid_until else None
    if options.vkey is not None:
        return _with_until(
            registration.note_key(party.party, _vkey(options.vkey), roles, now), until
        )
    purpose, raw = _public_key(options.public_key, options.purpose)
    if purpose == "sign":
        authority, signer = _authority(options, registry)
        command = registration.signing_key(
            signer,
            registry.parties[authority].name,
            party=party.party,
            subject_name=party.name,
            public_key=raw,
            roles=roles,
            valid_from=now,
        )
    elif purpose == "encrypt":
        command = registration.encryption_key(party.party, raw, roles, now)
    elif purpose == "receipt":
        command = registration.receipt_key(party.party, raw, now)
    else:
        raise InvalidInput("a log key is registered by its C2SP vkey: use --vkey")
    return _with_until(command, until)


def _as_authority(options: argparse.Namespace, build: Any) -> int:
    """Build the command on the registry as it stands, sign it as the authority, submit it."""
    from commands.cli import database_url
    from commands.client import Actor
    from commands.platform import running_platform
    from commands.registration import registration_time
    from commands.submission import submit_signed

    keys = platform_keys(options)
    with running_platform(database_url(options), keys, one_moment=True) as service:
        registry = service.registry()
        command = build(registry, registration_time(service.clock.now()))
        authority, signer = _authority(options, registry)
        signed = Actor(authority, "authority", signer).sign(command)
        submitted = submit_signed(signed, service)
    return _report(submitted, options)


def _report(submitted: Any, options: argparse.Namespace) -> int:
    import json
    import sys

    if options.json:
        print(json.dumps(submitted.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(submitted.lines()), file=sys.stdout if submitted.accepted else sys.stderr)
    return 0 if submitted.accepted else 3


def _authority(options: argparse.Namespace, registry: Any) -> tuple[str, Any]:
    """The authority's party id and signer: ``--key``, else the key store's authority key."""
    keys = platform_keys(options)
    path = options.key or str(keys.private_path(registry.authority, "sign"))
    return signer_of(path, registry.authority)


def _attribute(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not key or not equals:
        raise InvalidInput(f"--attribute must be KEY=VALUE, got {text[:80]!r}")
    return key, value


def _public_key(path: str, purpose: str | None) -> tuple[str, bytes]:
    from commands.keystore import PURPOSES
    from ledger.keyfile import load_public_key

    algorithm, raw = load_public_key(path)
    named = Path(path).name.split(".")
    if purpose is None and len(named) >= 3 and named[-1] == "pub" and named[-2] in PURPOSES:
        purpose = named[-2]
    purpose = purpose or ("encrypt" if algorithm == "x25519" else "sign")
    if (algorithm == "x25519") != (purpose == "encrypt"):
        raise InvalidInput(f"{path} holds an {algorithm} key: not a key to {purpose} with")
    return purpose, raw


def _vkey(text: str) -> Any:
    from ledger.notes import NoteVerifier

    if Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8").strip()
    return NoteVerifier.from_vkey(text)


def _with_until(command: Any, until: datetime | None) -> Any:
    import dataclasses

    return command if until is None else dataclasses.replace(command, valid_until=until)
