"""The tender state, audit trail and notices, kept by the runner over the demo's real log."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from commands import seed
from ledger.events import LedgerEvent
from ledger.procedure.state import TenderState, tender_stream
from ledger.store import LedgerStore
from projections.as_of import memory_engine, table_rows
from projections.audit_trail import OK, AuditTrail, audit_rows
from projections.catalog import all_projections
from projections.model import Projection
from projections.runner import ProjectionRunner, engine_for
from projections.views import regulator_overview, tender_view
from tests.support.projection_runs import play_demo

STREAM = tender_stream(seed.CODE)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    play_demo(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="module")
def store(demo_file: Path) -> Iterator[LedgerStore]:
    store = LedgerStore(f"sqlite:///{demo_file}")
    yield store
    store.close()


@pytest.fixture(scope="module")
def models(store: LedgerStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """Every read model of the demo, caught up by the runner in a database of its own."""
    path = tmp_path_factory.mktemp("models") / "models.db"
    engine = engine_for(store, f"sqlite:///{path}")
    for projection in all_projections(store):
        ProjectionRunner(store, engine, projection).catch_up(batch_size=25)
    yield engine
    engine.dispose()


def _regulator(models: sa.Engine) -> dict[str, object]:
    view = tender_view(models, seed.CODE, "regulator")
    everything = view["regulator"]
    assert isinstance(everything, dict)
    return everything


def test_the_tender_state_shows_both_awards_and_the_failed_lot(models: sa.Engine) -> None:
    lots = {lot["lot"]: lot for lot in tender_view(models, seed.CODE, "public")["lots"]}
    assert lots["1"]["award"]["supplier_name"] == "武汉亲兄弟酒店用品有限公司"
    assert lots["1"]["award"]["amount_wan"] == "33.486"
    assert lots["2"]["award"]["supplier_name"] == "江西省润华教育装备集团有限公司"
    assert lots["2"]["award"]["amount_wan"] == "46.543"
    assert lots["3"]["status"] == "failed"
    assert "§24.1" in lots["3"]["failure"]


def test_every_bid_row_says_what_the_aggregate_says(models: sa.Engine, store: LedgerStore) -> None:
    tender = store.state(TenderState, STREAM)
    expected = {
        (lot.lot, bid.bidder): (bid.status, None if bid.price is None else f"{bid.price:f}")
        for lot in tender.lots.values()
        for bid in lot.bids.values()
    }
    bids = _regulator(models)["bids"]
    assert isinstance(bids, list)
    found = {(bid["lot"], bid["bidder"]): (bid["status"], bid["price"]) for bid in bids}
    assert found == expected
    assert found[("2", seed.SUPPLIER_C)] == ("returned", None)


def test_the_returned_bid_keeps_its_cause_and_the_correction_its_figures(
    models: sa.Engine,
) -> None:
    overview = regulator_overview(models)
    (returned,) = overview["returned_bids"]
    assert (returned["lot"], returned["bidder"]) == ("2", seed.SUPPLIER_C)
    assert "§23.2(4)" in returned["returned_cause"]
    (corrected,) = overview["corrections"]
    assert corrected["bidder"] == seed.SUPPLIER_A
    assert (corrected["read_out_price"], corrected["price"]) == ("489000.00", "489000.00")
    assert corrected["correction"]["stated_total"] == "498000.00"  # the figures
    assert corrected["correction_status"] == "accepted"
    (challenge,) = overview["challenges"]
    assert (challenge["challenger"], challenge["lot"]) == (seed.SUPPLIER_B, "1")
    assert challenge["answered_at"] == "2021-01-22T10:00:00+08:00"
    assert overview["suspended"] == []
    assert overview["postponements"] == []
    (late,) = overview["late_attempts"]
    assert (late["actor"], late["command"], late["time"]) == (
        seed.SUPPLIER_C,
        "SubmitBid",
        "2021-01-15T09:31:00+08:00",
    )
    assert [row["command"] for row in overview["refused_attempts"]] == [
        "SubmitBid",
        "AuthoriseDecryption",
        "RecordConformity",  # before its member checked in at a venue (D12)
        "AwardLot",
    ]


def test_scores_are_kept_per_evaluator_with_the_ranking(models: sa.Engine) -> None:
    everything = _regulator(models)
    scores = everything["scores"]
    assert isinstance(scores, list)
    assert len(scores) == 2 * 3 * len(seed.COMMITTEE)
    assert {score["evaluator"] for score in scores} == set(seed.COMMITTEE)
    bids = everything["bids"]
    assert isinstance(bids, list)
    winners = {bid["lot"]: bid["bidder"] for bid in bids if bid["rank"] == 1}
    assert winners == {"1": seed.QXD, "2": seed.RUNHUA}
    assert all(bid["final_score"] for bid in bids if bid["rank"] is not None)


def test_the_award_notice_carries_the_fields_of_the_seed_notice(models: sa.Engine) -> None:
    notice = tender_view(models, seed.CODE, "public")["notices"]["award_notice"]
    assert (notice["project_code"], notice["plan"]) == (seed.CODE, seed.PLAN)
    assert notice["project_name"] == seed.TITLE
    first, second = notice["lots"]
    assert first["package_name"] == (
        "2020年第二批义务教育薄弱环节改善能力与提升专项资金后勤设施设备食堂设备采购"
    )
    assert first["supplier_address"].startswith("武汉市黄陂区武湖农场")
    assert (first["amount_wan"], second["amount_wan"]) == ("33.486", "46.543")
    assert second["supplier_address"] == "江西省抚州市南城县株良镇工业园区"
    assert notice["committee"] == ["牟方政", "覃正茂", "郭艳", "袁凤梅", "朱长安"]
    assert notice["evaluation"]["date"] == "2021-01-15"
    assert notice["publicity"] == "自本公告发布之日起1个工作日"
    assert notice["purchaser"]["phone"] == "0718-6833785"
    assert notice["agency"]["address"] == "咸丰县楚蜀大道186号农业农村局3楼"


def test_the_clarification_notice_never_names_who_asked(models: sa.Engine) -> None:
    (clarification,) = tender_view(models, seed.CODE, "public")["notices"]["clarifications"]
    text = json.dumps(clarification, ensure_ascii=False)
    assert "55.546万元" in text
    assert seed.SUPPLIER_A not in text
    assert "演示供应商甲" not in text
    (question,) = _regulator(models)["questions"]  # type: ignore[misc]
    assert question["asker"] == seed.SUPPLIER_A


def test_the_audit_trail_lists_every_event_with_its_actor_and_a_checked_signature(
    models: sa.Engine, store: LedgerStore
) -> None:
    with models.connect() as connection:
        events = audit_rows(connection, STREAM)
    assert len(events) == store.state(TenderState, STREAM).version
    assert [event["version"] for event in events] == list(range(1, len(events) + 1))
    assert {event["signature_checked"] for event in events} == {OK}
    assert all(event["actor"] and event["actor_name"] and event["role"] for event in events)
    first = events[0]
    assert (first["actor_name"], first["action_zh"]) == ("咸丰县政府采购中心", "招标公告")
    assert events[1]["prev_hash"] == first["event_hash"]


def test_a_tampered_signature_shows_a_failed_check_in_a_copy(
    demo_file: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "tampered.db"
    shutil.copy(demo_file, copy)
    with sqlite3.connect(copy) as connection:
        row_id, state = connection.execute(
            "SELECT id, state FROM application_events WHERE topic LIKE '%BidSubmitted' "
            "ORDER BY id LIMIT 1"
        ).fetchone()
        data = json.loads(bytes(state))
        signature = data["signature"]
        data["signature"] = ("B" if signature[0] == "A" else "A") + signature[1:]
        connection.execute(
            "UPDATE application_events SET state = ? WHERE id = ?",
            (json.dumps(data).encode(), row_id),
        )
    store = LedgerStore(f"sqlite:///{copy}")
    engine = memory_engine()
    try:
        ProjectionRunner(store, engine, AuditTrail(store)).catch_up()
        with engine.connect() as connection:
            events = audit_rows(connection, STREAM)
    finally:
        engine.dispose()
        store.close()
    failed = [event for event in events if event["signature_checked"] != OK]
    assert [event["event_type"] for event in failed] == ["BidSubmitted"]
    assert failed[0]["signature_checked"].startswith("failed:")
    assert "signature" in failed[0]["signature_checked"]


def test_models_resumed_by_fresh_objects_equal_one_build_from_scratch(
    store: LedgerStore, models: sa.Engine
) -> None:
    engine = memory_engine()
    try:
        for stop in (7, 40, 1):  # fresh projection objects each round: nothing in memory
            for projection in all_projections(store):
                ProjectionRunner(store, engine, projection).catch_up(3, stop_after=stop)
        for projection in all_projections(store):
            ProjectionRunner(store, engine, projection).catch_up(batch_size=11)
        projections = all_projections(store)
        assert table_rows(engine, projections) == table_rows(models, projections)
    finally:
        engine.dispose()


class _FailsOnce:
    """A projection that fails once, after applying the event at ``position`` in memory."""

    def __init__(self, inner: Projection, position: int) -> None:
        self.inner, self.position, self.failed = inner, position, False
        self.name, self.version = inner.name, inner.version

    def tables(self, metadata: sa.MetaData) -> list[sa.Table]:
        return self.inner.tables(metadata)

    def apply(self, connection: sa.Connection, event: LedgerEvent, position: int) -> None:
        self.inner.apply(connection, event, position)
        if position == self.position and not self.failed:
            self.failed = True
            raise RuntimeError("the database went away")


@pytest.mark.parametrize("position", [8, 40, 90])
def test_a_batch_rolled_back_after_memory_moved_on_leaves_the_same_rows(
    store: LedgerStore, models: sa.Engine, position: int
) -> None:
    """The runner retries a failed batch event by event; what the objects kept in memory
    from the rolled-back events must not leak into the rows (registry, tender cache)."""
    engine = memory_engine()
    try:
        projections = all_projections(store)
        for projection in projections:
            flaky = _FailsOnce(projection, position)
            ProjectionRunner(store, engine, flaky).catch_up(batch_size=10)
            assert flaky.failed
        assert table_rows(engine, projections) == table_rows(models, projections)
    finally:
        engine.dispose()
