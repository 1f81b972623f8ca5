"""A demonstration drand chain whose key this code holds: for the demo and the tests only.

The League of Entropy's published rounds are verified by the tests (``tests/vectors/drand``),
but none of them falls on the seed tender's evaluation morning (2021-01-15), and a draw's
round must come after its commit deadline. So the demo's cooperation agreement names this
chain instead: real BLS signatures (``py_ecc``'s ``G2Basic``) by a key derived from a public
string, verified by the ledger exactly as a League round is. Anyone can compute its rounds
in advance, so it gives none of a public beacon's unpredictability: the ledger records that
the chain is not a public beacon (``public_beacon`` false), and the demo says so.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache

from ledger.clock import BEIJING
from ledger.draw.beacon import SCHEMES, Beacon, ChainInfo, beacon_message
from ledger.draw.bls import public_key_of, secret_key_from_seed, sign_on_g2

KEY_SEED = hashlib.sha256(
    b"bidledger demonstration beacon: not a public randomness beacon"
).digest()
GENESIS = datetime(2021, 1, 1, tzinfo=BEIJING)
PERIOD = 30
SCHEME = "pedersen-bls-unchained"
BEACON_ID = "bidledger-demo"


@cache
def _secret_key() -> int:
    return secret_key_from_seed(KEY_SEED)


@cache
def demo_chain() -> ChainInfo:
    """The demonstration chain's public information, its hash computed as drand's."""
    draft = ChainInfo(
        public_key=public_key_of(_secret_key()),
        period=PERIOD,
        genesis_time=int(GENESIS.timestamp()),
        hash=bytes(32),
        group_hash=hashlib.sha256(b"bidledger demonstration beacon group").digest(),
        scheme_id=SCHEME,
        beacon_id=BEACON_ID,
    )
    return ChainInfo(
        public_key=draft.public_key,
        period=draft.period,
        genesis_time=draft.genesis_time,
        hash=draft.computed_hash(),
        group_hash=draft.group_hash,
        scheme_id=draft.scheme_id,
        beacon_id=draft.beacon_id,
    )


@cache
def demo_round(number: int) -> Beacon:
    """Round ``number`` of the demonstration chain, signed as drand signs an unchained round."""
    signature = sign_on_g2(_secret_key(), beacon_message(SCHEMES[SCHEME], number, None))
    return Beacon(round=number, signature=signature, randomness=hashlib.sha256(signature).digest())
