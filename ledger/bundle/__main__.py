"""``python -m ledger.bundle FILE [--json]``: verify a bundle with no database and no event store.

Exit 0 verified, 1 the bundle does not verify (what and where on stderr), 2 not a bundle
(one line on stderr). A reader that stops early (``| head``) ends the output quietly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from ledger.bundle.verifier import verify_bundle
from ledger.errors import LedgerError, VerificationFailure
from ledger.files import read_bytes
from ledger.limits import MAX_BUNDLE_BYTES


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ledger.bundle", description=(__doc__ or "").replace("``", "")
    )
    parser.add_argument("file", help="the bundle file")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    options = parser.parse_args(argv)
    try:
        report = verify_bundle(read_bytes(options.file, "bundle", MAX_BUNDLE_BYTES))
    except VerificationFailure as exc:
        _say(f"verification FAILED at {exc}")
        return 1
    except LedgerError as exc:
        _say(f"error: {exc}")
        return 2
    text = json.dumps(report.to_json(), indent=2) if options.json else "\n".join(report.lines())
    try:
        print(text, flush=True)
    except BrokenPipeError:  # the reader stopped early; the rest is not wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _say(message: str) -> None:
    line = " ".join(part.strip() for part in message.splitlines() if part.strip())
    print(line.encode("utf-8", "backslashreplace").decode("utf-8"), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
