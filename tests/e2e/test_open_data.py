"""OCDS packages and public notices of the demo tender, as users export them.

The packages are validated against the OCDS 1.1.5 schemas with the bids extension merged
in, with every codelist checked, while every network connection is refused; the award
releases and the award notice are compared with the seed's award notice
(tests/vectors/seed); each event a release names is proved against a signed checkpoint.
"""

from __future__ import annotations

import json
import re
import socket
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from commands.cli import main
from ledger.events import LedgerEvent
from ledger.merkle import leaf_hash, verify_inclusion
from ledger.notes import NoteVerifier, open_checkpoint
from ledger.policy import parse_policy
from ledger.store import LedgerStore
from ledger.transparency import TreeStore, prove
from projections.ocds import package as ocds_package
from tests.support.cli import DemoFiles
from tests.support.ocds import (
    RECORD_PACKAGE,
    RELEASE,
    RELEASE_PACKAGE,
    VERSIONED,
    codelist_errors,
    schema_errors,
)

CODE = "XFZFCG-2020-33"
SEED_NOTICE = Path(__file__).resolve().parents[1] / "vectors" / "seed"
BEFORE_OPENING = "2021-01-15T09:29:00+08:00"
BIDDERS = {
    "wuhan-qinxiongdi": "武汉亲兄弟酒店用品有限公司",
    "jiangxi-runhua": "江西省润华教育装备集团有限公司",
    "demo-a": "演示供应商甲",
    "demo-b": "演示供应商乙",
    "demo-c": "演示供应商丙",
    "demo-d": "演示供应商丁",
}


@pytest.fixture(scope="module")
def demo(demo_files: DemoFiles) -> Path:
    """The demo's SQLite file, made by `bidledger demo` in its own process: only read."""
    return demo_files.database


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every attempt to open a network connection fails, and no merger is cached."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError("network access in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    ocds_package._merger.cache_clear()


def export(demo: Path, tmp_path: Path, form: str, *more: str) -> dict[str, Any]:
    out = tmp_path / f"{form}.json"
    args = ["export", CODE, "--format", form, "-o", str(out), "--db", f"sqlite:///{demo}"]
    assert main([*args, *more]) == 0
    package: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return package


def notice(demo: Path, kind: str, form: str = "md") -> str:
    out = demo.parent / f"notice-{kind}.{form}"
    args = ["notice", CODE, "--kind", kind, "--format", form, "-o", str(out)]
    assert main([*args, "--db", f"sqlite:///{demo}"]) == 0
    return out.read_text(encoding="utf-8")


def test_the_demo_release_package_validates_against_ocds_1_1_5_with_bids_offline(
    demo: Path, tmp_path: Path, offline: None
) -> None:
    package = export(demo, tmp_path, "ocds-releases")
    assert schema_errors(package, RELEASE_PACKAGE) == []
    for release in package["releases"]:
        assert schema_errors(release, RELEASE) == []
        assert codelist_errors(release) == []
    tags = [tag for release in package["releases"] for tag in release["tag"]]
    assert tags == [
        *("tender", "tenderAmendment", "tenderUpdate", "tenderUpdate", "tenderCancellation"),
        *("award", "award", "awardUpdate"),
    ]
    ids = [release["id"] for release in package["releases"]]
    assert len(set(ids)) == len(ids)
    assert {release["ocid"] for release in package["releases"]} == {f"ocds-bidldg-{CODE}"}


def test_the_demo_record_package_validates_with_its_compiled_and_versioned_release(
    demo: Path, tmp_path: Path, offline: None
) -> None:
    package = export(demo, tmp_path, "ocds-record", "--ocid-prefix", "ocds-a1b2c3")
    assert schema_errors(package, RECORD_PACKAGE) == []
    (record,) = package["records"]
    assert record["ocid"] == f"ocds-a1b2c3-{CODE}"
    compiled = record["compiledRelease"]
    assert schema_errors(compiled, RELEASE) == []
    assert codelist_errors(compiled) == []
    assert schema_errors(record["versionedRelease"], VERSIONED) == []
    assert compiled["tag"] == ["compiled"]
    assert [lot["status"] for lot in compiled["tender"]["lots"]] == [
        "complete",
        "complete",
        "cancelled",
    ]
    budgets = record["versionedRelease"]["tender"]["lots"][0]["value"]["amount"]
    assert [(v["releaseTag"], v["value"]) for v in budgets] == [
        (["tender"], 555460.0),
        (["tenderAmendment"], 422400.0),
    ]


def test_codes_outside_their_codelists_and_a_missing_field_fail_validation(
    demo: Path, tmp_path: Path, offline: None
) -> None:
    release = export(demo, tmp_path, "ocds-releases")["releases"][-1]
    release["awards"][0]["status"] = "awarded"
    release["bids"]["details"][0]["status"] = "submitted"
    release["tender"]["lots"][0]["status"] = "open"
    release["parties"][0]["roles"] = ["purchaser"]
    del release["initiationType"]
    errors = schema_errors(release, RELEASE)
    assert any("'initiationType' is a required property" in e for e in errors)
    assert any(e.startswith("/awards/0/status: 'awarded' is not one of") for e in errors)
    assert any(e.startswith("/bids/details/0/status: 'submitted'") for e in errors)
    assert sorted(codelist_errors(release)) == [
        "/awards/0/status: 'awarded' is not in awardStatus.csv",
        "/bids/details/0/status: 'submitted' is not in bidStatus.csv",
        "/parties/0/roles: 'purchaser' is not in partyRole.csv",
        "/tender/lots/0/status: 'open' is not in tenderStatus.csv",
    ]


def seed_text() -> str:
    return (SEED_NOTICE / "XFZFCG-2020-33-award-notice.txt").read_text(encoding="utf-8")


def seed_awards() -> list[tuple[str, Decimal]]:
    """(supplier, amount in yuan) of each lot, from the seed's award notice."""
    text = seed_text()
    suppliers = re.findall(r"^供应商名称:(.+)$", text, re.MULTILINE)
    amounts = re.findall(r"^中标\(成交\)金额:([\d.]+)\(万元\)$", text, re.MULTILINE)
    return [(s, Decimal(a) * 10000) for s, a in zip(suppliers, amounts, strict=True)]


def test_the_award_releases_carry_the_seeds_awarded_values_and_suppliers(
    demo: Path, tmp_path: Path
) -> None:
    releases = export(demo, tmp_path, "ocds-releases")["releases"]
    awards = [r["awards"][-1] for r in releases if r["tag"] == ["award"]]
    found = [
        (award["suppliers"][0]["name"], Decimal(str(award["value"]["amount"]))) for award in awards
    ]
    assert found == seed_awards()
    assert [Decimal(a) for _, a in found] == [Decimal("334860.00"), Decimal("465430.00")]
    assert {award["value"]["currency"] for award in awards} == {"CNY"}
    last = releases[-1]
    suppliers = {p["name"] for p in last["parties"] if "supplier" in p["roles"]}
    assert suppliers == {name for name, _ in seed_awards()}
    winning = {bid["id"]: bid for bid in last["bids"]["details"]}
    for award in last["awards"]:
        assert winning[award["relatedBid"]]["value"] == award["value"]


def test_a_release_package_as_of_a_time_before_the_opening_names_no_bidder(
    demo: Path, tmp_path: Path
) -> None:
    package = export(demo, tmp_path, "ocds-releases", "--as-of", BEFORE_OPENING)
    text = json.dumps(package, ensure_ascii=False)
    assert [r["tag"] for r in package["releases"]] == [
        ["tender"],
        ["tenderAmendment"],
        ["tenderUpdate"],
    ]
    for party, name in BIDDERS.items():
        assert party not in text
        assert name not in text
    for word in ("bids", "tenderer", "numberOfTenderers", "leafIndex"):
        assert word not in text
    for release in package["releases"]:  # no position or stream version: they count events
        assert {key for e in release["ledgerEvents"] for key in e} == {"id", "type", "date"}
    assert package["publishedDate"] == BEFORE_OPENING
    after = json.dumps(export(demo, tmp_path, "ocds-releases"), ensure_ascii=False)
    assert all(party in after for party in BIDDERS)  # the same export after the opening


def _log_verifier(demo: Path) -> NoteVerifier:
    policy = parse_policy((demo.parent / "demo-policy.txt").read_text(encoding="utf-8"))
    return NoteVerifier.from_vkey(policy.log_vkey)


def test_every_event_a_release_names_is_proved_against_a_signed_checkpoint(
    demo: Path, tmp_path: Path
) -> None:
    releases = export(demo, tmp_path, "ocds-releases")["releases"]
    url = f"sqlite:///{demo}"
    tree = TreeStore(url)
    store = LedgerStore(url)
    try:
        latest = tree.latest_checkpoint()
        assert latest is not None
        checkpoint = open_checkpoint(latest.note, _log_verifier(demo))
        for release in (releases[0], releases[-1]):  # named by hash; by leaf index
            for named in release["ledgerEvents"]:
                leaf = tree.find_event(named["id"])
                assert leaf is not None
                assert named.get("leafIndex", leaf.leaf_index) == leaf.leaf_index
                event = store.event_at(uuid.UUID(leaf.stream), leaf.version)
                assert isinstance(event, LedgerEvent)
                assert (event.event_hash, event.type) == (named["id"], named["type"])
                proof = prove(url, leaf.leaf_index)
                assert proof["tree_size"] == checkpoint.size
                verify_inclusion(
                    leaf_hash(event.preimage()),
                    leaf.leaf_index,
                    checkpoint.size,
                    [bytes.fromhex(h) for h in proof["proof"]],
                    checkpoint.root,
                )
    finally:
        tree.close()
        store.close()
    award = releases[5]
    assert {"LotAwarded", "AwardNoticePublished", "BidsRevealed", "TenderPublished"} <= {
        e["type"] for e in award["ledgerEvents"]
    }
    assert all("leafIndex" not in e for e in releases[0]["ledgerEvents"])


def sections(text: str) -> dict[str, list[str]]:
    """A notice's numbered items (一、 ... 十、), each a list of lines, markup removed."""
    plain = re.sub(r"\\(.)", r"\1", text)
    result: dict[str, list[str]] = {}
    current = ""
    for raw in plain.splitlines():
        line = raw.removeprefix("## ").strip().rstrip("|").strip()
        heading = re.match(r"^([一二三四五六七八九十]+)、", line)
        if heading:
            current = heading.group(1)
            result[current] = []
        elif current and line and not line.startswith(("*", "---", "- ")):
            result[current].append(line)
    return result


def labelled(lines: list[str]) -> list[tuple[str, str]]:
    """``label:value`` pairs of a section, numbering (``1、``) and spacing taken off."""
    pairs = []
    for line in lines:
        label, colon, value = line.partition(":")
        if colon:
            pairs.append((re.sub(r"^\d+、", "", label).replace(" ", ""), value.split(" ")[0]))
    return pairs


def test_the_award_notice_carries_the_same_facts_as_the_seeds_award_notice(demo: Path) -> None:
    ours, seed = sections(notice(demo, "award")), sections(seed_text())
    same = ("一", "二", "三", "五", "八")
    assert {item: ours[item] for item in same} == {item: seed[item] for item in same}
    assert len(labelled(seed["四"])) == 10  # per lot: package, supplier, address, amount, goods
    assert labelled(ours["四"]) == labelled(seed["四"])
    # the evaluation room (the main venue), the agency's fee and the project contact included
    for item in ("六", "七", "十"):
        assert labelled(ours[item]) == labelled(seed[item])
    assert ("评审地点", "评标室二") in labelled(ours["六"])
    assert "(账本未记录)" not in notice(demo, "award")
    assert seed["九"] == ["无"]
    assert ours["九"][0].startswith("第3包废标:")  # the demo's illustrative third lot


def test_the_correction_notice_shows_each_lot_before_and_after(demo: Path) -> None:
    text = notice(demo, "correction")
    rows = [line for line in text.splitlines() if line.startswith("| 第")]
    assert rows == [
        r"| 第1包 | 食堂设备 | 55\.546 | 42\.24 | 55\.546 | 42\.24 |".replace("\\", ""),
        r"| 第2包 | 宿舍设备 | 42\.24 | 55\.546 | 42\.24 | 55\.546 |".replace("\\", ""),
    ]
    assert "投标截止时间及开标时间不变,仍为2021年01月15日09点30分" in text
    announcement = notice(demo, "announcement", "html")
    assert "预算金额:第1包55.546万元,第2包42.24万元,第3包34.214万元,合计132(万元)" in (announcement)
    assert announcement.startswith("<!DOCTYPE html>")


def test_usage_errors_are_one_line_and_exit_2(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"--db=sqlite:///{demo}"
    out = str(tmp_path / "x.json")
    cases = [
        (["notice", CODE, "--kind", "award", "--as-of", "2021-01-16", db], "no award notice"),
        (["notice", "XFZFCG-2099-01", "--kind", "award", db], "no tender 'XFZFCG-2099-01'"),
        (["export", CODE, "--format", "bundle", "--as-of", "2021-01-16", "-o", out, db], "ocds"),
        (["export", CODE, "--format", "ocds-record", "--ocid-prefix", "x", "-o", out, db], "ocid"),
        (
            ["export", CODE, "--format", "ocds-releases", "--as-of", "2020-12-01", "-o", out, db],
            "no tender XFZFCG-2020-33 published in this log as of 2020-12-01T00:00:00+08:00",
        ),
    ]
    for args, message in cases:
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert err.startswith("error: ")
        assert message in err
