"""The Merkle tree stored next to the events: a contract for SQLite and PostgreSQL (T1).

Leaves in log order with the RFC 6962 leaf hash of each event's preimage; every complete
subtree stored once; proofs equal to the slow RFC reference; one transaction per batch;
O(log n) node reads per proof, in one query.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa

from commands import seed
from commands.messages import AskQuestion
from commands.world import World
from ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from ledger.merkle import reference as ref
from ledger.transparency import Leaf, TreeStore
from ledger.transparency.tree_store import NODES
from ledger.verification import verify_log
from tests.contract.backends import OnPostgreSQL, OnSQLite
from tests.support.transparency import log_entries, logged_world, publish, rfc_leaf, transparency


def _tree(world: World) -> TreeStore:
    return transparency(world).tree


def _node_count(tree: TreeStore) -> int:
    with tree.engine.connect() as connection:
        return len(connection.execute(NODES.select()).all())


class TreeStoreContract:
    """What the stored tree guarantees on any backend."""

    @pytest.fixture
    def world(self, url: str) -> Iterator[World]:
        world, _ = logged_world(url, every=1000)
        publish(world)
        yield world
        world.service.store.close()

    def test_the_tree_holds_every_event_in_log_order_with_its_rfc_leaf_hash(
        self, world: World
    ) -> None:
        tree = _tree(world)
        entries = log_entries(world.service.store)
        assert tree.size() == len(entries) > 40
        for index, (log_index, event) in enumerate(entries):
            leaf = tree.leaf(index)
            assert (leaf.notification_id, leaf.stream, leaf.version) == (
                log_index,
                str(event.originator_id),
                event.originator_version,
            )
            assert leaf.leaf_hash == rfc_leaf(event.preimage())
            assert tree.leaf_index_of(log_index) == index
        assert tree.root() == ref.mth([rfc_leaf(event.preimage()) for _, event in entries])

    def test_every_proof_equals_the_rfc_reference_and_verifies(self, world: World) -> None:
        tree = _tree(world)
        leaves = [tree.leaf(i).leaf_hash for i in range(tree.size())]
        for size in range(1, len(leaves) + 1, 7):
            root = tree.root(size)
            assert root == ref.mth(leaves[:size])
            for index in range(size):
                proof = tree.inclusion_proof(index, size)
                assert proof == ref.path(index, leaves[:size])
                verify_inclusion(leaves[index], index, size, proof, root)
            for older in range(1, size):
                proof = tree.consistency_proof(older, size)
                assert proof == ref.proof(older, leaves[:size])
                verify_consistency(older, size, proof, tree.root(older), root)

    def test_the_node_table_holds_exactly_the_complete_subtrees(self, world: World) -> None:
        tree = _tree(world)
        size = tree.size()
        expected = sum(size >> level for level in range(size.bit_length()))
        assert _node_count(tree) == expected
        for level in range(tree.levels()):
            assert [index for index, _ in tree.nodes_at(level)] == list(range(size >> level))

    def test_sync_appends_only_new_entries_and_never_rewrites_a_node(self, world: World) -> None:
        tree = _tree(world)
        before = {level: list(tree.nodes_at(level)) for level in range(tree.levels())}
        size = tree.size()
        world.act(seed.QXD, "bidder", AskQuestion(seed.CODE, "交货期是否可以延长?"))
        assert tree.size() == size + 1
        assert tree.sync(world.service.store) == 0
        for level, nodes in before.items():
            assert list(tree.nodes_at(level))[: len(nodes)] == nodes

    def test_a_tree_behind_the_log_still_verifies_and_catches_up(self, world: World) -> None:
        tree, log = _tree(world), world.service.transparency
        size = tree.size()
        world.service.transparency = None  # a writer that does not keep the tree
        world.act(seed.QXD, "bidder", AskQuestion(seed.CODE, "包装要求?"))
        world.service.transparency = log
        summary = verify_log(world.service.store).merkle
        assert summary is not None
        assert (summary.size, summary.stored_size) == (size + 1, size)
        assert tree.sync(world.service.store) == 1
        assert tree.root() == ref.mth(
            [rfc_leaf(e.preimage()) for _, e in log_entries(world.service.store)]
        )

    def test_a_sync_that_fails_midway_writes_nothing(
        self, world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        store = world.service.store
        fresh = TreeStore(f"sqlite:///{tmp_path / 'fresh.db'}")
        decode = store.decode
        calls = iter(range(10**6))

        def failing(record: object) -> object:
            if next(calls) == 20:
                raise RuntimeError("disk on fire")
            return decode(record)  # type: ignore[arg-type]

        monkeypatch.setattr(store, "decode", failing)
        with pytest.raises(RuntimeError, match="disk on fire"):
            fresh.sync(store, batch=1000)
        assert fresh.size() == 0
        assert _node_count(fresh) == 0
        monkeypatch.setattr(store, "decode", decode)
        assert fresh.sync(store, batch=7) == _tree(world).size()
        assert fresh.root() == _tree(world).root()
        fresh.close()

    def test_two_writers_syncing_at_once_build_one_tree(self, url: str) -> None:
        world, _ = logged_world(url, every=1000)
        publish(world)
        store = world.service.store
        fresh = [TreeStore(url) for _ in range(2)]
        for tree in fresh:
            with tree.engine.begin() as connection:
                for table in ("merkle_nodes", "merkle_leaves"):
                    connection.exec_driver_sql(f"DELETE FROM {table}")
        errors: list[BaseException] = []

        def run(tree: TreeStore) -> None:
            try:
                tree.sync(store, batch=5)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(tree,)) for tree in fresh]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        entries = log_entries(store)
        assert fresh[0].size() == len(entries)
        assert fresh[0].root() == ref.mth([rfc_leaf(e.preimage()) for _, e in entries])
        for tree in fresh:
            tree.close()
        store.close()


class TestTreeStoreOnSQLite(OnSQLite, TreeStoreContract):
    pass


class TestTreeStoreOnPostgreSQL(OnPostgreSQL, TreeStoreContract):
    def test_postgresql_id_gaps_from_a_refused_save_do_not_leave_gaps_in_the_tree(
        self,
        pg_url: str,
    ) -> None:
        world, _ = logged_world(pg_url)
        publish(world)
        store = world.service.store
        tree = _tree(world)
        with pytest.raises(sa.exc.IntegrityError), tree.engine.begin() as connection:
            connection.exec_driver_sql(  # a refused insert still takes the next id
                "INSERT INTO application_events (originator_id, originator_version, topic, state) "
                "SELECT originator_id, originator_version, topic, state FROM application_events "
                "LIMIT 1"
            )
        world.act(seed.RUNHUA, "bidder", AskQuestion(seed.CODE, "问题二"))
        ids = [record.id for record in store.log()]
        assert ids[-1] - ids[-2] == 2, "PostgreSQL should have skipped an id"
        assert tree.size() == len(ids)
        assert tree.leaf_index_of(ids[-1]) == len(ids) - 1
        store.close()


def test_leaf_indices_are_positions_in_the_log_not_notification_ids(tmp_path: Path) -> None:
    tree = TreeStore(f"sqlite:///{tmp_path / 'gaps.db'}")
    ids = [1, 2, 5, 9, 10, 40]
    leaves = [leaf_hash(bytes([i])) for i in ids]
    pairs = enumerate(zip(ids, leaves, strict=True))
    tree.append([Leaf(i, nid, str(uuid4()), 1, h) for i, (nid, h) in pairs])
    assert [tree.leaf_index_of(nid) for nid in ids] == list(range(len(ids)))
    assert tree.root() == ref.mth(leaves)
    tree.close()


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TreeStore]:
    """A SQLite tree of 2**13 + 5 random leaves, built directly."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    tree = TreeStore(f"sqlite:///{path}")
    chooser = random.Random(6962)
    stream = str(uuid4())
    leaves = [Leaf(i, i + 1, stream, i + 1, chooser.randbytes(32)) for i in range(2**13 + 5)]
    for start in range(0, len(leaves), 1000):
        tree.append(leaves[start : start + 1000])
    yield tree
    tree.close()


@pytest.mark.parametrize("size", [17, 1000, 2**13 + 5])
def test_a_proof_reads_o_log_n_nodes_in_one_query(big_tree: TreeStore, size: int) -> None:
    chooser = random.Random(size)
    bound = 2 * math.ceil(math.log2(size)) + 1
    for _ in range(40):
        index = chooser.randrange(size)
        older = chooser.randrange(1, size)
        for work in (
            partial(big_tree.inclusion_proof, index, size),
            partial(big_tree.consistency_proof, older, size),
            partial(big_tree.root, size),
        ):
            reads, queries = big_tree.node_reads, big_tree.queries
            work()
            assert big_tree.queries - queries == 1
            assert big_tree.node_reads - reads <= bound


def test_node_reads_do_not_grow_with_the_tree_beyond_its_height(big_tree: TreeStore) -> None:
    reads = {}
    for size in (2**5, 2**9, 2**13):
        before = big_tree.node_reads
        big_tree.inclusion_proof(size // 3, size)
        reads[size] = big_tree.node_reads - before
    assert reads == {2**5: 5, 2**9: 9, 2**13: 13}


def test_a_proof_searches_the_primary_keys_and_never_scans_a_table(big_tree: TreeStore) -> None:
    executed: list[tuple[str, Any]] = []

    def record(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        executed.append((statement, parameters))

    sa.event.listen(big_tree.engine, "before_cursor_execute", record)
    try:
        big_tree.inclusion_proof(1234, 2**13 + 5)
        big_tree.consistency_proof(999, 2**13 + 5)
    finally:
        sa.event.remove(big_tree.engine, "before_cursor_execute", record)
    assert len(executed) == 4  # the tree size, then the proof's nodes, twice
    with big_tree.engine.connect() as connection:
        for statement, parameters in executed:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            details = [str(row[-1]) for row in plan]
            assert not [d for d in details if d.startswith("SCAN")], (statement, details)
