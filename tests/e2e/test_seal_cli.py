"""`bidledger seal` on the bidder's side produces a bid the ledger accepts; BIDLEDGER_DB works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commands import seed
from commands.cli import main
from commands.messages import SubmitBid
from commands.world import World
from ledger.crypto.sealing import SealedBid
from tests.conftest import tender_of
from tests.support.bids import bid_document


def test_a_bid_sealed_with_the_cli_is_accepted_by_the_ledger(
    published: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tender = tender_of(published)
    document = tmp_path / "bid.json"
    document.write_text(json.dumps(bid_document("1", seed.QXD, "334860.00")), encoding="utf-8")
    output = tmp_path / "sealed.json"
    officials = [f"--official={o['party']}={o['encryption_key']}" for o in tender.officials]
    code = main(
        [
            "seal",
            str(document),
            "--tender",
            seed.CODE,
            "--lot",
            "1",
            "--bidder",
            seed.QXD,
            *officials,
            "--threshold",
            str(tender.threshold),
            "-o",
            str(output),
        ]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "document padded to the 1024-byte size class" in printed.out
    sealed = json.loads(output.read_text(encoding="utf-8"))
    outcome = published.act(
        seed.QXD, "bidder", SubmitBid(seed.CODE, "1", sealed), at=seed.beijing("2021-01-14 10:00")
    )
    assert outcome.receipt is not None
    assert (
        tender_of(published).lots["1"].bids[seed.QXD].digest == SealedBid.from_json(sealed).digest()
    )


def test_seal_refuses_a_malformed_official_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "bid.json"
    document.write_text(json.dumps(bid_document("1", seed.QXD, "334860.00")), encoding="utf-8")
    code = main(
        [
            "seal",
            str(document),
            "--tender",
            seed.CODE,
            "--lot",
            "1",
            "--bidder",
            seed.QXD,
            "--official",
            "agency=abc",
            "--threshold",
            "2",
        ]
    )
    assert code == 2
    assert "PARTY=X25519_PUBLIC_KEY_HEX" in capsys.readouterr().err


def test_the_database_can_be_chosen_by_the_environment(
    published: World,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    published.service.store.close()
    monkeypatch.setenv("BIDLEDGER_DB", database_url)
    assert main(["verify"]) == 0
    assert "verified" in capsys.readouterr().out


def _seal_run(
    document: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str], *more: str
) -> tuple[int, str, Path]:
    path = tmp_path / "bid.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    output = tmp_path / "sealed.json"
    key = "ab" * 32
    code = main(
        [
            "seal",
            str(path),
            "--tender",
            seed.CODE,
            "--lot",
            "1",
            "--bidder",
            seed.QXD,
            f"--official=a={key}",
            f"--official=b={key}",
            "--threshold",
            "2",
            "-o",
            str(output),
            *more,
        ]
    )
    return code, capsys.readouterr().err, output


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"lot": "2"}, "names lot '2', not '1'"),
        ({"bidder": seed.RUNHUA}, f"names bidder '{seed.RUNHUA}', not '{seed.QXD}'"),
        ({"total_capital": "叁拾叁万肆仟捌佰元整"}, "total in figures is 334860.00, but 334800.00"),
        ({"total_capital": "三十三万"}, "not a capital amount"),
        ({"total_capital": "壹佰伍元"}, "not a capital amount"),
        (
            {
                "lines": [
                    {"name": "餐桌", "unit_price": "100.00", "quantity": "3", "total": "334860.00"}
                ]
            },
            "line 1",
        ),
    ],
)
def test_seal_refuses_a_document_that_would_fail_at_the_opening_and_writes_nothing(
    change: dict[str, object], named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = {**bid_document("1", seed.QXD, "334860.00"), **change}
    code, err, output = _seal_run(document, tmp_path, capsys)
    assert code == 2
    assert len(err.splitlines()) == 1
    assert named in err
    assert not output.exists()


def test_seal_accepts_lines_that_add_up_to_the_total(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {"name": "餐桌", "unit_price": "1300.00", "quantity": "200", "total": "260000.00"},
        {"name": "消毒柜", "unit_price": "7486.00", "quantity": "10", "total": "74860.00"},
    ]
    document = {**bid_document("1", seed.QXD, "334860.00"), "lines": lines}
    code, err, output = _seal_run(document, tmp_path, capsys)
    assert code == 0, err
    assert json.loads(output.read_text(encoding="utf-8"))["bidder"] == seed.QXD


def test_seal_reads_the_officials_and_threshold_from_the_published_notice(
    published: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "bid.json"
    document.write_text(json.dumps(bid_document("1", seed.QXD, "334860.00")), encoding="utf-8")
    output = tmp_path / "sealed.json"
    db = published.service.store.url
    argv = ["seal", str(document), "--tender", seed.CODE, "--lot", "1", "--bidder", seed.QXD]
    assert main([*argv, "--db", db, "-o", str(output)]) == 0, capsys.readouterr().err
    sealed = SealedBid.from_json(json.loads(output.read_text(encoding="utf-8")))
    tender = tender_of(published)
    assert [share.official for share in sealed.shares] == [o["party"] for o in tender.officials]
    assert sealed.threshold == tender.threshold
    outcome = published.act(
        seed.QXD,
        "bidder",
        SubmitBid(seed.CODE, "1", sealed.to_json()),
        at=seed.beijing("2021-01-14 10:00"),
    )
    assert outcome.receipt is not None
