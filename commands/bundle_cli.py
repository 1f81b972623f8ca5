"""``bidledger export TENDER --format bundle -o FILE`` and ``bidledger verify-bundle FILE``.

(``--format ocds-releases|ocds-record`` exports open data instead: ``commands.open_data_cli``.)

Exit codes as for every command: 0 verified (or exported), 1 the bundle does not verify
(the message names what and where), 2 usage or input error (no such file, not a bundle).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from commands.open_data_cli import OCDS_FORMATS, export_ocds
from ledger.errors import LedgerError, VerificationFailure

EXIT_OK, EXIT_FAILED = 0, 1


def add_bundle_commands(subparsers: Any) -> None:
    """Add ``export`` and ``verify-bundle`` to the ``bidledger`` sub-command parsers."""
    export = subparsers.add_parser(
        "export", help="export one tender as a self-contained audit bundle"
    )
    export.add_argument("tender", help="project code (e.g. XFZFCG-2020-33) or tender id")
    export.add_argument(
        "--format",
        choices=("bundle", *OCDS_FORMATS),
        default="bundle",
        help="bundle (default), or the OCDS release package or record package",
    )
    export.add_argument("-o", "--output", required=True, help="the file to write")
    export.add_argument("--as-of", dest="as_of", help="OCDS: as published up to TIME (ISO 8601)")
    export.add_argument("--ocid-prefix", help="OCDS: the publisher's registered ocid prefix")
    export.add_argument("--db", help="SQLAlchemy URL (default: $BIDLEDGER_DB or sqlite file)")
    export.set_defaults(run=_export)
    verify = subparsers.add_parser(
        "verify-bundle", help="verify an audit bundle offline (no database needed)"
    )
    verify.add_argument("file", help="the bundle file")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument("--policy", help="a trust policy file: the keys and witnesses to pin")
    verify.add_argument("--against", help="a signed checkpoint from elsewhere to compare")
    verify.set_defaults(run=_verify_bundle)


def _export(options: argparse.Namespace) -> int:
    from commands.cli import database_url, open_existing
    from commands.queries import tender_code
    from ledger.bundle.export import export_bundle
    from ledger.files import check_output, write_file

    if options.format in OCDS_FORMATS:
        return export_ocds(options)
    if options.as_of or options.ocid_prefix:
        raise LedgerError("--as-of and --ocid-prefix apply to the ocds formats, not a bundle")

    check_output(options.output, "the bundle")
    store = open_existing(database_url(options))
    try:
        options.tender = tender_code(store, options.tender)
        exported = export_bundle(store, options.tender)
    finally:
        store.close()
    text = json.dumps(exported.bundle, ensure_ascii=False, indent=1)
    write_file(options.output, (text + "\n").encode("utf-8"), "the bundle")
    print(
        f"bundle of {options.tender} written to {options.output}: {exported.events} events, "
        f"log tree size {exported.tree_size}"
    )
    if exported.not_yet_checkpointed:
        print(
            f"note: {exported.not_yet_checkpointed} later events of {options.tender} are not in "
            "the bundle: no checkpoint covers them yet (export again after the platform's next "
            "checkpoint)",
            file=sys.stderr,
        )
    return EXIT_OK


def _verify_bundle(options: argparse.Namespace) -> int:
    from commands.cli import read_policy
    from ledger.bundle.verifier import verify_bundle
    from ledger.files import read_bytes, read_checkpoint_note
    from ledger.limits import MAX_BUNDLE_BYTES

    data = read_bytes(options.file, "bundle", MAX_BUNDLE_BYTES)
    policy = read_policy(options.policy) if options.policy else None
    against = read_checkpoint_note(options.against) if options.against else None
    try:
        report = verify_bundle(data, policy=policy, against=against)
    except VerificationFailure as failure:
        if not options.json:
            raise
        answer = {"verified": False, "where": failure.position, "detail": failure.detail}
        print(json.dumps(answer, ensure_ascii=False, indent=2))
        return EXIT_FAILED
    if options.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(report.lines()))
    return EXIT_OK
