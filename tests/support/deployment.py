"""A deployment driven through ``bidledger`` alone: key files, command files, the CLI's answers.

Each call runs :func:`commands.cli.main` in this process with ``BIDLEDGER_CLOCK`` set to the
step's moment (the ledger is founded as a rehearsal) and returns the exit code and output.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from commands.cli import main

PASSPHRASE = "correct horse battery staple"


@dataclass(frozen=True)
class Run:
    """One command line's exit code and output."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class CliDeployment:
    """A ledger, its key store and the parties' own key folder, on files under ``folder``."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.db = f"sqlite:///{folder / 'ledger.db'}"
        self.keys = folder / "platform-keys"  # the deployment's (authority, platform)
        self.parties = folder / "party-keys"  # each party's own keys (one folder for brevity)
        self.commands = folder / "commands"
        self.commands.mkdir()
        self._monkeypatch = monkeypatch
        self._count = 0
        monkeypatch.setenv("BIDLEDGER_KEY_PASSPHRASE", PASSPHRASE)

    def run(self, *args: str, at: str | None = None) -> Run:
        """``bidledger ARGS`` at Beijing time ``at`` (``YYYY-MM-DD HH:MM``)."""
        if at is not None:
            moment = at.replace(" ", "T") + ":00+08:00"
            self._monkeypatch.setenv("BIDLEDGER_CLOCK", moment)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
        return Run(code, out.getvalue(), err.getvalue())

    def ok(self, *args: str, at: str | None = None) -> Run:
        """``run``, which must exit 0."""
        result = self.run(*args, at=at)
        assert result.code == 0, f"bidledger {' '.join(args)}: {result.err}{result.out}"
        return result

    def ledger(self) -> tuple[str, ...]:
        return ("--db", self.db, "--keys", str(self.keys))

    def key(self, party: str, purpose: str = "sign") -> str:
        return str(self.parties / f"{party}.{purpose}.key")

    def public_hex(self, party: str, purpose: str) -> str:
        from ledger.keyfile import load_public_key

        return load_public_key(self.parties / f"{party}.{purpose}.pub")[1].hex()

    def enrol(
        self, party: str, name: str, roles: tuple[str, ...], at: str, *, encryption: bool = False
    ) -> None:
        """keygen, then the authority registers the party and its key(s)."""
        keygen = ["keygen", "--party", party, "--keys", str(self.parties)]
        self.ok(*keygen, *(["--encryption"] if encryption else []))
        role_options = [item for role in roles for item in ("--role", role)]
        self.ok("register", "party", party, "--name", name, *role_options, *self.ledger(), at=at)
        purposes = ("sign", "encrypt") if encryption else ("sign",)
        for purpose in purposes:
            public = str(self.parties / f"{party}.{purpose}.pub")
            self.ok("register", "key", party, "--public-key", public, *self.ledger(), at=at)

    def command_file(self, command: str, args: dict[str, Any], tender: str | None) -> Path:
        """Write a command file (docs/commands.md) and return its path."""
        self._count += 1
        body: dict[str, Any] = {"command": command, "args": args}
        if tender is not None:
            body["tender"] = tender
        path = self.commands / f"{self._count:03d}-{command}.json"
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        return path

    def act(
        self, party: str, command: str, args: dict[str, Any], at: str, tender: str | None = None
    ) -> Run:
        """``party`` signs the command with its key file; the platform submits it."""
        return self.submit(party, self.command_file(command, args, tender), at)

    def submit(self, party: str, command_file: Path, at: str) -> Run:
        signed = command_file.with_suffix(".signed.json")
        self.ok("sign", str(command_file), "--key", self.key(party), "-o", str(signed))
        return self.run("submit", str(signed), "--json", *self.ledger(), at=at)
