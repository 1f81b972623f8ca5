"""The witness in-process, on a real state folder: what it cosigns, refuses and keeps."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger.clock import FixedClock
from ledger.errors import InvalidInput
from ledger.merkle import EMPTY_ROOT
from ledger.notes import Checkpoint, NoteSigner, sign_checkpoint, verify_cosignature
from ledger.witness import (
    AddCheckpoint,
    CosignedCheckpoint,
    Witness,
    WitnessServer,
    WitnessState,
)
from tests.support.witnessing import ORIGIN, TestLog, seed_of, witness_signer
from tests.unit.test_witness_protocol import COSIGNATURE

START = datetime.fromtimestamp(1_700_000_000, UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def log() -> TestLog:
    return TestLog()


@pytest.fixture
def witness(tmp_path: Path, log: TestLog, clock: FixedClock) -> Witness:
    return Witness(witness_signer(), [log.verifier], WitnessState(tmp_path / "w"), clock=clock)


def _cosigned(witness: Witness, log: TestLog, size: int, old: int) -> str:
    """Grow the log to ``size``, have the witness cosign it from ``old``; the cosigned note."""
    note = log.grow(size).checkpoint()
    response = witness.add_checkpoint(log.request(old, note))
    assert (response.status, response.content_type) == (200, "text/plain; charset=utf-8")
    return note + response.body.decode()


def test_the_first_checkpoint_is_cosigned_at_the_witness_clock_time(
    witness: Witness, log: TestLog
) -> None:
    note = log.grow(4).checkpoint()
    response = witness.add_checkpoint(log.request(0, note))
    assert response.status == 200
    assert response.body.decode() == COSIGNATURE  # the known answer, at time 1700000000
    assert verify_cosignature(note + COSIGNATURE, witness_signer().verifier()) == 1_700_000_000


def test_a_consistent_extension_is_cosigned_with_the_current_clock_time(
    witness: Witness, log: TestLog, clock: FixedClock
) -> None:
    _cosigned(witness, log, 4, 0)
    clock.advance(timedelta(seconds=90))
    cosigned = _cosigned(witness, log, 9, 4)
    assert verify_cosignature(cosigned, witness.signer.verifier()) == 1_700_000_090
    latest = witness.state.latest(ORIGIN)
    assert latest is not None
    assert (latest.size, latest.root) == (9, log.tree.root())


def test_the_same_checkpoint_again_is_cosigned_again(witness: Witness, log: TestLog) -> None:
    _cosigned(witness, log, 4, 0)
    assert witness.add_checkpoint(log.request(4)).status == 200


def test_a_stale_old_size_gets_409_with_the_witness_size(witness: Witness, log: TestLog) -> None:
    _cosigned(witness, log, 9, 0)
    response = witness.add_checkpoint(log.grow(12).request(4))
    assert (response.status, response.content_type, response.body) == (
        409,
        "text/x.tlog.size",
        b"9\n",
    )


def test_an_old_size_the_witness_never_had_gets_409_with_zero(
    witness: Witness, log: TestLog
) -> None:
    response = witness.add_checkpoint(log.grow(9).request(4))
    assert (response.status, response.body) == (409, b"0\n")


def test_the_same_size_with_another_root_is_refused_and_both_kept(
    witness: Witness, log: TestLog
) -> None:
    cosigned_note = log.grow(9).checkpoint()
    witness.add_checkpoint(log.request(0, cosigned_note))
    fork = TestLog().grow(6).grow(9, label="forked")
    refused_note = fork.checkpoint()
    response = witness.add_checkpoint(fork.request(9, refused_note))
    assert response.status == 409
    assert response.content_type != "text/x.tlog.size"
    assert b"fork" in response.body
    [kept] = witness.state.evidence()
    assert (kept / "cosigned.note").read_text() == cosigned_note
    assert (kept / "refused.note").read_text() == refused_note
    assert (kept / "request.txt").read_bytes() == fork.request(9, refused_note)


def test_a_larger_tree_that_does_not_extend_is_refused_with_422_and_kept(
    witness: Witness, log: TestLog
) -> None:
    cosigned_note = log.grow(9).checkpoint()
    witness.add_checkpoint(log.request(0, cosigned_note))
    fork = TestLog().grow(6).grow(12, label="forked")
    response = witness.add_checkpoint(fork.request(9))
    assert response.status == 422
    assert b"computed root1" in response.body
    [kept] = witness.state.evidence()
    assert (kept / "cosigned.note").read_text() == cosigned_note
    assert (kept / "refused.note").read_text() == fork.checkpoint()
    assert witness.state.latest(ORIGIN).size == 9  # type: ignore[union-attr]


def test_a_refused_fork_submitted_twice_is_kept_once(witness: Witness, log: TestLog) -> None:
    _cosigned(witness, log, 9, 0)
    fork = TestLog().grow(9, label="forked")
    for _ in range(2):
        assert witness.add_checkpoint(fork.request(9)).status == 409
    assert len(witness.state.evidence()) == 1


def test_an_unknown_origin_gets_404(witness: Witness) -> None:
    other = TestLog("other.test/log").grow(3)
    response = witness.add_checkpoint(other.request(0))
    assert (response.status, response.body) == (404, b"unknown log origin 'other.test/log'\n")


def test_a_checkpoint_signed_by_an_unknown_key_gets_403(witness: Witness) -> None:
    impostor = TestLog(key="impostor").grow(3)
    response = witness.add_checkpoint(impostor.request(0))
    assert response.status == 403
    assert witness.state.latest(ORIGIN) is None


def test_an_old_size_beyond_the_checkpoint_gets_400(witness: Witness, log: TestLog) -> None:
    note = log.grow(3).checkpoint()
    response = witness.add_checkpoint(AddCheckpoint(5, (), note).encode())
    assert (response.status, response.body) == (400, b"old size 5 exceeds checkpoint size 3\n")


def test_a_malformed_body_or_checkpoint_gets_400(witness: Witness, log: TestLog) -> None:
    assert witness.add_checkpoint(b"hello").status == 400
    unsigned = AddCheckpoint(0, (), log.grow(2).checkpoint().split("\n\n")[0] + "\n")
    assert witness.add_checkpoint(unsigned.encode()).status == 400


def test_a_proof_from_size_zero_must_be_empty(witness: Witness, log: TestLog) -> None:
    body = AddCheckpoint(0, (bytes(32),), log.grow(3).checkpoint()).encode()
    response = witness.add_checkpoint(body)
    assert response.status == 422
    assert witness.state.evidence() == []


def test_an_empty_tree_must_have_the_empty_root(witness: Witness, log: TestLog) -> None:
    good = sign_checkpoint(log.signer, Checkpoint(ORIGIN, 0, EMPTY_ROOT))
    bad = sign_checkpoint(log.signer, Checkpoint(ORIGIN, 0, bytes(32)))
    assert witness.add_checkpoint(AddCheckpoint(0, (), bad).encode()).status == 422
    assert witness.add_checkpoint(AddCheckpoint(0, (), good).encode()).status == 200


def test_a_new_witness_on_the_same_folder_remembers(
    tmp_path: Path, witness: Witness, log: TestLog, clock: FixedClock
) -> None:
    _cosigned(witness, log, 9, 0)
    again = Witness(witness_signer(), [log.verifier], WitnessState(tmp_path / "w"), clock=clock)
    fork = TestLog().grow(9, label="forked")
    assert again.add_checkpoint(fork.request(9)).status == 409
    assert again.add_checkpoint(log.grow(12).request(0)).body == b"9\n"
    assert again.add_checkpoint(log.request(9)).status == 200


@pytest.mark.parametrize("same_process_state", [True, False])
def test_two_concurrent_requests_cannot_both_advance_from_the_same_size(
    tmp_path: Path,
    witness: Witness,
    log: TestLog,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    same_process_state: bool,
) -> None:
    """Without the lock both would read size 4, both cosign, and 12 could roll back to 9.

    The second case gives each request its own state object on the same folder, as two
    processes would have: only the file lock keeps them apart.
    """
    _cosigned(witness, log, 4, 0)
    other = Witness(witness_signer(), [log.verifier], WitnessState(tmp_path / "w"), clock=clock)
    witnesses = (witness, witness if same_process_state else other)
    for each in witnesses:
        read = each.state.latest

        def slow_read(origin: str, read: Callable[[str], CosignedCheckpoint | None] = read) -> Any:
            found = read(origin)
            time.sleep(0.2)
            return found

        monkeypatch.setattr(each.state, "latest", slow_read)
    bodies = (log.grow(9).request(4), log.grow(12).request(4))
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda w=w, b=b: statuses.append(w.add_checkpoint(b).status))
        for w, b in zip(witnesses, bodies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]


def test_a_damaged_state_file_makes_the_witness_answer_500(witness: Witness, log: TestLog) -> None:
    _cosigned(witness, log, 4, 0)
    [state_file] = witness.state.logs.iterdir()
    state_file.write_text("{not json")
    response = witness.add_checkpoint(log.grow(9).request(4))
    assert response.status == 500
    assert b"damaged" in response.body


def test_the_witness_needs_a_cosignature_key_and_ed25519_log_keys(
    tmp_path: Path, log: TestLog
) -> None:
    state = WitnessState(tmp_path / "w")
    with pytest.raises(InvalidInput, match="cosignature"):
        Witness(NoteSigner("w.test/x", seed_of("x")), [log.verifier], state)
    with pytest.raises(InvalidInput, match="Ed25519"):
        Witness(witness_signer(), [witness_signer().verifier()], state)


def test_the_http_server_answers_only_post_add_checkpoint(witness: Witness, log: TestLog) -> None:
    server = WitnessServer(witness)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]

    def ask(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> int:
        connection = http.client.HTTPConnection(str(host), port, timeout=10)
        try:
            connection.putrequest(method, path)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders(body or None)
            return connection.getresponse().status
        finally:
            connection.close()

    try:
        body = log.grow(3).request(0)
        assert ask("GET", "/add-checkpoint", {}) == 405
        assert ask("POST", "/other", {"Content-Length": str(len(body))}, body) == 404
        assert ask("POST", "/add-checkpoint", {"Content-Length": str(2 << 20)}) == 413
        assert ask("POST", "/add-checkpoint", {"Transfer-Encoding": "chunked"}) == 411
        assert ask("POST", "/add-checkpoint", {"Content-Length": str(len(body))}, body) == 200
    finally:
        server.shutdown()
        server.server_close()
