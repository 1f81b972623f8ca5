"""What the ledger itself finds against revealed bids when the committee checks conformity.

From the registry's party attributes and the bid documents, for every revealed bid of a
lot; each finding invalidates the bid with its rule:

- §43: two bidders with the same ``legal_representative``, or one the ``controller`` of
  the other: both bids.
- §26.2(4): two bidders naming the same ``contact``: both bids.
- §26.2(11): a bid declaring small or micro size (``small_or_micro``, its 声明函) whose
  bidder's registered ``enterprise_size`` is ``medium`` or ``large``
  (``ledger.rules.sme``).
- invitation 一.9: a bid declaring a consortium (a ``consortium_sme_share`` that is not
  null) where the notice accepts no consortia.
"""

from __future__ import annotations

from itertools import combinations

from ledger.procedure.registry_state import RegistryState
from ledger.procedure.state import Bid, Lot, TenderState
from ledger.procedure.tender.stages import reason
from ledger.rules import catalogue as rules
from ledger.rules.sme import check_declaration

Finding = dict[str, str]  # {"bidder", "rule", "detail"}


def conformity_findings(tender: TenderState, lot: Lot, registry: RegistryState) -> list[Finding]:
    """Every finding against the lot's revealed bids, pairs first, then declarations."""
    revealed = sorted(
        (bid for bid in lot.bids.values() if bid.status == "revealed"), key=lambda b: b.bidder
    )
    found = _conflicts(revealed, registry)
    for bid in revealed:
        found += _declarations(tender, bid, registry)
    return found


def _conflicts(revealed: list[Bid], registry: RegistryState) -> list[Finding]:
    """§43 (same legal representative, or one controls the other) and §26.2 (same contact)."""
    findings: list[Finding] = []
    for first, second in combinations([bid.bidder for bid in revealed], 2):
        one, two = registry.party(first).attributes, registry.party(second).attributes
        pair = f"{first} and {second}"
        representative = one.get("legal_representative")
        if representative and representative == two.get("legal_representative"):
            found = reason(
                rules.SAME_LEGAL_REPRESENTATIVE, f"{pair} have the same legal representative"
            )
        elif one.get("controller") == second or two.get("controller") == first:
            found = reason(
                rules.SAME_LEGAL_REPRESENTATIVE, f"{pair} stand in a control relationship"
            )
        elif one.get("contact") and one.get("contact") == two.get("contact"):
            found = reason(rules.COLLUSION, f"{pair} name the same contact person")
        else:
            continue
        findings += [{"bidder": b, **found} for b in (first, second)]
    return findings


def _declarations(tender: TenderState, bid: Bid, registry: RegistryState) -> list[Finding]:
    """A false SME declaration; a consortium where the notice accepts none."""
    document = bid.document or {}
    findings: list[Finding] = []
    size = registry.party(bid.bidder).attributes.get("enterprise_size")
    if check_declaration(document.get("small_or_micro") is True, size) == "false":
        detail = f"{bid.bidder} declares small or micro size; its registered size is {size}"
        findings.append({"bidder": bid.bidder, **reason(rules.FALSE_SME_DECLARATION, detail)})
    if (
        document.get("consortium_sme_share") is not None
        and tender.terms.get("consortia") is not True
    ):
        detail = f"{bid.bidder} bids as a consortium; the notice accepts no consortia"
        findings.append({"bidder": bid.bidder, **reason(rules.CONSORTIUM_REFUSED, detail)})
    return findings
