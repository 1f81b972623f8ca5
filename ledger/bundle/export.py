"""Export one tender as a self-contained audit bundle (docs/bundle-format.md).

The bundle covers the log up to its latest checkpoint: the tender's events, its attempts
stream and every registry and expert pools event in that range (a draw reads the pools),
each with its exact preimage, signed bytes and an inclusion proof to the latest checkpoint;
every checkpoint issued, consistency proofs between consecutive ones, and the hash of each
complete subtree of other streams' leaves, so that the exported leaves and those hashes
rebuild the latest root exactly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any
from uuid import UUID

from ledger.bundle.format import FORMAT, b64
from ledger.errors import InvalidInput, NotFound
from ledger.events import LedgerEvent
from ledger.merkle import NodeReader
from ledger.notes import COSIGNATURE_V1, ED25519, Checkpoint, NoteVerifier, parse_note
from ledger.procedure.attempts import attempts_stream
from ledger.procedure.pools import POOLS_STREAM
from ledger.procedure.registry_state import REGISTRY_STREAM
from ledger.procedure.state import tender_stream
from ledger.store import LedgerStore
from ledger.transparency.tree_store import Leaf, StoredCheckpoint, TreeStore, engine_of


@dataclass(frozen=True)
class Export:
    """A bundle and what it left out: events of the tender after the latest checkpoint."""

    bundle: dict[str, Any]
    events: int
    tree_size: int
    not_yet_checkpointed: int


def export_bundle(store: LedgerStore, code: str) -> Export:
    """The bundle of tender ``code`` as the latest checkpoint of ``store``'s log covers it."""
    tender = tender_stream(code)
    if not store.exists(tender):
        raise NotFound(f"no tender {code} in this database")
    tree = TreeStore(engine_of(store))
    checkpoints = tree.checkpoints()
    if not checkpoints:
        raise InvalidInput(
            "the log has no signed checkpoint yet; the platform issues one every 64 events and at "
            "each deadline, opening and award (LedgerService.checkpoint issues one on demand)"
        )
    size = checkpoints[-1].size
    wanted = {str(tender), str(attempts_stream(tender)), str(REGISTRY_STREAM), str(POOLS_STREAM)}
    leaves = [leaf for leaf in _leaves(tree, size) if leaf.stream in wanted]
    events = [(leaf, _load(store, leaf)) for leaf in leaves]
    bundle = {
        "format": FORMAT,
        "tender": {"code": code, "stream": str(tender)},
        "log": _log_keys(checkpoints[-1], [event for _, event in events]),
        "checkpoints": [c.note for c in checkpoints],
        "consistency": _consistency(tree, checkpoints),
        "events": [_entry(tree, leaf, event, size) for leaf, event in events],
        "omitted": omitted_subtrees(tree, [leaf.leaf_index for leaf in leaves], size),
    }
    exported = sum(1 for leaf in leaves if leaf.stream == str(tender))
    later = store.version_of(tender) - exported
    return Export(bundle, len(events), size, later)


def _leaves(tree: TreeStore, size: int) -> Iterator[Leaf]:
    for leaf in tree.leaves(0):
        if leaf.leaf_index >= size:
            return
        yield leaf


def _load(store: LedgerStore, leaf: Leaf) -> LedgerEvent:
    event = store.event_at(UUID(leaf.stream), leaf.version)
    if not isinstance(event, LedgerEvent):
        raise InvalidInput(f"leaf {leaf.leaf_index} is not a ledger event")
    return event


def _entry(tree: TreeStore, leaf: Leaf, event: LedgerEvent, size: int) -> dict[str, Any]:
    return {
        "leaf_index": leaf.leaf_index,
        "stream": leaf.stream,
        "version": leaf.version,
        "preimage": b64(event.preimage()),
        "event_hash": event.event_hash,
        "signed": b64(event.signed_command().signed_bytes()),
        "inclusion_proof": [h.hex() for h in tree.inclusion_proof(leaf.leaf_index, size)],
    }


def _log_keys(latest: StoredCheckpoint, events: Sequence[LedgerEvent]) -> dict[str, Any]:
    """The log's and the witnesses' vkeys, as registered by the exported registry events."""
    origin = Checkpoint.parse(parse_note(latest.note)[0]).origin
    log: str | None = None
    witnesses: list[str] = []
    for vkey in _note_keys(events):
        verifier = NoteVerifier.from_vkey(vkey)
        if verifier.algorithm == ED25519 and verifier.name == origin:
            log = vkey
        elif verifier.algorithm == COSIGNATURE_V1 and vkey not in witnesses:
            witnesses.append(vkey)
    if log is None:
        raise InvalidInput(f"no log key for {origin} is registered in the exported registry")
    return {"origin": origin, "vkey": log, "witnesses": witnesses}


def _note_keys(events: Sequence[LedgerEvent]) -> Iterator[str]:
    for event in events:
        if event.type == "KeyRegistered" and event.args.get("purpose") == "log":
            yield str(event.args["note_key"])


def _consistency(tree: TreeStore, checkpoints: Sequence[StoredCheckpoint]) -> list[dict[str, Any]]:
    proofs = []
    for old, new in pairwise(checkpoints):
        proof = tree.consistency_proof(old.size, new.size) if 0 < old.size < new.size else []
        proofs.append(
            {"from_size": old.size, "to_size": new.size, "proof": [h.hex() for h in proof]}
        )
    return proofs


def omitted_subtrees(tree: NodeReader, exported: Sequence[int], size: int) -> list[dict[str, Any]]:
    """The largest complete subtrees covering every leaf in [0, size) not in ``exported``.

    ``exported`` must be increasing and below ``size``.
    """
    result = []
    start = 0
    for end in [*exported, size]:
        while start < end:
            width = start & -start if start else 1 << (size.bit_length())
            while start + width > end:
                width >>= 1
            level = width.bit_length() - 1
            digest = tree.node(level, start >> level)
            result.append({"start": start, "size": width, "hash": digest.hex()})
            start += width
        start = end + 1
    return result
