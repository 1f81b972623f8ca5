"""The read models of tenders, built together: tender state, audit trail, notices."""

from __future__ import annotations

from ledger.store import LedgerStore
from projections.audit_trail import AuditTrail
from projections.model import Projection
from projections.notices import Notices
from projections.tender_state import TenderStateModel


def all_projections(store: LedgerStore) -> list[Projection]:
    """Fresh instances of every tender read model; ``store`` loads aggregates for them."""
    return [TenderStateModel(store), AuditTrail(store), Notices()]
