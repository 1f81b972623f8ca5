"""The SME declaration (声明函) checked against the registered enterprise size (ch.5, 17.2).

A bid document declares small or micro size with ``small_or_micro`` (its 声明函); the
registry holds the bidder's ``enterprise_size``: ``micro``, ``small``, ``medium`` or
``large``, or ``prison_enterprise`` / ``disabled_welfare_unit``, which count as small or
micro (ch.5 二(四)4). A declaration is:

- ``confirmed`` when the registered size is one of the small-or-micro ones: the deduction
  applies;
- ``false`` when the registry says ``medium`` or ``large``: a false statement in the bid
  (§26.2(11)), so the bid is invalid and gets no deduction;
- ``unconfirmed`` when the registry holds no size (or an unknown one): nothing proves it
  false, so the bid stays valid, but no deduction is given on an unchecked statement.

A bid that declares nothing is ``none``: no deduction, whatever its registered size.
"""

from __future__ import annotations

from typing import Any, Literal

__all__ = ["SME_SIZES", "SizeCheck", "check_declaration"]

SME_SIZES = frozenset({"micro", "small", "prison_enterprise", "disabled_welfare_unit"})
_OTHER_SIZES = frozenset({"medium", "large"})
SizeCheck = Literal["none", "confirmed", "false", "unconfirmed"]


def check_declaration(declared: bool, registered: Any) -> SizeCheck:
    """How a declaration of small or micro size stands against the registered size."""
    if not declared:
        return "none"
    if registered in SME_SIZES:
        return "confirmed"
    if registered in _OTHER_SIZES:
        return "false"
    return "unconfirmed"
