"""The reveal's search for a set of shares that rebuilds the committed key, at its worst.

Shares that are all on one polynomial open at the first try. A bidder who sealed shares
that are not makes the reveal try every set of ``threshold`` of those handed in
(``ledger.crypto.sealing.share_sets``); the worst case is a bid with no consistent set at
all, where every set is tried. For each (officials, threshold) this times that worst case
on random shares, and for comparison one honest bid. Run from the repository root::

    .venv/bin/python bench/share_sets.py
    .venv/bin/python bench/share_sets.py --sizes 3:2 5:3 20:10
"""

from __future__ import annotations

import argparse
import contextlib
import math
import secrets
import time

from nacl.public import PrivateKey

from ledger.crypto import shamir
from ledger.crypto.sealing import (
    KeyShare,
    OpeningOfficial,
    SealedBid,
    open_share,
    rebuild_key,
    seal_bid,
)
from ledger.errors import VerificationFailure

DEFAULT_SIZES = ("3:2", "5:3", "10:5", "15:7", "20:10")


def _sealed(count: int, threshold: int) -> tuple[SealedBid, dict[str, PrivateKey]]:
    keys = {f"official-{n}": PrivateKey.generate() for n in range(1, count + 1)}
    officials = [OpeningOfficial(name, bytes(key.public_key)) for name, key in keys.items()]
    sealed = seal_bid(
        b"bid", tender="T", lot="1", bidder="b", officials=officials, threshold=threshold
    )
    return sealed, keys


def _seconds(sealed: SealedBid, shares: list[KeyShare]) -> float:
    start = time.perf_counter()
    with contextlib.suppress(VerificationFailure):
        rebuild_key(sealed, shares)
    return time.perf_counter() - start


def run(count: int, threshold: int) -> str:
    sealed, keys = _sealed(count, threshold)
    random_shares = [
        KeyShare(name, n, shamir.Share(n, secrets.randbelow(shamir.PRIME)))
        for n, name in enumerate(keys, 1)
    ]

    honest = [open_share(sealed, official=name, private_key=key) for name, key in keys.items()]
    sets = 1 + math.comb(count, threshold) if count > threshold else 1
    worst, best = _seconds(sealed, random_shares), _seconds(sealed, honest)
    return f"| {count} | {threshold} | {sets:,} | {worst:.3f} | {best * 1000:.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=DEFAULT_SIZES, help="officials:threshold")
    options = parser.parse_args()
    print("| officials | threshold | sets tried | no consistent set, s | honest bid, ms |")
    print("|---:|---:|---:|---:|---:|")
    for size in options.sizes:
        count, threshold = (int(part) for part in size.split(":"))
        print(run(count, threshold), flush=True)


if __name__ == "__main__":
    main()
