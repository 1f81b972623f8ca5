"""Same brand (§18): bidders offering one brand count as one bidder.

Brands are compared by a key, not as written: the trademark signs ®, ©, ™ and ℠ are
dropped; the name is put in Unicode NFKC form (full-width letters, digits and spaces become
their ordinary forms); case is folded; and every space, punctuation mark, control or
formatting character (Unicode categories Z*, P*, Cc, Cf) is removed. So ``ＭＩＤＥＡ`` ,
``Midea®``, ``mi-dea`` and ``美的 (Midea)`` against ``美的Midea`` compare equal. Nothing else
is guessed: a name that differs in any letter is another brand. A blank brand is no brand,
and a bid without one counts as its own bidder.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

__all__ = ["bidders_counted", "brand_key"]

_MARKS = dict.fromkeys(map(ord, "®©™℠"))
_DROPPED = ("Z", "P", "Cc", "Cf")


def brand_key(brand: str | None) -> str | None:
    """The key two brands are compared by; None for no brand."""
    if brand is None:
        return None
    folded = unicodedata.normalize("NFKC", brand.translate(_MARKS)).casefold()
    key = "".join(c for c in folded if not unicodedata.category(c).startswith(_DROPPED))
    return key or None


def bidders_counted(brands: Mapping[str, str | None]) -> int:
    """How many bidders ``{bidder: brand}`` count as when one brand counts once (§18)."""
    keys = {brand_key(brand) for brand in brands.values()} - {None}
    unbranded = sum(1 for brand in brands.values() if brand_key(brand) is None)
    return len(keys) + unbranded
