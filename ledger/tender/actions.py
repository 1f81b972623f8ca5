"""Every tender command by name, gathered from the phase modules."""

from __future__ import annotations

from ledger.tender import award, evaluation, opening, publication, submission
from ledger.tender.actions_base import Action

TENDER_ACTIONS: dict[str, Action] = {
    **publication.ACTIONS,
    **submission.ACTIONS,
    **opening.ACTIONS,
    **evaluation.ACTIONS,
    **award.ACTIONS,
}
