"""The C2SP add-checkpoint endpoint mounted on the API server when it is given a witness."""

from __future__ import annotations

from pathlib import Path

import httpx

from commands.http import BackgroundServer, HttpLedger, create_app
from commands.service import LedgerService
from ledger.notes import verify_cosignature
from ledger.store import LedgerStore
from ledger.witness import Witness, WitnessState, submit_checkpoint
from tests.support.witnessing import TestLog, witness_signer


def test_the_served_witness_cosigns_a_consistent_extension_and_refuses_a_fork(
    tmp_path: Path,
) -> None:
    log, signer = TestLog().grow(4), witness_signer()
    witness = Witness(signer, [log.verifier], WitnessState(tmp_path / "witness"))
    store = LedgerStore(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger = HttpLedger.of(LedgerService(store), witness=witness)
    with BackgroundServer(create_app(ledger)) as server:
        first = log.checkpoint()
        (line,) = submit_checkpoint(server.url, first, log.proof, witness=signer.verifier())
        verify_cosignature(first + line, signer.verifier())
        later = log.grow(9).checkpoint()
        submit_checkpoint(server.url, later, log.proof, old_size=4, witness=signer.verifier())
        fork = TestLog().grow(6).grow(12, label="forked")
        body = fork.request(9)
        answer = httpx.post(f"{server.url}/add-checkpoint", content=body)
        assert answer.status_code == 422
        assert answer.text.startswith("consistency proof refused")
        assert "/add-checkpoint" not in httpx.get(f"{server.url}/openapi.json").json()["paths"]
    ledger.close()
    store.close()
