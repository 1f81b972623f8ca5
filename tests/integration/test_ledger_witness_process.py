"""The ledger's checkpoints cosigned by a witness run as another OS process, over HTTP (T8).

The regulator runs ``bidledger witness serve`` with its own key file and its own state
folder; the platform's service reaches it with the C2SP tlog-witness protocol. The witness
cosigns each checkpoint as a consistent extension of the last, refuses a fork the platform
builds with its own log key, and keeps both signed checkpoints as evidence; a reviewer handed
the refused checkpoint gets the fork reported with both.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from commands import seed
from commands.cli import main
from commands.demo_script import LOG_ORIGIN, play
from commands.messages import RegisterKey
from commands.service import LedgerService
from commands.world import World
from ledger.bundle.export import export_bundle
from ledger.clock import FixedClock
from ledger.crypto.signing import Signer
from ledger.merkle import root as merkle_root
from ledger.notes import Checkpoint, NoteSigner, NoteVerifier, parse_note, sign_checkpoint
from ledger.notes.claims import CheckpointClaim, extension_lines
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.procedure.state import tender_stream
from ledger.store import LedgerStore
from ledger.transparency import TreeStore
from ledger.transparency.witnessing import HttpWitness
from ledger.trust import cosigners, policy_of
from ledger.witness import WitnessError
from tests.integration.test_witness_process import WitnessProcess, _cli
from tests.support.witnessing import WITNESS_NAME

TENDER = tender_stream(seed.CODE)


class _Zero:
    def node(self, level: int, index: int) -> bytes:
        return bytes(32)


@pytest.fixture(scope="module")
def ledger(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, WitnessProcess, NoteSigner, HttpWitness]]:
    folder = tmp_path_factory.mktemp("witnessed")
    made = _cli("witness", "init", "--name", WITNESS_NAME, "--key", str(folder / "witness.pem"))
    assert made.returncode == 0, made.stderr
    vkey = made.stdout.strip()
    log = NoteSigner(LOG_ORIGIN, secrets.token_bytes(32))
    process = WitnessProcess(folder, log.verifier().vkey(), vkey).start()
    witness = HttpWitness(process.url, NoteVerifier.from_vkey(vkey))
    database = folder / "ledger.db"
    store = LedgerStore(f"sqlite:///{database}")
    clock = FixedClock(seed.beijing("2020-12-20 09:00"))
    service = LedgerService(
        store,
        clock,
        platform=Signer.generate(),
        platform_id=seed.PLATFORM,
        log=log,
        witnesses=[witness],
    )
    world = World(service, clock)
    play(world, log=log)
    public = NoteVerifier.from_vkey(vkey).public_key
    world.as_authority(
        RegisterKey(seed.REGULATOR, public.hex(), "log", ("regulator",), clock.now(), note_key=vkey)
    )
    service.checkpoint("closing", TENDER)
    try:
        yield database, process, log, witness
    finally:
        store.close()
        process.stop()


def test_every_checkpoint_is_cosigned_by_the_witness_process(
    ledger: tuple[Path, WitnessProcess, NoteSigner, HttpWitness],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database, _, log, witness = ledger
    tree = TreeStore(f"sqlite:///{database}")
    try:
        notes = [c.note for c in tree.checkpoints()]
    finally:
        tree.close()
    assert len(notes) >= 6
    assert all(cosigners(note, [witness.verifier]) for note in notes)
    store = LedgerStore(f"sqlite:///{database}")
    try:
        registry = store.state(RegistryState, REGISTRY_STREAM)
    finally:
        store.close()
    # The witness's clock is real time and the ledger plays 2021: no deadline window here.
    pinned = dataclasses.replace(policy_of(registry, log.name), deadline_within=None)
    policy = tmp_path / "policy.txt"
    policy.write_text(pinned.to_text(), encoding="utf-8")
    assert main(["verify", "--db", f"sqlite:///{database}", "--policy", str(policy)]) == 0
    assert "anchored in the policy" in capsys.readouterr().out


def test_the_witness_process_refuses_a_fork_keeps_both_and_a_reviewer_sees_the_fork(
    ledger: tuple[Path, WitnessProcess, NoteSigner, HttpWitness],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database, process, log, witness = ledger
    tree = TreeStore(f"sqlite:///{database}")
    try:
        latest = tree.checkpoints()[-1]
        claim = CheckpointClaim("closing", latest.issued_at, str(TENDER))
        root = merkle_root(_Zero(), latest.size)
        forked = Checkpoint(log.name, latest.size, root, extension_lines(claim, []))
        fork_note = sign_checkpoint(log, forked)  # the platform's own log key signs anything
        with pytest.raises(WitnessError, match="refused"):
            witness.cosign(fork_note, tree.consistency_proof)
    finally:
        tree.close()
    evidence = sorted((process.folder / "state").rglob("refused.note"))
    assert evidence, "the witness kept no evidence of the fork"
    folder = evidence[-1].parent
    assert (folder / "refused.note").read_text() == fork_note
    cosigned = (folder / "cosigned.note").read_text()
    assert Checkpoint.parse(parse_note(cosigned)[0]).root == latest.root
    store = LedgerStore(f"sqlite:///{database}")
    try:
        bundle = tmp_path / "bundle.json"
        bundle.write_text(json.dumps(export_bundle(store, seed.CODE).bundle), encoding="utf-8")
    finally:
        store.close()
    other = tmp_path / "fork.txt"
    other.write_text(fork_note, encoding="utf-8")
    assert main(["verify-bundle", str(bundle), "--against", str(other)]) == 1
    printed = capsys.readouterr()
    assert f"FORK: size {latest.size} has two roots" in printed.err
    assert len(printed.err.splitlines()) == 1
    assert fork_note in printed.out  # both notes, as signed
    assert cosigned in printed.out
