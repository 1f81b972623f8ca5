"""The League of Entropy's published drand mainnet chain that the ledger verifies, as data.

Each value is what the chain's ``/info`` endpoint publishes; its chain hash is recomputed
from the other fields by :meth:`ChainInfo.computed_hash`, so a typo here cannot go unnoticed
(the unit tests check it). Only the "default" chain is here: the League's other mainnet
chain, quicknet, signs on G1, which the ledger does not verify (:mod:`ledger.draw.bls`).
A cooperation agreement names the chain its draws use; :data:`KNOWN_CHAINS` says which
chain hashes are public beacons known to this code.
"""

from __future__ import annotations

from collections.abc import Mapping

from ledger.draw.beacon import ChainInfo

LEAGUE_OF_ENTROPY_DEFAULT = ChainInfo(
    public_key=bytes.fromhex(
        "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31"
    ),
    period=30,
    genesis_time=1595431050,
    hash=bytes.fromhex("8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce"),
    group_hash=bytes.fromhex("176f93498eac9ca337150b46d21dd58673ea4e3581185f869672e59fa4cb390a"),
    scheme_id="pedersen-bls-chained",
    beacon_id="default",
)
"""The 30-second chained chain running since 2020-07-22 ("default")."""

KNOWN_CHAINS: Mapping[bytes, ChainInfo] = {
    chain.hash: chain for chain in (LEAGUE_OF_ENTROPY_DEFAULT,)
}
