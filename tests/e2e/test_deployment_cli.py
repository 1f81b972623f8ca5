"""A whole tender through the command line alone, with key files only.

``init`` founds a rehearsal ledger; each party makes its own keys (``keygen``) and the
authority registers it (``register``); every step of the tender is a command file the party
signs with its key file (``sign``) and the platform submits (``submit``); bids are checked,
sealed to the officials the notice names and submitted in one step (``submit-bid``); the
officials unwrap their key shares on their own side (``key-shares``). Then ``verify
--policy`` holds. The clock is ``BIDLEDGER_CLOCK``: the ledger was founded as a rehearsal.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.support.deployment import CliDeployment

CODE = "E2E-2021-01"
AGENCY, PURCHASER = "city-procurement-centre", "city-school-office"
OFFICIALS = ("official-a", "official-b", "official-c")  # official-a is also the regulator
BIDDERS = ("bidder-1", "bidder-2", "bidder-3", "bidder-4")
EXPERTS = ("expert-1", "expert-2", "expert-3", "expert-4", "expert-5")  # the committee
PRICES = {
    "bidder-1": ("398000.00", "叁拾玖万捌仟元整"),
    "bidder-2": ("421500.00", "肆拾贰万壹仟伍佰元整"),
    "bidder-3": ("465430.00", "肆拾陆万伍仟肆佰叁拾元整"),
    "bidder-4": ("334860.00", "叁拾叁万肆仟捌佰陆拾元整"),
}
SCORES = {"bidder-1": "25.00", "bidder-2": "24.00", "bidder-3": "23.00", "bidder-4": "27.00"}


@pytest.fixture(scope="module")
def tender(tmp_path_factory: pytest.TempPathFactory) -> CliDeployment:
    """The tender acted out from init to award through the CLI (once for the module)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        cli = CliDeployment(tmp_path_factory.mktemp("deployment"), monkeypatch)
        _found_and_register(cli)
        _publish(cli)
        _bid(cli)
        _open(cli)
        _evaluate(cli)
        _award(cli)
        yield cli


def _found_and_register(cli: CliDeployment) -> None:
    cli.ok(
        "init",
        "--db",
        cli.db,
        "--keys",
        str(cli.keys),
        "--rehearsal",
        "--platform",
        "city-platform",
        "--platform-name",
        "市公共资源交易平台",
        "--calendar-year",
        "2020",
        "--calendar-year",
        "2021",
        at="2020-12-20 09:00",
    )
    at = "2020-12-21 09:00"
    cli.enrol(AGENCY, "市政府采购中心", ("agency",), at)
    cli.enrol(PURCHASER, "市学校后勤办公室", ("purchaser",), at)
    cli.enrol(OFFICIALS[0], "市财政局", ("regulator", "official"), at, encryption=True)
    for official in OFFICIALS[1:]:
        cli.enrol(official, f"开标人员{official[-1].upper()}", ("official",), at, encryption=True)
    for bidder in BIDDERS:
        cli.enrol(bidder, f"供应商{bidder[-1]}", ("bidder",), at)
    for expert in EXPERTS:
        cli.enrol(expert, f"评审专家{expert[-1]}", ("evaluator",), at)


def _publish(cli: CliDeployment) -> None:
    officials = [
        {"party": party, "encryption_key": cli.public_hex(party, "encrypt")} for party in OFFICIALS
    ]
    notice = {
        "code": CODE,
        "name": "学校食堂设备采购",
        "plan": "PLAN-2020-001",
        "purchaser": PURCHASER,
        "regulator": OFFICIALS[0],
        "lots": [{"lot": "1", "name": "食堂设备", "budget": "500000.00", "ceiling": "500000.00"}],
        "timetable": {
            "documents_from": "2020-12-26T08:30:00+08:00",
            "documents_until": "2021-01-15T09:30:00+08:00",
            "questions_until": "2021-01-07T17:30:00+08:00",
            "deadline": "2021-01-15T09:30:00+08:00",
            "decryption_minutes": 30,
        },
        "opening": {"officials": officials, "threshold": 2},
    }
    _accepted(cli.act(AGENCY, "PublishTender", notice, "2020-12-25 09:00"))
    for minute, bidder in enumerate(BIDDERS):
        _accepted(cli.act(bidder, "ObtainDocuments", {}, f"2020-12-28 09:{minute:02d}", CODE))


def _bid(cli: CliDeployment) -> None:
    for hour, bidder in enumerate(BIDDERS):
        document = cli.folder / f"{bidder}-bid.json"
        document.write_text(json.dumps(_document(bidder), ensure_ascii=False), encoding="utf-8")
        receipt = cli.folder / f"{bidder}-receipt.json"
        submitted = cli.run(
            "submit-bid",
            str(document),
            "--tender",
            CODE,
            "--lot",
            "1",
            "--key",
            cli.key(bidder),
            "--receipt",
            str(receipt),
            "--json",
            *cli.ledger(),
            at=f"2021-01-13 {9 + hour:02d}:00",
        )
        answer = _accepted(submitted)
        assert (answer["event"], answer["version"], answer["leaf"]) == ("BidSubmitted", None, None)
        assert json.loads(receipt.read_text("utf-8"))["bidder"] == bidder
    for minute, bidder in enumerate(BIDDERS):
        _accepted(cli.act(bidder, "CheckIn", {"lot": "1"}, f"2021-01-15 09:{minute:02d}", CODE))


def _document(bidder: str) -> dict[str, Any]:
    figures, capital = PRICES[bidder]
    return {
        "v": "bidledger/bid-document/v1",
        "lot": "1",
        "bidder": bidder,
        "total_figures": figures,
        "total_capital": capital,
        "lines": [],
        "brand": f"品牌{bidder[-1]}",
        "small_or_micro": False,
        "consortium_sme_share": None,
        "business": "交货期30日",
        "technical": "满足全部技术参数",
    }


def _open(cli: CliDeployment) -> None:
    _accepted(cli.act(AGENCY, "StartOpening", {}, "2021-01-15 09:30", CODE))
    for minute, bidder in enumerate(BIDDERS):
        at = f"2021-01-15 09:{35 + minute:02d}"
        _accepted(cli.act(bidder, "AuthoriseDecryption", {"lot": "1"}, at, CODE))
    _accepted(cli.act(AGENCY, "CloseDecryption", {}, "2021-01-15 10:01", CODE))
    for minute, official in enumerate(OFFICIALS[:2]):
        shares = cli.commands / f"shares-{official}.json"
        cli.ok(
            "key-shares",
            "--tender",
            CODE,
            "--key",
            cli.key(official, "encrypt"),
            "--db",
            cli.db,
            "-o",
            str(shares),
        )
        _accepted(cli.submit(official, shares, f"2021-01-15 10:{2 + minute:02d}"))
    _accepted(cli.act(AGENCY, "RevealBids", {}, "2021-01-15 10:05", CODE))


def _evaluate(cli: CliDeployment) -> None:
    qualified = [{"bidder": b, "qualified": True} for b in BIDDERS]
    _accepted(
        cli.act(
            PURCHASER,
            "RecordQualification",
            {"lot": "1", "results": qualified},
            "2021-01-15 10:30",
            CODE,
        )
    )
    kinds = ["purchaser_representative", *["expert"] * 4]  # the notice's default make-up
    members = [{"party": party, "kind": kind} for party, kind in zip(EXPERTS, kinds, strict=True)]
    _accepted(cli.act(AGENCY, "FormCommittee", {"members": members}, "2021-01-15 10:40", CODE))
    conforming = {"lot": "1", "results": [{"bidder": b, "conforming": True} for b in BIDDERS]}
    for minute, expert in enumerate(EXPERTS[:3]):  # a majority of the committee signs it
        at = f"2021-01-15 11:{minute:02d}"
        _accepted(cli.act(expert, "RecordConformity", conforming, at, CODE))
    for minute, expert in enumerate(EXPERTS):
        sheets = [{"bidder": b, "business": SCORES[b], "technical": "35.00"} for b in BIDDERS]
        at = f"2021-01-15 14:{minute:02d}"
        _accepted(cli.act(expert, "SubmitScores", {"lot": "1", "scores": sheets}, at, CODE))
    final = _accepted(cli.act(AGENCY, "FinaliseEvaluation", {"lot": "1"}, "2021-01-15 14:30", CODE))
    digest = final["facts"]["report_digest"]
    for minute, expert in enumerate(EXPERTS):
        signed = {"lot": "1", "report_digest": digest}
        _accepted(cli.act(expert, "SignReport", signed, f"2021-01-15 14:{35 + minute:02d}", CODE))


def _award(cli: CliDeployment) -> None:
    award = {"lot": "1", "bidder": "bidder-4"}
    _accepted(cli.act(PURCHASER, "AwardLot", award, "2021-01-18 10:00", CODE))
    _accepted(cli.act(AGENCY, "PublishAwardNotice", {"lot": "1"}, "2021-01-18 10:30", CODE))


def _accepted(run: Any) -> dict[str, Any]:
    assert run.code == 0, run.err + run.out
    answer: dict[str, Any] = run.json()
    assert answer["accepted"] is True
    return answer


def test_a_tender_run_through_the_command_line_alone_verifies_against_its_policy(
    tender: CliDeployment,
) -> None:
    policy = tender.keys / "policy.txt"
    verified = subprocess.run(
        [sys.executable, "-m", "commands.cli", "verify", "--db", tender.db, "--policy", policy],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stderr
    assert "anchored in the policy" in verified.stdout


def test_the_award_goes_to_the_best_scored_bidder_as_the_ledger_ranked_it(
    tender: CliDeployment,
) -> None:
    notice = tender.ok("notice", CODE, "--kind", "award", "--db", tender.db)
    assert "供应商4" in notice.out
    assert "33.486" in notice.out


def test_no_private_key_of_the_deployment_is_written_in_the_clear(tender: CliDeployment) -> None:
    key_files = sorted([*tender.keys.glob("*.key"), *tender.parties.glob("*.key")])
    # the authority; the platform's signing, receipt and log keys; every party's
    assert len(key_files) == 4 + len(OFFICIALS) * 2 + len(BIDDERS) + len(EXPERTS) + 2
    for path in key_files:
        assert path.read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----"), path


def test_the_read_models_are_caught_up_by_the_commands_that_wrote(tender: CliDeployment) -> None:
    status = tender.ok("projections", "status", "--json", "--db", tender.db).json()
    assert {row["name"]: row["lag"] for row in status} == {
        "tender_state": 0,
        "audit_trail": 0,
        "notices": 0,
    }


def test_a_command_the_rules_refuse_exits_3_and_names_rule_and_clause(
    tender: CliDeployment,
) -> None:
    late = tender.act(BIDDERS[0], "CheckIn", {"lot": "1"}, "2021-01-25 09:00", CODE)
    assert late.code == 3
    refusal = late.json()["refusal"]
    assert (refusal["clause"], refusal["rule"]) == ("§23.1(3)", "CHECK_IN_BEFORE_DEADLINE")


def test_a_second_tender_runs_on_the_same_ledger(tender: CliDeployment) -> None:
    notice = json.loads(next(tender.commands.glob("*-PublishTender.json")).read_text("utf-8"))
    second = {
        **notice["args"],
        "code": "E2E-2021-02",
        "timetable": {
            "documents_from": "2021-02-01T08:30:00+08:00",
            "documents_until": "2021-03-01T09:30:00+08:00",
            "questions_until": "2021-02-22T17:30:00+08:00",
            "deadline": "2021-03-01T09:30:00+08:00",
        },
    }
    published = _accepted(tender.act(AGENCY, "PublishTender", second, "2021-01-28 09:00"))
    assert published["event"] == "TenderPublished"
    obtained = tender.act(BIDDERS[0], "ObtainDocuments", {}, "2021-02-01 09:00", "E2E-2021-02")
    assert _accepted(obtained)["version"] == 2
