"""V1 on the demo's log: before the opening the public learns neither who bid nor how many."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from commands import seed
from commands.demo_script import BIDS
from ledger.errors import InvalidInput
from ledger.store import LedgerStore
from projections.as_of import as_of
from projections.views import tender_view
from tests.support.projection_runs import play_demo

BIDDERS = (seed.QXD, seed.RUNHUA, seed.SUPPLIER_A, seed.SUPPLIER_B, seed.SUPPLIER_C)
BIDDER_NAMES = (
    "武汉亲兄弟酒店用品有限公司",
    "江西省润华教育装备集团有限公司",
    "演示供应商甲",
    "演示供应商乙",
    "演示供应商丙",
    "演示供应商丁",
)
NO_BIDS_YET = seed.beijing("2021-01-12 12:00")  # after the clarification, before any bid
ALL_BIDS_IN = seed.beijing("2021-01-15 09:00")  # nine sealed bids, one check-in
AFTER_OPENING = seed.beijing("2021-01-15 10:30")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerStore]:
    path: Path = tmp_path_factory.mktemp("demo") / "demo.db"
    play_demo(f"sqlite:///{path}")
    store = LedgerStore(f"sqlite:///{path}")
    yield store
    store.close()


def _view(store: LedgerStore, at: datetime, role: str) -> dict[str, Any]:
    with as_of(store, at) as engine:
        return tender_view(engine, seed.CODE, role, at)


def _text(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False, sort_keys=True)


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


def test_the_public_view_before_the_opening_names_no_bidder(store: LedgerStore) -> None:
    text = _text(_view(store, ALL_BIDS_IN, "public"))
    for tell in (*BIDDERS, seed.SUPPLIER_D, *BIDDER_NAMES):
        assert tell not in text


def test_the_public_view_before_the_opening_does_not_count_the_bids(store: LedgerStore) -> None:
    """Nine sealed bids or none: the public sees exactly the same view."""
    before, after = (_view(store, at, "public") for at in (NO_BIDS_YET, ALL_BIDS_IN))
    assert before.pop("as_of") != after.pop("as_of")
    assert before == after
    assert set(after) == {"tender", "remote_evaluation", "lots", "notices", "role"}
    assert not _keys(after) & {"bids", "receipts", "count", "bid_count", "version", "checked_in"}


def test_a_bidder_sees_its_own_bids_and_receipts_and_nothing_of_the_others(
    store: LedgerStore,
) -> None:
    view = _view(store, ALL_BIDS_IN, f"bidder:{seed.SUPPLIER_A}")
    own = view["own"]
    assert {bid["bidder"] for bid in own["bids"]} == {seed.SUPPLIER_A}
    assert [bid["lot"] for bid in own["bids"]] == ["1", "2", "3"]
    assert all(bid["price"] is None and bid["status"] == "sealed" for bid in own["bids"])
    lot_one = [receipt for receipt in own["receipts"] if receipt["lot"] == "1"]
    assert len(lot_one) == 2  # the withdrawn first bid and the one that replaced it
    assert all(receipt["event_hash"] for receipt in own["receipts"])
    assert not any({"log_index", "stream_version"} & set(r) for r in own["receipts"])  # V2
    text = _text(view)
    for other in (seed.QXD, seed.RUNHUA, seed.SUPPLIER_B, seed.SUPPLIER_C, seed.SUPPLIER_D):
        assert other not in text
    assert "演示供应商乙" not in text


def test_the_regulator_sees_every_sealed_bid_without_a_price(store: LedgerStore) -> None:
    bids = _view(store, ALL_BIDS_IN, "regulator")["regulator"]["bids"]
    assert {(bid["lot"], bid["bidder"]) for bid in bids} == set(BIDS)
    assert {bid["status"] for bid in bids} == {"sealed"}
    assert all(bid["price"] is None and bid["read_out_price"] is None for bid in bids)


def test_after_the_opening_the_public_reads_the_opening_record(store: LedgerStore) -> None:
    view = _view(store, AFTER_OPENING, "public")
    record = view["notices"]["opening_record"]
    read_out = {
        (lot["lot"], bid["bidder_name"]): (bid["status"], bid["read_out_price_wan"])
        for lot in record["lots"]
        for bid in lot["bids"]
    }
    assert read_out[("1", "武汉亲兄弟酒店用品有限公司")] == ("revealed", "33.486")
    assert read_out[("2", "演示供应商丙")] == ("returned", None)
    assert len(read_out) == len(BIDS)
    assert view["tender"]["phase"] == "evaluation"


def test_an_unknown_role_is_refused(store: LedgerStore) -> None:
    with pytest.raises(InvalidInput, match="role must be one of"):
        _view(store, ALL_BIDS_IN, "auditor")
    with pytest.raises(InvalidInput, match="role must be one of"):
        _view(store, ALL_BIDS_IN, "bidder:")
