"""The database's stored read models, kept up with the log behind a server's writes.

A command's answer does not wait for the read models: after a write the follower is woken,
lets a burst of writes gather for a moment, then catches every stored read model up in one
batch, taking the server's writer lock so that it never writes beside the service. When the
server stops, a last catch-up runs before the follower ends, so no read model is left behind
the log without an error recorded (``bidledger verify`` counts that as a failure).
"""

from __future__ import annotations

import threading

from commands.platform import StoredReadModels

GATHER_SECONDS = 0.1


class ReadModelFollower:
    """A thread that brings ``models`` up to the log after writes, under ``lock``."""

    def __init__(
        self, models: StoredReadModels, lock: threading.Lock, gather: float = GATHER_SECONDS
    ) -> None:
        self._models = models
        self._lock = lock
        self._gather = gather
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="read-models", daemon=True)
        self._thread.start()

    def written(self) -> None:
        """Something was written to the log (an event or a refused attempt)."""
        self._wake.set()

    def close(self) -> None:
        """Stop following, after one last catch-up."""
        self._stopping.set()
        self._wake.set()
        self._thread.join()
        with self._lock:
            self._models.catch_up()
        self._models.close()

    def _follow(self) -> None:
        while True:
            self._wake.wait()
            self._stopping.wait(self._gather)  # a burst of writes, caught up at once
            self._wake.clear()
            if self._stopping.is_set():
                return  # close() runs the last catch-up
            with self._lock:
                self._models.catch_up()
