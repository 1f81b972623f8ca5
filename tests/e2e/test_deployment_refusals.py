"""What a deployment refuses on the command line: a second init, a clock set in production, a
clock set back, a malformed command before it is signed, a forged or wrongly signed command;
and a retried command that returns its first result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.deployment import CliDeployment, Run

AT = "2020-12-21 09:00"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliDeployment:
    """A rehearsal ledger with one agency registered."""
    deployment = CliDeployment(tmp_path, monkeypatch)
    years = ("--calendar-year", "2020", "--calendar-year", "2021")
    deployment.ok("init", *deployment.ledger(), "--rehearsal", *years, at="2020-12-20 09:00")
    deployment.enrol("agency-a", "代理机构甲", ("agency",), AT)
    return deployment


def _one_line(run: Run, code: int) -> str:
    err = run.err
    assert run.code == code, err + run.out
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert "unexpected" not in err
    return str(err.strip())


def test_init_refuses_a_database_that_holds_a_ledger(cli: CliDeployment) -> None:
    again = cli.run("init", "--db", cli.db, "--keys", str(cli.folder / "other"), "--rehearsal")
    assert "already holds a ledger" in _one_line(again, 2)
    assert not (cli.folder / "other").exists()


def test_init_refuses_a_folder_as_database(cli: CliDeployment) -> None:
    folder = cli.folder / "a-folder"
    folder.mkdir()
    run = cli.run(
        "init", "--db", f"sqlite:///{folder}", "--keys", str(cli.folder / "k2"), "--rehearsal"
    )
    assert "is a directory" in _one_line(run, 2)


def test_init_refuses_a_set_clock_without_rehearsal(
    cli: CliDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BIDLEDGER_CLOCK", "2020-12-20T09:00:00+08:00")
    db = f"sqlite:///{cli.folder / 'production.db'}"
    run = cli.run("init", "--db", db, "--keys", str(cli.folder / "production-keys"))
    assert "add --rehearsal" in _one_line(run, 2)
    assert not (cli.folder / "production.db").exists()


def test_a_production_ledger_refuses_a_set_clock(
    cli: CliDeployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BIDLEDGER_CLOCK", raising=False)
    db = f"sqlite:///{cli.folder / 'production.db'}"
    keys = str(cli.folder / "production-keys")
    cli.ok("init", "--db", db, "--keys", keys, "--calendar-year", "2020")
    monkeypatch.setenv("BIDLEDGER_CLOCK", "2030-01-01T09:00:00+08:00")
    run = cli.run("register", "party", "someone", "--name", "某", "--role", "bidder", "--db", db,
                  "--keys", keys)  # fmt: skip
    assert "for tests and rehearsals only" in _one_line(run, 2)
    monkeypatch.delenv("BIDLEDGER_CLOCK")
    verified = cli.ok("verify", "--db", db, "--json").json()
    assert (verified["events"], verified["rehearsal"]) == (6, None)  # genesis … log key


def test_a_rehearsal_clock_cannot_go_back(cli: CliDeployment) -> None:
    run = cli.run("register", "party", "late-comer", "--name", "迟", "--role", "bidder",
                  *cli.ledger(), at="2020-12-20 08:00")  # fmt: skip
    line = _one_line(run, 3)
    assert line.startswith("refused: RegisterParty")
    assert "by T6" in line
    assert "[CLOCK_BACKWARDS]" in line


def test_verify_says_a_rehearsal_ledger_proves_no_time(cli: CliDeployment) -> None:
    printed = cli.ok("verify", "--db", cli.db).out
    assert "a REHEARSAL ledger" in printed


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"command": "BribeOfficial", "args": {}}, "unknown command 'BribeOfficial'"),
        (
            {"command": "CheckIn", "tender": "T-1", "args": {}},
            "CheckIn.args: field 'lot' is missing",
        ),
        ({"command": "CheckIn", "args": {"lot": "1"}}, "CheckIn acts on a tender"),
        ({"command": "CheckIn", "tender": "T-1", "args": {"lot": 1}}, "must be a string"),
        (
            {"command": "RevokeKey", "tender": "T-1", "args": {"key_id": "k", "reason": "r"}},
            "RevokeKey is a registry command",
        ),
        (
            {"command": "CheckIn", "tender": "T-1", "args": {"lot": "1"}, "x": 1},
            "unknown field 'x'",
        ),
    ],
)
def test_a_malformed_command_is_refused_before_it_is_signed(
    cli: CliDeployment, body: dict[str, object], named: str
) -> None:
    path = cli.commands / "bad.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    output = cli.commands / "bad.signed.json"
    run = cli.run("sign", str(path), "--key", cli.key("agency-a"), "-o", str(output))
    assert named in _one_line(run, 2)
    assert not output.exists()


def test_a_retried_command_returns_its_first_result(cli: CliDeployment) -> None:
    path = cli.command_file("RevokeKey", {"key_id": "ed25519:none", "reason": "r"}, None)
    signed = cli.commands / "revoke.signed.json"
    cli.ok("sign", str(path), "--key", str(cli.keys / "registration-authority.sign.key"),
           "-o", str(signed))  # fmt: skip
    first = cli.run("submit", str(signed), "--json", *cli.ledger(), at=AT)
    assert "is not registered" in _one_line(first, 2)  # an input error: nothing kept
    notice = cli.command_file(
        "RegisterParty", {"party": "p-1", "name": "甲", "roles": ["bidder"]}, None
    )
    signed = cli.commands / "party.signed.json"
    authority = str(cli.keys / "registration-authority.sign.key")
    cli.ok("sign", str(notice), "--key", authority, "-o", str(signed))
    once = cli.ok("submit", str(signed), "--json", *cli.ledger(), at=AT).json()
    twice = cli.ok("submit", str(signed), "--json", *cli.ledger(), at=AT).json()
    assert (once["replayed"], twice["replayed"]) == (False, True)
    assert twice["event_hash"] == once["event_hash"]
    assert twice["leaf"] == once["leaf"]


def test_a_forged_or_wrongly_signed_command_is_refused_by_s1_or_s2(cli: CliDeployment) -> None:
    path = cli.command_file(
        "RegisterParty", {"party": "p-2", "name": "乙", "roles": ["bidder"]}, None
    )
    by_agency = cli.commands / "by-agency.json"
    cli.ok("sign", str(path), "--key", cli.key("agency-a"), "--actor", "agency-a",
           "--role", "authority", "-o", str(by_agency))  # fmt: skip
    refused = cli.run("submit", str(by_agency), "--json", *cli.ledger(), at=AT)
    assert refused.code == 3
    assert refused.json()["refusal"]["rule"] == "REGISTRATION_AUTHORITY_ONLY"
    genuine = cli.commands / "genuine.json"
    authority = str(cli.keys / "registration-authority.sign.key")
    cli.ok("sign", str(path), "--key", authority, "-o", str(genuine))
    forged = json.loads(genuine.read_text(encoding="utf-8"))
    forged["args"]["roles"] = ["bidder", "agency"]
    genuine.write_text(json.dumps(forged), encoding="utf-8")
    refused = cli.run("submit", str(genuine), "--json", *cli.ledger(), at=AT)
    assert refused.code == 3
    assert refused.json()["refusal"]["clause"] == "S1"
