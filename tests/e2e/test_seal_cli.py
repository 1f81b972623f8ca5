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
