"""Point-in-time replay (R3): the read models as of T equal the ones kept live at T."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from commands import seed
from commands.demo_script import BIDS
from commands.messages import (
    AmendTender,
    Answer,
    AskQuestion,
    CheckIn,
    PublishClarification,
    SubmitBid,
    WithdrawBid,
)
from commands.world import World
from ledger.errors import NotFound
from ledger.store import LedgerStore
from projections.as_of import as_of, table_rows
from projections.catalog import all_projections
from projections.runner import ProjectionRunner, engine_for
from projections.views import tender_view
from tests.conftest import tender_of
from tests.support.bids import sealed_bid
from tests.support.projection_runs import play_demo

B = seed.beijing
CODE = seed.CODE


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerStore]:
    path: Path = tmp_path_factory.mktemp("demo") / "demo.db"
    play_demo(f"sqlite:///{path}")
    store = LedgerStore(f"sqlite:///{path}")
    yield store
    store.close()


def _replay(store: LedgerStore, at: str, role: str) -> dict[str, Any]:
    moment = B(at)
    with as_of(store, moment) as engine:
        return tender_view(engine, CODE, role, moment)


def test_before_the_deadline_the_public_sees_the_tender_open_for_bids(demo: LedgerStore) -> None:
    view = _replay(demo, "2021-01-15 09:00", "public")
    assert view["as_of"] == "2021-01-15T09:00:00+08:00"
    assert (view["tender"]["phase"], view["tender"]["open_for_bids"]) == ("bidding", True)
    assert view["notices"]["opening_record"] is None
    assert {lot["status"] for lot in view["lots"]} == {"open"}


def test_after_the_award_the_replay_shows_the_awards(demo: LedgerStore) -> None:
    for role in ("public", "regulator"):
        view = _replay(demo, "2021-01-19 09:00", role)
        awards = {lot["lot"]: lot["award"] for lot in view["lots"] if lot["award"]}
        assert {lot: award["supplier"] for lot, award in awards.items()} == {
            "1": seed.QXD,
            "2": seed.RUNHUA,
        }
        assert [lot["amount_wan"] for lot in view["notices"]["award_notice"]["lots"]] == [
            "33.486",
            "46.543",
        ]


def test_before_the_award_notice_the_replay_shows_no_award(demo: LedgerStore) -> None:
    view = _replay(demo, "2021-01-18 09:00", "public")
    assert all(lot["award"] is None for lot in view["lots"])
    assert view["notices"]["award_notice"] is None


def test_the_regulator_before_the_deadline_sees_the_sealed_bids_without_prices(
    demo: LedgerStore,
) -> None:
    bids = _replay(demo, "2021-01-15 09:00", "regulator")["regulator"]["bids"]
    assert {(bid["lot"], bid["bidder"]) for bid in bids} == set(BIDS)
    assert all(bid["status"] == "sealed" and bid["price"] is None for bid in bids)


def test_past_the_deadline_and_not_yet_opened_the_phase_says_so(demo: LedgerStore) -> None:
    view = _replay(demo, "2021-01-15 09:29", "public")
    assert view["tender"]["open_for_bids"] is True
    with as_of(demo, B("2021-01-15 09:29")) as engine:
        late = tender_view(engine, CODE, "public", B("2021-01-15 09:30"))
    assert (late["tender"]["phase"], late["tender"]["open_for_bids"]) == (
        "awaiting_opening",
        False,
    )


def test_before_its_publication_a_tender_is_not_found(demo: LedgerStore) -> None:
    with pytest.raises(NotFound, match=CODE):
        _replay(demo, "2020-12-24 09:00", "public")


def _live_rows(world: World, engine: sa.Engine) -> dict[str, list[Any]]:
    store = world.service.store
    projections = all_projections(store)
    for projection in projections:
        ProjectionRunner(store, engine, projection).catch_up(batch_size=4)
    return table_rows(engine, projections)


def _submit(world: World, lot: str, bidder: str, total: str, at: str) -> None:
    sealed = sealed_bid(tender_of(world), lot, bidder, total)
    world.act(bidder, "bidder", SubmitBid(CODE, lot, sealed), at=B(at))


@pytest.fixture
def models(published: World, tmp_path: Path) -> Iterator[sa.Engine]:
    engine = engine_for(published.service.store, f"sqlite:///{tmp_path / 'models.db'}")
    yield engine
    engine.dispose()


def test_as_of_any_instant_equals_the_models_kept_live_at_that_instant(
    published: World, models: sa.Engine
) -> None:
    world, store = published, published.service.store
    asked = world.act(
        seed.SUPPLIER_B, "bidder", AskQuestion(CODE, "可否分包?"), at=B("2021-01-05 10:00")
    )
    question = str(store.event_at(asked.stream, asked.version).facts["question_id"])
    answer = PublishClarification(CODE, (Answer(question, "不可分包。"),), False)
    world.act(seed.AGENCY, "agency", answer, at=B("2021-01-06 10:00"))
    _submit(world, "1", seed.QXD, "334860.00", "2021-01-13 09:00")
    _submit(world, "2", seed.RUNHUA, "465430.00", "2021-01-13 10:00")
    _submit(world, "1", seed.SUPPLIER_A, "398000.00", "2021-01-13 11:00")
    then = B("2021-01-13 11:00")
    kept_then = _live_rows(world, models)

    world.act(seed.SUPPLIER_A, "bidder", WithdrawBid(CODE, "1"), at=B("2021-01-14 09:00"))
    amendment = AmendTender(CODE, "更正公告:技术参数调整", True, new_deadline=B("2021-01-29 10:00"))
    world.act(seed.AGENCY, "agency", amendment, at=B("2021-01-14 10:00"))
    _submit(world, "1", seed.SUPPLIER_B, "421500.00", "2021-01-20 09:00")
    world.act(seed.QXD, "bidder", CheckIn(CODE, "1"), at=B("2021-01-20 10:00"))
    kept_now = _live_rows(world, models)

    projections = all_projections(store)
    with as_of(store, then, projections) as engine:
        assert table_rows(engine, projections) == kept_then
    with as_of(store, None, projections) as engine:
        assert table_rows(engine, projections) == kept_now
    assert kept_now != kept_then
    (postponement,) = kept_now["tender_state_deadline_changes"]
    assert postponement[2:4] == ("2021-01-15T09:30:00+08:00", "2021-01-29T10:00:00+08:00")
