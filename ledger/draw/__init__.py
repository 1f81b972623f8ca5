"""A recomputable expert draw for remote cross-region evaluation (``docs/draw.md``).

Pure building blocks, no storage: a drand beacon verified offline (:mod:`.beacon`), a seed
from that beacon and three parties' committed reveals (:mod:`.randomness`), the draw itself
from (rule, pool, seed) (:mod:`.algorithm`), and the comparison of a recorded draw with its
recomputation (:mod:`.verify`). Imports only the standard library, ``ledger.errors``,
``ledger.canonical``, ``ledger.rules.catalogue`` and ``py_ecc`` (in :mod:`.bls` alone, and
only when a beacon's signature is checked).
"""

from __future__ import annotations

from ledger.draw.algorithm import (
    DrawResult,
    Exclusion,
    Ranked,
    Replacement,
    Reserve,
    Screening,
    Seat,
    draw,
    eligible_commitment,
    eligible_entries,
    exclusion_reasons,
    order_key,
    recompute,
    replace_member,
    screen,
)
from ledger.draw.beacon import (
    SCHEMES,
    Beacon,
    ChainInfo,
    Scheme,
    beacon_message,
    check_beacon,
    verify_beacon,
    verify_beacon_signature,
)
from ledger.draw.chains import KNOWN_CHAINS, LEAGUE_OF_ENTROPY_DEFAULT
from ledger.draw.pool import VENUES, DrawRule, Expert, Quota, Sitting, Venue
from ledger.draw.randomness import (
    PARTIES,
    Commitment,
    Contribution,
    Reveal,
    SeedPlan,
    check_commitment,
    check_logged_by_deadline,
    check_reveal,
    commitment_digest,
    contributions,
    derive_seed,
    draw_seed,
    seed_preimage,
)
from ledger.draw.verify import difference, verify_draw

__all__ = [
    "KNOWN_CHAINS",
    "LEAGUE_OF_ENTROPY_DEFAULT",
    "PARTIES",
    "SCHEMES",
    "VENUES",
    "Beacon",
    "ChainInfo",
    "Commitment",
    "Contribution",
    "DrawResult",
    "DrawRule",
    "Exclusion",
    "Expert",
    "Quota",
    "Ranked",
    "Replacement",
    "Reserve",
    "Reveal",
    "Scheme",
    "Screening",
    "Seat",
    "SeedPlan",
    "Sitting",
    "Venue",
    "beacon_message",
    "check_beacon",
    "check_commitment",
    "check_logged_by_deadline",
    "check_reveal",
    "commitment_digest",
    "contributions",
    "derive_seed",
    "difference",
    "draw",
    "draw_seed",
    "eligible_commitment",
    "eligible_entries",
    "exclusion_reasons",
    "order_key",
    "recompute",
    "replace_member",
    "screen",
    "seed_preimage",
    "verify_beacon",
    "verify_beacon_signature",
    "verify_draw",
]
