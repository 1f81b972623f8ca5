"""A deployment whose trust policy requires a witness run by another party as its own process.

``init --witness VKEY --witness-url URL`` registers the witness and writes a policy that
requires its cosignature; the witness learns the log's key from ``init``'s output. Until it
cosigns, ``verify --policy`` fails; a checkpoint the platform issues once it is configured
(``checkpoint --issue``) carries its cosignature, and the policy holds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ledger.notes import NoteVerifier, parse_note
from tests.integration.test_witness_process import PLAIN, ROOT, _cli
from tests.support.deployment import CliDeployment
from tests.support.witnessing import WITNESS_NAME, TestLog


class _Witness:
    """``bidledger witness serve`` for one log, on a given port (0: any free one)."""

    def __init__(self, folder: Path, log_vkey: str, port: int = 0) -> None:
        command = [sys.executable, "-m", "commands.cli", "witness", "serve", "--name"]
        command += [WITNESS_NAME, "--key", str(folder / "witness.pem"), "--state"]
        command += [str(folder / "state"), "--log", log_vkey, "--port", str(port)]
        self.child = subprocess.Popen(
            command, cwd=ROOT, env=PLAIN, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.child.stdout is not None
        line = self.child.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        self.url = line.split()[-1]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        self.child.terminate()
        self.child.wait(timeout=10)
        for stream in (self.child.stdout, self.child.stderr):
            if stream is not None:
                stream.close()


def test_a_policy_that_requires_a_witness_holds_once_the_witness_cosigns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _cli("witness", "init", "--name", WITNESS_NAME, "--key", str(tmp_path / "witness.pem"))
    assert made.returncode == 0, made.stderr
    vkey = made.stdout.strip()
    stand_in = _Witness(tmp_path, TestLog().verifier.vkey())  # only to learn a free port
    url, port = stand_in.url, stand_in.port
    stand_in.stop()
    (tmp_path / "deployment").mkdir()
    cli = CliDeployment(tmp_path / "deployment", monkeypatch)
    founded = cli.run(
        "init", *cli.ledger(), "--rehearsal", "--calendar-year", "2020",
        "--witness", vkey, "--witness-url", url, at="2020-12-20 09:00",
    )  # fmt: skip
    assert founded.code == 0, founded.err
    assert "warning: the first checkpoint is not cosigned by" in founded.err
    policy = cli.keys / "policy.txt"
    assert f"witness {WITNESS_NAME} {vkey}" in policy.read_text(encoding="utf-8")
    unwitnessed = cli.run("verify", "--db", cli.db, "--policy", str(policy))
    assert unwitnessed.code == 1
    assert "witness cosignature(s) the policy needs" in unwitnessed.err

    log_vkey = (cli.keys / "platform.log.vkey").read_text(encoding="utf-8").strip()
    assert f"log key (give it to each witness): {log_vkey}" in founded.out
    witness = _Witness(tmp_path, log_vkey, port)
    try:
        issued = cli.ok("checkpoint", "--issue", *cli.ledger(), at="2020-12-20 09:05")
    finally:
        witness.stop()
    signers = {signature.name for signature in parse_note(issued.out)[1]}
    assert signers == {"bidledger.local/platform", NoteVerifier.from_vkey(vkey).name}
    verified = cli.run("verify", "--db", cli.db, "--policy", str(policy))
    assert verified.code == 0, verified.err
    assert "1 of 1 witness(es) cosign what it requires" in verified.out
