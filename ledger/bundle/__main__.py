"""``python -m ledger.bundle FILE [--json]``: verify a bundle with no database and no event store.

Exit 0 verified, 1 the bundle does not verify (what and where on stderr), 2 not a bundle.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ledger.bundle.verifier import verify_bundle
from ledger.errors import LedgerError, VerificationFailure


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledger.bundle", description=__doc__)
    parser.add_argument("file", help="the bundle file")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    options = parser.parse_args(argv)
    try:
        report = verify_bundle(Path(options.file).read_bytes())
    except VerificationFailure as exc:
        print(f"verification FAILED at {exc}", file=sys.stderr)
        return 1
    except (LedgerError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(report.to_json(), indent=2) if options.json else "\n".join(report.lines())
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
