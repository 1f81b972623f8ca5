"""What a successful bundle verification covered, for people (``lines``) and machines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CheckpointSummary:
    size: int
    root: str
    reason: str
    time: str
    cosigned_by: tuple[str, ...]


@dataclass(frozen=True)
class BundleReport:
    """The facts a verified bundle establishes."""

    tender_code: str
    tender_stream: str
    events: dict[str, int]
    tree_size: int
    root: str
    omitted_leaves: int
    checkpoints: tuple[CheckpointSummary, ...]
    authority: str
    log_vkey: str
    deadline_checkpoint: int | None
    sealed_bids: int
    revealed_bids: int
    anchored: bool = False
    against_compared: int | None = None
    unreadable_bids: tuple[str, ...] = ()
    complete_to: int | None = None
    unchecked_beacons: tuple[str, ...] = ()  # drand rounds whose BLS signature is not checked

    def lines(self) -> list[str]:
        """A human summary, one fact per line."""
        counts = ", ".join(f"{n} of {label}" for label, n in self.events.items())
        lines = [
            "keys: pinned by the trust policy given"
            if self.anchored
            else "keys: the bundle's own, UNANCHORED (no --policy): a bundle forged from "
            "scratch with fresh keys would verify too",
            f"bundle of tender {self.tender_code} ({self.tender_stream}): VERIFIED",
            f"  events: {counts}; every hash, chain link, signature and key holds, and every "
            "command re-run through the rules gives the event recorded",
            f"  log: tree size {self.tree_size}, root {self.root}; {self.omitted_leaves} "
            "leaves of other streams are shown only as subtree hashes",
            f"  registration authority key {self.authority}; log key {self.log_vkey}",
        ]
        for number, checkpoint in enumerate(self.checkpoints):
            witnessed = (
                f", cosigned by {', '.join(checkpoint.cosigned_by)}"
                if checkpoint.cosigned_by
                else ""
            )
            lines.append(
                f"  checkpoint {number}: {checkpoint.reason} {checkpoint.time}, size "
                f"{checkpoint.size}, root {checkpoint.root[:16]}…{witnessed}"
            )
        if self.complete_to is not None:
            lines.append(
                f"  T9: checkpoint {self.complete_to} names the tender's last event as its head: "
                "no event of the tender up to it is hidden"
            )
        if self.deadline_checkpoint is not None:
            lines.append(
                f"  T4: every sealed bid was logged before deadline checkpoint "
                f"{self.deadline_checkpoint}"
            )
        lines.append(
            f"  sealed bids: {self.sealed_bids} checked; {self.revealed_bids} revealed bids "
            "re-derived from their ciphertexts and the officials' key shares (C5)"
        )
        lines += [f"  declared unreadable: {label}" for label in self.unreadable_bids]
        lines += [
            f"  expert draw {label}: re-executed from the bundle, except the beacon round's BLS "
            "signature (it needs a pairing library): check it with bidledger verify-draw"
            for label in self.unchecked_beacons
        ]
        if self.against_compared is not None:
            lines.append(
                f"  the checkpoint given with --against agrees ({self.against_compared} facts "
                "compared)"
                if self.against_compared
                else "  the checkpoint given with --against shares no size or stream head "
                "with the bundle: nothing could be compared"
            )
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": True,
            "tender": {"code": self.tender_code, "stream": self.tender_stream},
            "events": dict(self.events),
            "tree_size": self.tree_size,
            "root": self.root,
            "omitted_leaves": self.omitted_leaves,
            "checkpoints": [
                {
                    "size": c.size,
                    "root": c.root,
                    "reason": c.reason,
                    "time": c.time,
                    "cosigned_by": list(c.cosigned_by),
                }
                for c in self.checkpoints
            ],
            "authority": self.authority,
            "log_vkey": self.log_vkey,
            "deadline_checkpoint": self.deadline_checkpoint,
            "complete_to": self.complete_to,
            "sealed_bids": self.sealed_bids,
            "revealed_bids": self.revealed_bids,
            "unreadable_bids": list(self.unreadable_bids),
            "unchecked_beacons": list(self.unchecked_beacons),
            "anchored": self.anchored,
            "against_compared": self.against_compared,
        }
