"""V1 for the draw: no drawn expert is named to the public or a bidder before the award notice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from commands import remote_seed, seed
from ledger.store import LedgerStore
from projections.as_of import as_of
from projections.views import tender_view
from tests.support.projection_runs import play_demo

DRAWN_AND_SEATED = seed.beijing("2021-01-15 12:00")  # drawn, committee checked in, working
NOTICE_PUBLISHED = seed.beijing("2021-01-18 12:00")  # lot 1's award notice (11:30)
NAMES = (*remote_seed.DRAWN, remote_seed.DECLINES, "enshi-expert-14", "jian-expert-02")
SEED_HEX = "889212a29c60e8ba83f777150a1b164fcb6b674878fb10d2d496297beaf7a8d8"


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
    return json.dumps(view, ensure_ascii=False)


@pytest.mark.parametrize("role", ["public", f"bidder:{seed.QXD}"])
def test_before_the_award_notice_no_drawn_expert_and_no_seed_is_shown(
    store: LedgerStore, role: str
) -> None:
    view = _view(store, DRAWN_AND_SEATED, role)
    remote = view["remote_evaluation"]
    assert remote["names_published"] is False
    (draw,) = remote["draws"]
    assert (draw["status"], draw["eligible_count"], draw["excluded_count"]) == ("drawn", 7, 5)
    assert draw["beacon_round"] == remote_seed.beacon_round()
    text = _text(view)
    for name in NAMES:
        assert name not in text
    assert SEED_HEX not in text


def test_the_regulator_sees_the_drawn_experts_at_once(store: LedgerStore) -> None:
    text = _text(_view(store, DRAWN_AND_SEATED, "regulator"))
    for name in NAMES:
        assert name in text
    assert SEED_HEX in text


def test_after_the_award_notice_the_draw_is_public_so_anyone_can_recompute_it(
    store: LedgerStore,
) -> None:
    remote = _view(store, NOTICE_PUBLISHED, "public")["remote_evaluation"]
    assert remote["names_published"] is True
    (draw,) = remote["draws"]
    assert draw["seed"] == SEED_HEX
    assert sorted(seat["id"] for seat in draw["members"]) == sorted(remote_seed.DRAWN)
    assert "supervisor" not in json.dumps(remote["venues"])
