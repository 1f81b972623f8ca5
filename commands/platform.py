"""The platform at work: a writing command opens its service, runs, and brings the read models
up to date before it ends (so ``projections status`` shows no lag after it).

:func:`running_platform` is what ``submit``, ``submit-bid``, ``register`` and ``init`` use;
:func:`catch_up_read_models` is also what the demo calls when it has played the tender.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from commands.deployment import Deployment, deployment_clock, platform_service
from commands.keystore import KeyStore
from commands.service import LedgerService
from ledger.errors import RuleViolation
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.store import LedgerStore

__all__ = ["StoredReadModels", "catch_up_read_models", "platform_on", "running_platform"]


@contextmanager
def running_platform(
    url: str,
    keys: KeyStore,
    environ: Mapping[str, str] | None = None,
    *,
    one_moment: bool = False,
) -> Iterator[LedgerService]:
    """The platform's service on the ledger at ``url``, with the deployment in ``keys``
    (``one_moment``: its clock stands at the second it started; see ``deployment_clock``)."""
    store = LedgerStore.open_existing(url, read_only=False)
    try:
        service = platform_on(store, keys, environ, one_moment=one_moment)
        try:
            yield service
        except RuleViolation:  # the refused attempt is on the record: show it too
            catch_up_read_models(store)
            raise
        finally:
            _warn_unwitnessed(service)
        catch_up_read_models(store)
    finally:
        store.close()


def platform_on(
    store: LedgerStore,
    keys: KeyStore,
    environ: Mapping[str, str] | None = None,
    *,
    one_moment: bool = False,
) -> LedgerService:
    """The platform's service on the open ``store``, as the deployment in ``keys`` set it up,
    on the deployment's clock (``BIDLEDGER_CLOCK`` in ``environ`` for a rehearsal only)."""
    deployment = Deployment.load(keys.folder)
    registry = store.state(RegistryState, REGISTRY_STREAM)
    environment = os.environ if environ is None else environ
    clock = deployment_clock(registry, deployment.platform, environment, one_moment=one_moment)
    return platform_service(store, keys, deployment, clock)


def _warn_unwitnessed(service: LedgerService) -> None:
    """Say which checkpoint a witness did not cosign (and why): the trust policy needs it."""
    log = service.transparency
    for seq, witness, why in [] if log is None else log.unwitnessed:
        print(f"warning: checkpoint #{seq} is not cosigned by {witness}: {why}", file=sys.stderr)


def catch_up_read_models(store: LedgerStore) -> dict[str, int]:
    """Apply the events each read model has not seen yet; the count applied, by model.

    A read model that fails stops at its last good event with the error recorded (see
    ``bidledger projections status``); the write that came before stands, so this warns.
    """
    models = StoredReadModels(store)
    try:
        return models.catch_up()
    finally:
        models.close()


class StoredReadModels:
    """The read models stored in the ledger's database, which a long-running writer (``bidledger
    serve``) brings up to the log after each write, so none lags without a recorded error."""

    def __init__(self, store: LedgerStore) -> None:
        from projections.catalog import all_projections
        from projections.registry import PROJECTIONS
        from projections.runner import engine_for

        self._store = store
        self._engine = engine_for(store)
        self._models = [*PROJECTIONS, *all_projections(store)]

    def catch_up(self) -> dict[str, int]:
        """Apply what each read model has not seen; the count applied, by model."""
        from projections.runner import ProjectionFailed, runner_for

        applied: dict[str, int] = {}
        for model in self._models:
            runner = runner_for(model.name, self._store, self._engine, self._models)
            try:
                applied[model.name] = runner.catch_up()
            except ProjectionFailed as exc:
                print(f"warning: {exc} (see bidledger projections status)", file=sys.stderr)
        return applied

    def close(self) -> None:
        self._engine.dispose()
