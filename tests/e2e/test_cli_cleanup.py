"""The command line as a new user meets it: plain help, one-line database errors, a tender id
where a code is taken, verify's JSON and progress, one numbering for a place in the log."""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from commands import seed
from commands.cli import _parser
from ledger.procedure.state import tender_stream
from tests.support.cli import DemoFiles, run_main

MARKUP = ("``", ":class:", ":func:", ":mod:", ":data:")


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_no_help_text_carries_markup() -> None:
    parsers = list(_parsers(_parser()))
    assert len(parsers) > 30  # every command and sub-command, not just the top
    for parser in parsers:
        text = parser.format_help()
        assert not [m for m in MARKUP if m in text], f"{parser.prog}: {text}"


def test_the_offline_bundle_verifier_help_carries_no_markup(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ledger.bundle.__main__ import main as bundle_main

    with pytest.raises(SystemExit):
        bundle_main(["--help"])
    text = capsys.readouterr().out
    assert "python -m ledger.bundle FILE" in text
    assert not [m for m in MARKUP if m in text]


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_postgresql_url_means_the_installed_driver(
    scheme: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{scheme}://nobody@127.0.0.1:1/nothing"
    line = run_main(capsys, "verify", "--db", url).refused()
    assert "psycopg2" not in line
    assert "127.0.0.1" in line  # the server was tried, with the driver that is installed


def test_export_takes_a_tender_id_as_well_as_a_project_code(
    demo_files: DemoFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{demo_files.database}"
    by_id, by_code = tmp_path / "by-id.json", tmp_path / "by-code.json"
    stream = str(tender_stream(seed.CODE))
    assert run_main(capsys, "export", stream, "-o", str(by_id), "--db", db).code == 0
    assert run_main(capsys, "export", seed.CODE, "-o", str(by_code), "--db", db).code == 0
    assert json.loads(by_id.read_text())["tender"] == {"code": seed.CODE, "stream": stream}
    assert by_id.read_bytes() == by_code.read_bytes()
    missing = "00000000-0000-0000-0000-000000000000"
    line = run_main(capsys, "export", missing, "-o", str(by_id), "--db", db).refused()
    assert line == f"error: no tender with id {missing} in this database"


def test_verify_json_names_the_failing_leaf(
    demo_files: DemoFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "tampered.db"
    shutil.copy(demo_files.database, copy)
    with sqlite3.connect(copy) as connection:
        (row,) = connection.execute(
            "SELECT id FROM application_events WHERE topic LIKE '%BidSubmitted' ORDER BY id"
        ).fetchone()
        leaf = connection.execute(
            "SELECT count(*) FROM application_events WHERE id < ?", (row,)
        ).fetchone()[0]
        connection.execute(
            "UPDATE application_events SET state = replace(state, 'bidder', 'bidded') WHERE id = ?",
            (row,),
        )
    run = run_main(capsys, "verify", "--json", "--db", f"sqlite:///{copy}")
    assert run.code == 1
    answer = json.loads(run.out)
    assert answer["verified"] is False
    assert answer["where"].startswith(f"leaf {leaf} (stream ")


def test_verify_json_summarises_what_holds_and_shows_progress_when_asked(
    demo_files: DemoFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{demo_files.database}"
    run = run_main(capsys, "verify", "--json", "--progress", "--db", db)
    assert run.code == 0, run.err
    answer = json.loads(run.out)
    assert answer["verified"] is True
    assert answer["merkle"]["size"] == answer["events"]
    assert answer["rehearsal"] is None
    assert f"verify [{'#' * 30}] {answer['events']}/{answer['events']}" in run.err
    quiet = run_main(capsys, "verify", "--db", db)  # stderr is no terminal here: no progress
    assert quiet.code == 0
    assert quiet.err == ""


def test_the_audit_numbers_events_by_their_leaf_as_prove_takes_it(
    demo_files: DemoFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{demo_files.database}"
    audit = json.loads(run_main(capsys, "audit", seed.CODE, "--json", "--db", db).out)
    published = audit["events"][0]
    assert "position" not in published
    proof = json.loads(run_main(capsys, "prove", str(published["leaf"]), "--json", "--db", db).out)
    assert proof["leaf_index"] == published["leaf"]
    assert proof["leaf_hash"]
    table = run_main(capsys, "audit", seed.CODE, "--db", db).out
    header = next(line for line in table.splitlines() if line.lstrip().startswith("v "))
    assert header.split()[:3] == ["v", "leaf", "time"]


def test_an_error_of_the_database_itself_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from eventsourcing.persistence import OperationalError

    from commands.cli import _run

    def refused(options: argparse.Namespace) -> int:
        raise OperationalError("attempt to write a readonly database\n[SQL: INSERT ...]")

    assert _run(argparse.Namespace(run=refused)) == 2
    assert capsys.readouterr().err == "error: the database: attempt to write a readonly database\n"


def test_the_demo_refuses_a_database_that_holds_another_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BIDLEDGER_KEY_PASSPHRASE", "x")
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    run_main(
        capsys, "init", "--db", db, "--keys", str(tmp_path / "keys"), "--calendar-year", "2020"
    )
    line = run_main(capsys, "demo", "--db", db).refused()
    assert line.endswith("already holds a ledger: the demo founds its own; give it a fresh --db")
