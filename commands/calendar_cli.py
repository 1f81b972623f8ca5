"""``bidledger calendar check|sign``: a year of the official calendar, from file to command.

``check FILE`` reads a calendar file (docs/calendar.md) and, for a year the ``chinesecalendar``
package covers, compares it with the package (exit 1 if they differ). ``sign FILE --key KEY``
writes the registration authority's signed ``RecordCalendar`` command as JSON; the key file
is a PKCS#8 PEM Ed25519 key, encrypted with ``BIDLEDGER_KEY_PASSPHRASE`` when that is set.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

EXIT_OK = 0


def add_calendar_commands(subparsers: Any) -> None:
    """Add ``calendar check`` and ``calendar sign`` to ``bidledger``."""
    calendar = subparsers.add_parser(
        "calendar", help="a year of the official calendar: check a file, sign its command"
    )
    actions = calendar.add_subparsers(required=True, metavar="ACTION")
    check = actions.add_parser("check", help="check a calendar file (and against the package)")
    sign = actions.add_parser("sign", help="sign the RecordCalendar command of a calendar file")
    for action in (check, sign):
        action.add_argument("file", help="the calendar file (JSON, docs/calendar.md)")
    sign.add_argument("--key", required=True, metavar="FILE", help="the authority's key file")
    sign.add_argument("--actor", default="registration-authority", help="the authority's id")
    sign.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    check.set_defaults(run=_check)
    sign.set_defaults(run=_sign)


def _check(options: argparse.Namespace) -> int:
    from commands.calendar_file import read_calendar_file, schedule_of
    from ledger.workdays import check_against_package, package_years

    schedule = schedule_of(read_calendar_file(options.file))
    print(
        f"{schedule.year}: {len(schedule.days_off)} days off, {len(schedule.make_up_days)} "
        f"make-up working days; source: {schedule.source}"
    )
    if schedule.year in package_years():
        check_against_package(schedule)
        print(f"agrees with the chinesecalendar package for {schedule.year}")
    else:
        print(
            f"the chinesecalendar package has no data for {schedule.year}: "
            "check the file against the State Council's notice"
        )
    return EXIT_OK


def _sign(options: argparse.Namespace) -> int:
    from commands.calendar_file import read_calendar_file, sign_calendar
    from ledger.crypto.signing import Signer
    from ledger.keyfile import load_ed25519_key, passphrase_from_env

    command = read_calendar_file(options.file)
    seed = load_ed25519_key(options.key, passphrase=passphrase_from_env())
    signed = sign_calendar(command, Signer.from_seed(seed), actor=options.actor)
    text = json.dumps(signed.to_json(), ensure_ascii=False, indent=2)
    if options.output == "-":
        print(text)
    else:
        Path(options.output).write_text(text + "\n", encoding="utf-8")
        print(f"signed RecordCalendar {command.year} written to {options.output}")
    return EXIT_OK
