"""``bidledger export TENDER --format bundle -o FILE`` and ``bidledger verify-bundle FILE``.

Exit codes as for every command: 0 verified (or exported), 1 the bundle does not verify
(the message names what and where), 2 usage or input error (no such file, not a bundle).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK = 0


def add_bundle_commands(subparsers: Any) -> None:
    """Add ``export`` and ``verify-bundle`` to the ``bidledger`` sub-command parsers."""
    export = subparsers.add_parser(
        "export", help="export one tender as a self-contained audit bundle"
    )
    export.add_argument("tender", help="the tender's project code, e.g. XFZFCG-2020-33")
    export.add_argument("--format", choices=("bundle",), default="bundle", help="bundle (default)")
    export.add_argument("-o", "--output", required=True, help="the bundle file to write")
    export.add_argument("--db", help="SQLAlchemy URL (default: $BIDLEDGER_DB or sqlite file)")
    export.set_defaults(run=_export)
    verify = subparsers.add_parser(
        "verify-bundle", help="verify an audit bundle offline (no database needed)"
    )
    verify.add_argument("file", help="the bundle file")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.set_defaults(run=_verify_bundle)


def _export(options: argparse.Namespace) -> int:
    from commands.cli import database_url, open_existing
    from ledger.bundle.export import export_bundle
    from ledger.files import check_output, write_file

    check_output(options.output, "the bundle")
    store = open_existing(database_url(options))
    try:
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
    from ledger.bundle.verifier import verify_bundle
    from ledger.files import read_bytes
    from ledger.limits import MAX_BUNDLE_BYTES

    report = verify_bundle(read_bytes(options.file, "bundle", MAX_BUNDLE_BYTES))
    if options.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(report.lines()))
    return EXIT_OK
