"""``bidledger projections rebuild`` of every model: one pass over the log for all of them."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import sqlalchemy as sa

from ledger.store import LedgerStore
from projections.model import Projection
from projections.rebuild import rebuild_all
from projections.runner import ProjectionFailed, TextProgress

EXIT_OK, EXIT_FAILED = 0, 1


def rebuild_every_model(store: LedgerStore, engine: sa.Engine, models: Sequence[Projection]) -> int:
    """Rebuild ``models`` in one pass with a progress bar; the CLI's exit code."""
    bar = TextProgress("rebuild")
    try:
        count = rebuild_all(store, engine, models, progress=bar)
    except ProjectionFailed as exc:
        print(f"\nprojection FAILED: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        bar.close()
    for model in models:
        print(f"{model.name}: {count} events applied")
    return EXIT_OK
