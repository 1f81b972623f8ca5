"""``bidledger serve`` as its own process on the machine's clock, with key files only."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import cast

import pytest

from commands.http import LedgerClient, submit_signed_http
from commands.messages import RegisterParty
from commands.service import LedgerService
from commands.world import World
from ledger.clock import FixedClock, SystemClock
from ledger.crypto.signing import Signer
from ledger.keyfile import save_ed25519_key
from ledger.notes import NoteSigner, open_checkpoint
from ledger.policy import parse_policy
from tests.support.http import OverHttp

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "BIDLEDGER_KEY_PASSPHRASE": "a passphrase for the test"}
ORIGIN = "bidledger.example/serve-test"


class Serving:
    """The child process and what it printed."""

    def __init__(self, folder: Path, *extra: str) -> None:
        command = [sys.executable, "-m", "commands.cli", "serve", "--port", "0"]
        command += ["--db", f"sqlite:///{folder / 'ledger.db'}", *extra]
        self.stderr = folder / "stderr.txt"
        with self.stderr.open("w") as stderr:
            self.child = subprocess.Popen(
                command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=stderr, text=True
            )
        assert self.child.stdout is not None
        self.line = self.child.stdout.readline()

    def stop(self) -> int:
        if self.child.poll() is None:
            self.child.terminate()
        code = self.child.wait(timeout=20)
        assert self.child.stdout is not None
        self.child.stdout.close()
        return code


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Signer, NoteSigner]:
    receipt, log = secrets.token_bytes(32), secrets.token_bytes(32)
    passphrase = ENV["BIDLEDGER_KEY_PASSPHRASE"].encode()
    save_ed25519_key(tmp_path / "receipt.pem", receipt, passphrase=passphrase)
    save_ed25519_key(tmp_path / "log.pem", log, passphrase=passphrase)
    return Signer.from_seed(receipt), NoteSigner(ORIGIN, log)


@pytest.fixture
def serving(tmp_path: Path, keys: tuple[Signer, NoteSigner]) -> Iterator[Serving]:
    options = ["--receipt-key", str(tmp_path / "receipt.pem"), "--platform-id", "platform"]
    options += ["--log-key", str(tmp_path / "log.pem"), "--log-origin", ORIGIN]
    serving = Serving(tmp_path, *options)
    yield serving
    serving.stop()


def test_serve_prints_its_address_takes_commands_and_stops_on_sigterm(
    serving: Serving, keys: tuple[Signer, NoteSigner]
) -> None:
    assert serving.line.startswith("listening on http://127.0.0.1:"), serving.stderr.read_text()
    url = serving.line.split()[-1]
    receipt, log = keys
    start = SystemClock().now().replace(microsecond=0) + timedelta(seconds=2)
    client = LedgerClient(url)
    world = World(cast(LedgerService, OverHttp(client, receipt.public_key)), FixedClock(start))
    world.establish()
    world.register("platform", "平台", ("platform",))
    world.register_receipt_key("platform")
    world.register_note_key("platform", log, ("platform",))
    while SystemClock().now() < start:  # the keys are valid from then on
        time.sleep(0.1)
    platform = world.parties["platform"].as_role("platform")
    note = client.signed("POST", platform, "/log/checkpoint").text
    open_checkpoint(note, log.verifier())
    assert client.text("/log/checkpoint") == note
    assert parse_policy(client.text("/policy")).log_origin == ORIGIN
    signed = world.authority.as_role("authority").sign(RegisterParty("acme", "甲公司", ("bidder",)))
    outcome = submit_signed_http(signed, url)
    assert outcome["command"] == "RegisterParty"
    assert submit_signed_http(signed, url)["replayed"] is True
    client.close()
    assert serving.stop() == 0
    assert serving.stderr.read_text().endswith("server stopped\n")


def test_a_second_server_on_a_taken_port_says_so_in_one_line(
    serving: Serving, tmp_path: Path
) -> None:
    port = serving.line.rsplit(":", 1)[-1].strip()
    other = tmp_path / "other"
    other.mkdir()
    second = subprocess.run(
        [
            sys.executable,
            "-m",
            "commands.cli",
            "serve",
            "--port",
            port,
            "--db",
            f"sqlite:///{other}/l.db",
        ],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert second.returncode == 2
    assert second.stderr.startswith("error: cannot listen on 127.0.0.1:")
    assert len(second.stderr.splitlines()) == 1
