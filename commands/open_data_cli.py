"""Open data on the command line: OCDS packages and the public notices of a tender.

``bidledger export TENDER --format ocds-releases|ocds-record -o FILE [--as-of TIME]
[--ocid-prefix PREFIX]`` writes the OCDS release package or record package (the ocid prefix:
the option, else ``$BIDLEDGER_OCID_PREFIX``, else ``ocds-bidldg``).
``bidledger notice TENDER --kind announcement|correction|award [--format md|html]
[--as-of TIME] [-o FILE]`` prints (or writes) a notice as published. TIME is ISO 8601,
Beijing time when it has no offset. Errors: one line, exit 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ledger.errors import LedgerError
from ledger.store import DEFAULT_URL

EXIT_OK = 0
OCDS_FORMATS = ("ocds-releases", "ocds-record")


def add_notice_commands(subparsers: Any) -> None:
    """Add ``notice`` to the ``bidledger`` sub-command parsers."""
    from projections.notice_content import KINDS
    from projections.notice_render import FORMATS

    notice = subparsers.add_parser("notice", help="a public notice of a tender, in Chinese")
    notice.add_argument("tender", help="project code (e.g. XFZFCG-2020-33) or stream id")
    notice.add_argument("--kind", required=True, choices=KINDS, help="which notice")
    notice.add_argument("--format", choices=FORMATS, default="md", help="md (default) or html")
    notice.add_argument("--as-of", dest="as_of", help="as published up to TIME (ISO 8601)")
    notice.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    notice.add_argument("--db", help=f"SQLAlchemy URL (default: $BIDLEDGER_DB or {DEFAULT_URL})")
    notice.set_defaults(run=_notice)


def export_ocds(options: argparse.Namespace) -> int:
    """``export --format ocds-releases|ocds-record``: write the package to ``-o FILE``."""
    from commands.cli import database_url, open_existing
    from commands.queries import parse_moment, tender_code
    from projections.ocds import OcdsSettings, record_package, release_package

    settings = OcdsSettings.from_environment(options.ocid_prefix)
    at = parse_moment(options.as_of) if options.as_of else None
    make = release_package if options.format == "ocds-releases" else record_package
    store = open_existing(database_url(options))
    try:
        options.tender = tender_code(store, options.tender)
        package = make(store, options.tender, settings, at)
    finally:
        store.close()
    _write(options.output, json.dumps(package, ensure_ascii=False, indent=1) + "\n")
    releases = package.get("releases") or package["records"][0]["releases"]
    kind = "release package" if options.format == "ocds-releases" else "record package"
    print(
        f"OCDS {kind} of {options.tender} ({settings.ocid(options.tender)}) written to "
        f"{options.output}: {len(releases)} releases, published {package['publishedDate']}"
    )
    return EXIT_OK


def _notice(options: argparse.Namespace) -> int:
    from commands.cli import database_url, open_existing
    from commands.queries import parse_moment
    from projections.as_of import as_of
    from projections.notice_content import public_notices
    from projections.notice_render import render

    at = parse_moment(options.as_of) if options.as_of else None
    store = open_existing(database_url(options))
    try:
        with as_of(store, at) as engine:
            notices = public_notices(engine, options.tender, options.kind, at)
    finally:
        store.close()
    text = render(notices, options.format)
    if options.output == "-":
        print(text, end="")
    else:
        _write(options.output, text)
    return EXIT_OK


def _write(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise LedgerError(f"cannot write {path}: {exc.strerror}") from None
