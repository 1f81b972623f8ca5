"""How long an expert draw's checks take: a drand beacon in pure Python, and the draw itself.

Baseline, in the same process: one Ed25519 signature verification with PyNaCl (what the
ledger does for every event). Then, median of ``--samples`` runs each:

- ``verify_beacon`` on published round 72785 of the League of Entropy default chain
  (signature on G2, public key on G1);
- ``draw`` over pools of 100, 1,000 and 10,000 experts in two regions (a quarter of them
  excluded for a tie), four members and two reserves.

Run from the repository root::

    .venv/bin/python bench/draw.py
    .venv/bin/python bench/draw.py --samples 3 --pools 100 1000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import nacl.signing

from ledger.draw import Beacon, ChainInfo, DrawRule, Expert, Quota, draw, verify_beacon

VECTORS = Path(__file__).parents[1] / "tests" / "vectors" / "drand" / "league_of_entropy.json"


def _median_seconds(work: Callable[[], object], samples: int) -> float:
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _beacon_check(chain_name: str, number: int) -> Callable[[], None]:
    data = json.loads(VECTORS.read_text())
    chain = ChainInfo.from_json(data["chains"][chain_name])
    [round_] = [r for r in data["rounds"] if r["chain"] == chain_name and r["round"] == number]
    beacon = Beacon.from_json(round_)

    def check() -> None:
        verify_beacon(
            chain,
            beacon,
            chain_hash=chain.hash,
            round_number=number,
            round_time=chain.round_time(number),
        )

    return check


def _draw_of(size: int) -> Callable[[], object]:
    pool = [
        Expert(
            id=f"E{index:05d}",
            region=("north", "south")[index % 2],
            specialties=frozenset({"s1"}),
            employer="B1" if index % 4 == 3 else f"unit-{index}",
        )
        for index in range(size)
    ]
    rule = DrawRule(
        draw_id="bench",
        purchaser="P",
        bidders=frozenset({"B1"}),
        specialties=frozenset({"s1"}),
        quotas=(
            Quota(region="north", venue="main", members=2),
            Quota(region="south", venue="secondary", members=2),
        ),
        reserves_per_region=1,
        recent_days=180,
        draw_date=date(2021, 1, 15),
    )
    seed = hashlib.sha256(b"bench").digest()
    return lambda: draw(rule, pool, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--pools", type=int, nargs="+", default=[100, 1000, 10000])
    args = parser.parse_args()
    key = nacl.signing.SigningKey.generate()
    signed = key.sign(b"x" * 200)
    baseline = _median_seconds(lambda: key.verify_key.verify(signed), max(args.samples, 100))
    print(f"baseline: one Ed25519 verification {baseline * 1e6:.0f} µs")
    print("| work | median ms | × Ed25519 verification |")
    print("|---|---:|---:|")
    work = [
        ("beacon, default chain (G2 signature)", _beacon_check("default", 72785)),
        *((f"draw, {size:,} experts", _draw_of(size)) for size in args.pools),
    ]
    for name, job in work:
        seconds = _median_seconds(job, args.samples)
        print(f"| {name} | {seconds * 1e3:.1f} | {seconds / baseline:,.0f} |")


if __name__ == "__main__":
    main()
