"""A key registered with a back-dated validity, named as such before the rest is checked (S2).

Who may sign what is decided by re-executing the registry's own rules on the bundle's
registry events (:mod:`ledger.procedure.replay`); :class:`NoteKeys` is what the checkpoint
checks need of the registry rebuilt that way.
"""

from __future__ import annotations

from typing import Protocol

from ledger.bundle.format import field, parse_time
from ledger.bundle.records import Record
from ledger.errors import VerificationFailure
from ledger.procedure.registry_state import KeyRecord


class NoteKeys(Protocol):
    """The registered note keys (the log's and the witnesses'), by C2SP vkey."""

    def note_key(self, vkey: str) -> KeyRecord | None: ...


def check_back_dated(record: Record, where: str) -> None:
    """S2: a KeyRegistered whose validity starts before its own registration time is refused."""
    if record.type != "KeyRegistered":
        return
    valid_from = parse_time(field(record.args, "valid_from", str, "args"), "args.valid_from")
    if valid_from < record.time:
        raise VerificationFailure(
            where,
            f"back-dated key: {record.args.get('party')!r} key registered at "
            f"{record.time.isoformat()} claims validity from {valid_from.isoformat()} "
            "(S2: a key's validity cannot start before it was registered)",
        )
