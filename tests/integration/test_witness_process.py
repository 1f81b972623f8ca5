"""The witness as its own OS process (``bidledger witness serve``), spoken to over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.notes import NoteVerifier, verify_cosignature
from ledger.witness import WitnessError, submit_checkpoint
from tests.support.witnessing import WITNESS_NAME, TestLog

ROOT = Path(__file__).resolve().parents[2]
PLAIN = {k: v for k, v in os.environ.items() if k != "BIDLEDGER_KEY_PASSPHRASE"}


def _cli(*args: str, env: dict[str, str] = PLAIN) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "commands.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )


class WitnessProcess:
    """``bidledger witness serve`` in a child process; its URL read from its first line."""

    def __init__(self, folder: Path, log_vkey: str, vkey: str) -> None:
        self.folder = folder
        self.log_vkey = log_vkey
        self.verifier = NoteVerifier.from_vkey(vkey)
        self.child: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> WitnessProcess:
        command = [sys.executable, "-m", "commands.cli", "witness", "serve"]
        command += ["--name", WITNESS_NAME, "--key", str(self.folder / "witness.pem")]
        command += ["--state", str(self.folder / "state"), "--log", self.log_vkey, "--port", "0"]
        with (self.folder / "stderr.txt").open("a") as stderr:
            self.child = subprocess.Popen(
                command, cwd=ROOT, env=PLAIN, stdout=subprocess.PIPE, stderr=stderr, text=True
            )
        assert self.child.stdout is not None
        line = self.child.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), self.stderr()
        self.url = line.split()[-1]
        return self

    def stop(self) -> None:
        if self.child is not None and self.child.poll() is None:
            self.child.terminate()
            assert self.child.wait(timeout=10) == 0, self.stderr()
            assert self.stderr().endswith("witness stopped\n")
        if self.child is not None and self.child.stdout is not None:
            self.child.stdout.close()
        self.child = None

    def stderr(self) -> str:
        return (self.folder / "stderr.txt").read_text()

    def post(self, body: bytes) -> tuple[int, str, bytes]:
        request = urllib.request.Request(f"{self.url}/add-checkpoint", data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers["Content-Type"], error.read()


@pytest.fixture
def log() -> TestLog:
    return TestLog()


@pytest.fixture
def witness(tmp_path: Path, log: TestLog) -> Iterator[WitnessProcess]:
    made = _cli("witness", "init", "--name", WITNESS_NAME, "--key", str(tmp_path / "witness.pem"))
    assert made.returncode == 0, made.stderr
    process = WitnessProcess(tmp_path, log.verifier.vkey(), made.stdout.strip())
    yield process.start()
    process.stop()


def test_the_witness_process_cosigns_at_its_own_time_then_refuses_forks_across_restarts(
    witness: WitnessProcess, log: TestLog
) -> None:
    first = log.grow(4).checkpoint()
    before = int(time.time())
    lines = submit_checkpoint(witness.url, first, log.proof, witness=witness.verifier)
    after = int(time.time())
    assert before <= verify_cosignature(first + "".join(lines), witness.verifier) <= after

    extension = log.grow(9).checkpoint()
    assert witness.post(log.request(4, extension))[0] == 200

    same_size = TestLog().grow(6).grow(9, label="forked")
    status, content_type, body = witness.post(same_size.request(9))
    assert (status, content_type) == (409, "text/plain; charset=utf-8")
    assert b"fork" in body
    not_extending = TestLog().grow(6).grow(12, label="forked")
    assert witness.post(not_extending.request(9))[0] == 422

    refused = {same_size.checkpoint(), not_extending.checkpoint()}
    evidence = sorted((witness.folder / "state" / "evidence").iterdir())
    assert {(folder / "refused.note").read_text() for folder in evidence} == refused
    assert {(folder / "cosigned.note").read_text() for folder in evidence} == {extension}

    witness.stop()
    witness.start()
    assert witness.post(same_size.request(9))[0] == 409
    assert witness.post(not_extending.request(9))[0] == 422
    assert witness.post(log.grow(12).request(4)) == (409, "text/x.tlog.size", b"9\n")
    assert witness.post(log.request(9))[0] == 200


def test_a_stale_old_size_gets_409_with_the_size_and_the_client_retries_once(
    witness: WitnessProcess, log: TestLog
) -> None:
    assert witness.post(log.grow(5).request(0))[0] == 200
    assert witness.post(log.grow(8).request(3)) == (409, "text/x.tlog.size", b"5\n")
    asked: list[tuple[int, int]] = []

    def proof(old: int, new: int) -> list[bytes]:
        asked.append((old, new))
        return log.proof(old, new)

    note = log.grow(11).checkpoint()
    lines = submit_checkpoint(witness.url, note, proof, old_size=0, witness=witness.verifier)
    assert asked == [(5, 11)]
    verify_cosignature(note + "".join(lines), witness.verifier)


def test_a_checkpoint_signed_by_an_unknown_key_is_refused_with_403(
    witness: WitnessProcess,
) -> None:
    impostor = TestLog(key="impostor").grow(3)
    assert witness.post(impostor.request(0))[0] == 403
    with pytest.raises(WitnessError, match=r"refused \(403\): no signature .* log key"):
        submit_checkpoint(witness.url, impostor.checkpoint(), impostor.proof)


def test_the_client_names_a_fork_and_an_unreachable_witness(
    witness: WitnessProcess, log: TestLog
) -> None:
    submit_checkpoint(witness.url, log.grow(9).checkpoint(), log.proof)
    fork = TestLog().grow(9, label="forked")
    with pytest.raises(WitnessError, match=r"\(409\): it cosigned another checkpoint") as refused:
        submit_checkpoint(witness.url, fork.checkpoint(), fork.proof, old_size=9)
    assert refused.value.status == 409
    not_extending = TestLog().grow(12, label="forked")
    with pytest.raises(WitnessError, match=r"\(422\): the consistency proof does not verify"):
        submit_checkpoint(witness.url, not_extending.checkpoint(), not_extending.proof)
    url = witness.url
    witness.stop()
    with pytest.raises(WitnessError, match="cannot reach it") as unreached:
        submit_checkpoint(url, log.checkpoint(), log.proof, timeout=2)
    assert unreached.value.status == 0


def test_the_witness_refuses_a_shorter_checkpoint_than_it_cosigned(
    witness: WitnessProcess, log: TestLog
) -> None:
    early = log.grow(4).checkpoint()
    submit_checkpoint(witness.url, log.grow(9).checkpoint(), log.proof)
    with pytest.raises(WitnessError, match="last cosigned size 9, beyond this checkpoint's 4"):
        submit_checkpoint(witness.url, early, log.proof)


def test_serve_with_a_bad_log_key_or_a_missing_key_file_exits_2_with_one_line(
    tmp_path: Path, log: TestLog
) -> None:
    made = _cli("witness", "init", "--name", WITNESS_NAME, "--key", str(tmp_path / "k.pem"))
    assert "is not encrypted" in made.stderr
    common = ["witness", "serve", "--name", WITNESS_NAME, "--state", str(tmp_path / "s")]
    bad_log = _cli(*common, "--key", str(tmp_path / "k.pem"), "--log", "not+a+vkey")
    no_key = _cli(*common, "--key", str(tmp_path / "nope.pem"), "--log", log.verifier.vkey())
    for result, message in ((bad_log, "vkey key id"), (no_key, "cannot read key file")):
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1
        assert message in result.stderr


def test_an_encrypted_witness_key_needs_the_passphrase(tmp_path: Path) -> None:
    env = {**os.environ, "BIDLEDGER_KEY_PASSPHRASE": "correct horse"}
    key = str(tmp_path / "k.pem")
    made = _cli("witness", "init", "--name", WITNESS_NAME, "--key", key, env=env)
    assert made.returncode == 0
    assert made.stderr == ""
    assert (tmp_path / "k.pem").read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert _cli("witness", "vkey", "--name", WITNESS_NAME, "--key", key, env=env).stdout == (
        made.stdout
    )
    refused = _cli("witness", "vkey", "--name", WITNESS_NAME, "--key", key)
    assert (refused.returncode, refused.stderr) == (
        2,
        f"error: key file {key} is encrypted: set BIDLEDGER_KEY_PASSPHRASE\n",
    )
