"""The seed tender driven over HTTP against a real server on loopback, then checked: the
role rules of V1 on live and replayed reads, receipts, the log, and the exported bundle."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from commands import seed
from commands.demo_script import BIDS, NOT_DECRYPTED
from commands.http import LedgerClient
from commands.messages import SubmitBid
from ledger.bundle import verify_bundle
from ledger.canonical import canonical_bytes
from ledger.errors import NotAuthenticated, NotPermitted, RuleViolation
from ledger.policy import parse_policy
from ledger.procedure.state import tender_stream
from ledger.receipts import Receipt, verify_registered_receipt
from ledger.rules import catalogue as rules
from ledger.verification import verify_log
from tests.support.bids import sealed_bid
from tests.support.http import served_ledger
from tests.support.http_tender import BIDDERS, Played, play_over_http

BIDDER_NAMES = ("武汉亲兄弟酒店用品有限公司", "江西省润华教育装备集团有限公司", "演示供应商甲")


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    folder = tmp_path_factory.mktemp("http")
    with served_ledger(f"sqlite:///{folder / 'ledger.db'}", folder) as served:
        yield play_over_http(served)


def _text(view: Any) -> str:
    return json.dumps(view, ensure_ascii=False, sort_keys=True)


def test_every_step_of_the_tender_was_accepted_over_http(played: Played) -> None:
    answers = played.answers
    assert len(answers["SubmitBid"]) == len(BIDS) + 1
    assert len(answers["AuthoriseDecryption"]) == len(BIDS) - len(NOT_DECRYPTED)
    digests = [answer["facts"]["report_digest"] for answer in answers["FinaliseEvaluation"]]
    assert len(digests) == 2
    assert all(len(digest) == 64 for digest in digests)
    assert len(answers["AwardLot"]) == 2
    assert not any(a["replayed"] for found in answers.values() for a in found)
    lots = played.client.get(f"/tenders/{seed.CODE}")["lots"]
    awards = {lot["lot"]: (lot["award"] or {}).get("supplier") for lot in lots}
    assert awards == {"1": seed.QXD, "2": seed.RUNHUA, "3": None}


def test_the_log_written_over_http_verifies(played: Played) -> None:
    summary = verify_log(played.served.store)
    assert summary.events > 100


def test_every_bid_answer_carries_a_receipt_signed_by_the_registered_key(played: Played) -> None:
    registry = played.served.service.registry()
    for answer in played.answers["SubmitBid"]:
        receipt = Receipt.from_json(answer["receipt"])
        verify_registered_receipt(receipt, registry)
        assert receipt.event_hash == answer["event_hash"]
        assert not {"version", "log_index"} & set(answer)  # V2: no position in any answer


def test_the_public_before_the_opening_sees_no_bidder_and_no_count(played: Played) -> None:
    before, after = played.reads["public_before_bids"], played.reads["public_all_bids_in"]
    text = _text(after)
    for tell in (*BIDDERS, seed.SUPPLIER_D, *BIDDER_NAMES):
        assert tell not in text
    assert before.pop("as_of") != after.pop("as_of")
    assert before == after


def test_a_bidder_reads_its_own_bids_and_nothing_of_the_others(played: Played) -> None:
    own = played.reads[f"bidder_{seed.SUPPLIER_A}"]["own"]
    assert {bid["bidder"] for bid in own["bids"]} == {seed.SUPPLIER_A}
    assert all(bid["price"] is None for bid in own["bids"])
    text = _text(played.reads[f"bidder_{seed.SUPPLIER_A}"])
    for other in (seed.QXD, seed.RUNHUA, seed.SUPPLIER_B, seed.SUPPLIER_C, "演示供应商乙"):
        assert other not in text
    qxd = played.reads[f"bidder_{seed.QXD}"]["own"]
    assert [(bid["lot"], bid["bidder"]) for bid in qxd["bids"]] == [("1", seed.QXD)]


def test_the_regulator_sees_every_sealed_bid_without_a_price_before_the_reveal(
    played: Played,
) -> None:
    bids = played.reads["regulator_before_reveal"]["regulator"]["bids"]
    assert {(bid["lot"], bid["bidder"]) for bid in bids} == set(BIDS)
    assert all(bid["price"] is None and bid["status"] == "sealed" for bid in bids)


def test_point_in_time_reads_keep_the_role_rules(played: Played) -> None:
    client, at = played.client, {"at": "2021-01-15T09:20:00+08:00"}
    public = client.get(f"/tenders/{seed.CODE}", at)
    assert public["tender"]["phase"] == "bidding"
    assert not any(name in _text(public) for name in BIDDER_NAMES)
    regulator = played.actor(seed.REGULATOR, "regulator")
    bids = client.signed_get(regulator, f"/tenders/{seed.CODE}/regulator", at)["regulator"]["bids"]
    assert len(bids) == len(BIDS)
    assert all(bid["price"] is None for bid in bids)
    later = client.get(f"/tenders/{seed.CODE}", {"at": "2021-01-15T10:30:00+08:00"})
    assert later["notices"]["opening_record"] is not None


def test_a_bidder_cannot_sign_as_another_or_read_as_a_regulator(played: Played) -> None:
    client = played.client
    impostor = played.actor(seed.SUPPLIER_A, "bidder")
    forged = type(impostor)(seed.QXD, "bidder", impostor.signer)
    with pytest.raises(NotAuthenticated, match="is not a signing key of"):
        client.signed_get(forged, f"/tenders/{seed.CODE}/bidder")
    with pytest.raises(NotAuthenticated, match="holds no key for the role regulator"):
        client.signed_get(
            type(impostor)(seed.SUPPLIER_A, "regulator", impostor.signer),
            f"/tenders/{seed.CODE}/regulator",
        )
    with pytest.raises(NotPermitted, match="for a regulator or official, not a bidder"):
        client.signed_get(impostor, f"/tenders/{seed.CODE}/events")


def test_a_bid_after_the_deadline_is_refused_naming_its_rule(played: Played) -> None:
    bidder = played.actor(seed.SUPPLIER_D, "bidder")
    tender = played.served.service.tender(tender_stream(seed.CODE))
    sealed = sealed_bid(tender, "1", seed.SUPPLIER_D, "300000.00")
    with pytest.raises(RuleViolation) as refused:
        played.client.act(bidder, SubmitBid(seed.CODE, "1", sealed))
    assert refused.value.rule in (rules.LATE_BID, rules.PHASE_ORDER)


def test_the_bundle_exported_over_http_verifies_against_the_served_policy(
    played: Played,
) -> None:
    client: LedgerClient = played.client
    platform = played.actor(seed.PLATFORM, "platform")
    closing = client.signed(
        "POST", platform, "/log/checkpoint", {"reason": "closing", "tender": seed.CODE}
    )
    assert "bidledger closing " in closing.text
    policy = parse_policy(client.text("/policy"))
    regulator = played.actor(seed.REGULATOR, "regulator")
    bundle = client.signed_get(regulator, f"/tenders/{seed.CODE}/bundle")
    report = verify_bundle(canonical_bytes(bundle), policy=policy)
    assert report.to_json()["tender"]["code"] == seed.CODE
