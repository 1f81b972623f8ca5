"""The League of Entropy's published drand mainnet chains, as data.

Each value is what the chain's ``/info`` endpoint publishes; its chain hash is recomputed
from the other fields by :meth:`ChainInfo.computed_hash`, so a typo here cannot go unnoticed
(the unit tests check it). A draw rule names its chain by hash (:data:`KNOWN_CHAINS`).
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

LEAGUE_OF_ENTROPY_QUICKNET = ChainInfo(
    public_key=bytes.fromhex(
        "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
        "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb"
        "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
    ),
    period=3,
    genesis_time=1692803367,
    hash=bytes.fromhex("52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"),
    group_hash=bytes.fromhex("f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e"),
    scheme_id="bls-unchained-g1-rfc9380",
    beacon_id="quicknet",
)
"""The 3-second unchained chain running since 2023-08-23 ("quicknet", signatures on G1)."""

KNOWN_CHAINS: Mapping[bytes, ChainInfo] = {
    chain.hash: chain for chain in (LEAGUE_OF_ENTROPY_DEFAULT, LEAGUE_OF_ENTROPY_QUICKNET)
}
