"""A deployment made by ``bidledger init``, served by ``bidledger serve --keys``, and commands
signed on the parties' side submitted with ``bidledger submit --url``: accepted, retried,
refused by a rule (exit 3); the ledger still verifies against its deployment policy."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.deployment import PASSPHRASE, CliDeployment

ROOT = Path(__file__).resolve().parents[2]
AT = "2020-12-21 09:00"


class Server:
    """``bidledger serve --keys`` in its own process on the rehearsal clock ``AT``."""

    def __init__(self, cli: CliDeployment) -> None:
        env = {**os.environ, "BIDLEDGER_KEY_PASSPHRASE": PASSPHRASE}
        env["BIDLEDGER_CLOCK"] = AT.replace(" ", "T") + ":00+08:00"
        command = [sys.executable, "-m", "commands.cli", "serve", "--port", "0"]
        command += ["--db", cli.db, "--keys", str(cli.keys)]
        self.stderr = cli.folder / "serve-stderr.txt"
        with self.stderr.open("w") as stderr:
            self.child = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
            )
        assert self.child.stdout is not None
        line = self.child.stdout.readline()
        assert line.startswith("listening on http://"), line + self.stderr.read_text()
        self.url = line.split()[-1]

    def stop(self) -> int:
        self.child.terminate()
        code = self.child.wait(timeout=20)
        assert self.child.stdout is not None
        self.child.stdout.close()
        return code


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliDeployment:
    deployment = CliDeployment(tmp_path, monkeypatch)
    years = ("--calendar-year", "2020", "--calendar-year", "2021")
    deployment.ok("init", *deployment.ledger(), "--rehearsal", *years, at="2020-12-20 09:00")
    return deployment


@pytest.fixture
def server(cli: CliDeployment) -> Iterator[Server]:
    serving = Server(cli)
    yield serving
    if serving.child.poll() is None:
        serving.stop()


def _signed(cli: CliDeployment, party: str, key: str, *extra: str) -> Path:
    path = cli.command_file(
        "RegisterParty", {"party": party, "name": "甲", "roles": ["bidder"]}, None
    )
    signed = path.with_suffix(".signed.json")
    cli.ok("sign", str(path), "--key", key, *extra, "-o", str(signed))
    return signed


def test_commands_submitted_over_http_are_kept_retried_and_refused(
    cli: CliDeployment, server: Server
) -> None:
    authority = str(cli.keys / "registration-authority.sign.key")
    signed = _signed(cli, "bidder-1", authority)
    once = cli.ok("submit", str(signed), "--url", server.url, "--json").json()
    twice = cli.ok("submit", str(signed), "--url", server.url, "--json").json()
    assert (once["accepted"], once["replayed"], twice["replayed"]) == (True, False, True)
    assert twice["event_hash"] == once["event_hash"]

    cli.ok("keygen", "--party", "bidder-1", "--keys", str(cli.parties))
    by_bidder = _signed(cli, "bidder-2", cli.key("bidder-1"), "--actor", "bidder-1",
                        "--role", "authority")  # fmt: skip
    refused = cli.run("submit", str(by_bidder), "--url", server.url, "--json")
    assert refused.code == 3, refused.err + refused.out
    assert refused.json()["refusal"]["rule"] == "REGISTRATION_AUTHORITY_ONLY"

    assert server.stop() == 0
    report = cli.run("verify", "--db", cli.db, "--policy", str(cli.keys / "policy.txt"))
    assert report.code == 0, report.out + report.err
    assert "read models agree with a rebuild from the log: tender_state" in report.out


def test_submit_takes_a_url_or_a_ledger_not_both(cli: CliDeployment) -> None:
    authority = str(cli.keys / "registration-authority.sign.key")
    signed = _signed(cli, "bidder-1", authority)
    run = cli.run("submit", str(signed), "--url", "http://127.0.0.1:9", *cli.ledger())
    assert run.code == 2
    assert "not both" in run.err
