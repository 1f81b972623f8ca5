"""Files named by a user: read whole but bounded, written whole or not at all.

Every failure is an :class:`InvalidInput` of one line that names the file and what is wrong
with it (missing, a directory, unreadable, too large, not UTF-8, not strict JSON). Standard
library only: the offline bundle verifier reads its bundle through here too.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Any

from ledger.canonical import loads_strict
from ledger.errors import InvalidInput, VerificationFailure
from ledger.limits import MAX_NOTE_BYTES
from ledger.notes import Checkpoint, parse_note


def read_bytes(path: str | Path, what: str, max_bytes: int) -> bytes:
    """The bytes of ``path`` (a ``what``: "bundle", "bid document"), at most ``max_bytes``."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InvalidInput(f"cannot read {what} {path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"cannot read {what} {path}: it is a directory") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise InvalidInput(f"{what} {path} is larger than the limit of {max_bytes} bytes")
    return data


def read_text(path: str | Path, what: str, max_bytes: int) -> str:
    """The UTF-8 text of ``path``, at most ``max_bytes`` long."""
    data = read_bytes(path, what, max_bytes)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{what} {path} is not UTF-8 text (byte {exc.start})") from None


def read_json(path: str | Path, what: str, max_bytes: int) -> Any:
    """The strict JSON value of ``path`` (see :func:`ledger.canonical.loads_strict`)."""
    return loads_strict(read_bytes(path, what, max_bytes), f"{what} {path}", max_bytes=max_bytes)


def check_output(path: str | Path, what: str) -> None:
    """Refuse, before any work is done, an output path that cannot be written."""
    target = Path(path)
    if target.is_dir():
        raise InvalidInput(f"cannot write {what} to {path}: it is a directory")
    if not target.parent.is_dir():
        raise InvalidInput(f"cannot write {what} to {path}: there is no folder {target.parent}")


def write_file(path: str | Path, data: bytes, what: str) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it: all of it or nothing."""
    check_output(path, what)
    target = Path(path)
    folder = target.parent
    temporary = folder / f".{target.name}.{secrets.token_hex(6)}.partial"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {what} to {path}: {exc.strerror or exc}") from None


def read_checkpoint_note(path: str | Path) -> str:
    """A file holding one signed checkpoint note (its form only; signatures are checked later).

    Anything else (not UTF-8, not a signed note, a note whose text is not a checkpoint) is
    :class:`InvalidInput`: the reader gave the wrong file, nothing failed verification yet.
    """
    text = read_text(path, "checkpoint", MAX_NOTE_BYTES)
    try:
        Checkpoint.parse(parse_note(text)[0])
    except (VerificationFailure, InvalidInput) as exc:
        raise InvalidInput(f"{path} is not a signed checkpoint note: {exc}") from None
    return text
