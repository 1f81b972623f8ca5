"""Which databases get a writers' queue file beside them (the SQLite files, nothing else)."""

from __future__ import annotations

from pathlib import Path

from ledger.writes import WriterQueue


def test_a_sqlite_file_gets_a_lock_file_beside_it(tmp_path: Path) -> None:
    queue = WriterQueue.for_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    assert queue is not None
    assert queue.path == f"{tmp_path / 'ledger.db'}-writer.lock"
    with queue.held():
        assert Path(queue.path).exists()
    queue.close()


def test_memory_and_server_databases_need_no_queue_file() -> None:
    for url in (
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:x?mode=memory&uri=true",
        "postgresql+psycopg://user@/db?host=/tmp",
    ):
        assert WriterQueue.for_url(url) is None, url
