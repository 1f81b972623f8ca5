"""A witness's own record, in a folder: the latest checkpoint it cosigned per log, and evidence.

``logs/<sha256(origin) hex>.json`` holds, per log origin, the size, root hash and note of
the latest checkpoint cosigned, and the cosignature. ``evidence/<id>/`` holds a refused
fork: ``cosigned.note`` (what the witness had cosigned), ``refused.note`` (the checkpoint
it refused), ``request.txt`` (the whole request) and ``reason.txt``. Every file is written
to a temporary name, flushed to disk and renamed into place, so a crash leaves the old
record or the new one, never half of either. :meth:`WitnessState.locked` serialises
check-then-update across threads and processes (an exclusive ``flock`` on ``lock``).
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import InvalidInput


@dataclass(frozen=True)
class CosignedCheckpoint:
    """The latest checkpoint a witness cosigned for one log."""

    origin: str
    size: int
    root: bytes
    note: str
    cosignature: str

    def to_json(self) -> dict[str, object]:
        root = base64.b64encode(self.root).decode("ascii")
        return {**vars(self), "root": root}


def _digest(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def _fsync_directory(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temporary file, fsync, rename, fsync folder."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


class WitnessState:
    """The folder a witness keeps its state in (created if missing)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.logs = self.directory / "logs"
        self.evidence_dir = self.directory / "evidence"
        for folder in (self.directory, self.logs, self.evidence_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self._thread_lock = threading.Lock()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the state exclusively (this process's threads and any other process)."""
        with self._thread_lock, (self.directory / "lock").open("a") as lock_file:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

    def _log_file(self, origin: str) -> Path:
        return self.logs / f"{_digest(origin)}.json"

    def latest(self, origin: str) -> CosignedCheckpoint | None:
        """The latest checkpoint cosigned for ``origin``, or None if none ever was."""
        path = self._log_file(origin)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            record = CosignedCheckpoint(
                origin=data["origin"],
                size=int(data["size"]),
                root=base64.b64decode(data["root"], validate=True),
                note=data["note"],
                cosignature=data["cosignature"],
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise InvalidInput(f"witness state file {path} is damaged: {exc}") from None
        if record.origin != origin:
            raise InvalidInput(
                f"witness state file {path} is for {record.origin!r}, not {origin!r}"
            )
        return record

    def record(self, cosigned: CosignedCheckpoint) -> None:
        """Make ``cosigned`` the latest checkpoint of its log, durably."""
        text = json.dumps(cosigned.to_json(), ensure_ascii=False, indent=1, sort_keys=True)
        _write_file(self._log_file(cosigned.origin), (text + "\n").encode("utf-8"))

    def keep_evidence(
        self, cosigned: CosignedCheckpoint, refused_note: str, request: bytes, reason: str
    ) -> Path:
        """Keep a refused fork (both signed checkpoints); return its folder. Idempotent."""
        name = f"{_digest(cosigned.origin)[:16]}-{_digest(refused_note)[:16]}"
        target = self.evidence_dir / name
        if target.exists():
            return target
        staging = Path(tempfile.mkdtemp(dir=self.evidence_dir, prefix=".tmp-"))
        try:
            files = {
                "cosigned.note": cosigned.note.encode("utf-8"),
                "refused.note": refused_note.encode("utf-8"),
                "request.txt": request,
                "reason.txt": f"log {cosigned.origin}\n{reason}\n".encode(),
            }
            for file_name, data in files.items():
                _write_file(staging / file_name, data)
            os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _fsync_directory(self.evidence_dir)
        return target

    def evidence(self) -> list[Path]:
        """The folders of every fork kept as evidence, sorted by name."""
        return sorted(p for p in self.evidence_dir.iterdir() if not p.name.startswith("."))
