"""A bundle against a reviewer's trust policy (T7, T8) and a checkpoint from elsewhere.

With a policy, the bundle's registry must grow from the policy's authority key, its
checkpoints must be signed by the policy's log key, its witnesses are the policy's (never
the bundle's own ``log.witnesses``), the tender's deadline checkpoint needs the quorum in
time, and its closing checkpoint, covering its last event, needs the quorum too.

A checkpoint given with ``--against`` (from another reviewer, a witness, a notice) must agree
with the bundle: one of the same size has the same root, and any head it names for the
bundle's streams is the bundle's own event at that version. Two signed checkpoints that
disagree prove a fork; the failure carries both.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.bundle.heads import Exported
from ledger.bundle.tlog import IssuedCheckpoint
from ledger.errors import LedgerError, VerificationFailure
from ledger.notes import Checkpoint, NoteVerifier, open_checkpoint, parse_note
from ledger.notes.claims import claims_of
from ledger.policy import TrustPolicy
from ledger.procedure.registry_state import RegistryState
from ledger.trust import check_anchors, check_witnessed
from ledger.trust import log_verifier as policy_log_verifier


def anchor(policy: TrustPolicy, registry: RegistryState, bundle_log_vkey: str) -> NoteVerifier:
    """The policy's log key, once the bundle's registry and log key are the policy's."""
    check_anchors(policy, registry, "bundle's registry")
    if bundle_log_vkey != policy.log_vkey:
        raise VerificationFailure(
            "log.vkey", f"the bundle's log key {bundle_log_vkey} is not the policy's"
        )
    return policy_log_verifier(policy)


def check_policy_checkpoints(
    policy: TrustPolicy,
    issued: Sequence[IssuedCheckpoint],
    tender: str,
    last_leaf: int,
    opened: bool,
) -> None:
    """The deadline checkpoint (once the opening started) and the closing checkpoint
    covering the tender's last exported event, each with the policy's quorum."""
    mine = [c for c in issued if c.claim.tender == tender]
    deadline = [c for c in mine if c.claim.reason == "deadline"]
    if opened and policy.deadline_within is not None and not deadline:
        raise VerificationFailure("checkpoints", "the opening started, but no deadline checkpoint")
    for checkpoint in deadline:
        check_witnessed(checkpoint.where, checkpoint.note, checkpoint.claim, policy)
    if not policy.closing:
        return
    closing = [c for c in mine if c.claim.reason == "closing" and c.head.size > last_leaf]
    if not closing:
        raise VerificationFailure(
            "checkpoints",
            "the policy needs the tender's closing checkpoint, covering its last event "
            f"(leaf {last_leaf}); the bundle has none, so its streams are not proven complete",
        )
    check_witnessed(closing[-1].where, closing[-1].note, closing[-1].claim, policy)


def check_against(
    note: str,
    log: NoteVerifier,
    issued: Sequence[IssuedCheckpoint],
    events: Sequence[Exported],
    labels: dict[str, str],
) -> int:
    """Compare a signed checkpoint from elsewhere with the bundle; return how many facts
    could be compared (0: the two say nothing about each other)."""
    where = "the checkpoint given with --against"
    try:
        head = Checkpoint.parse(parse_note(note)[0])
        other = open_checkpoint(note, log)
        heads = claims_of(head).heads
    except LedgerError as exc:
        raise VerificationFailure(where, f"not a checkpoint of this log: {exc}") from None
    compared = 0
    for mine in issued:
        if mine.head.size == other.size:
            compared += 1
            if mine.head.root != other.root:
                raise _fork(where, f"size {other.size} has two roots", mine.note, note)
    for stream, named in heads.items():
        if stream not in labels:
            continue
        found = next((e for e in events if e.stream == stream and e.version == named.version), None)
        compared += 1
        if found is not None and found.event_hash != named.event_hash:
            detail = f"{labels[stream]} v{named.version} is another event in each"
            raise _fork(where, detail, _holding(issued, found), note)
        if found is None and other.size <= issued[-1].head.size:
            raise VerificationFailure(
                where,
                f"names {labels[stream]} v{named.version} below size {other.size}, which the "
                "bundle does not hold: the bundle hides events of the stream",
            )
    return compared


def _holding(issued: Sequence[IssuedCheckpoint], event: Exported) -> str:
    """The bundle's first checkpoint that covers ``event``."""
    return next(c.note for c in issued if c.head.size > event.leaf_index)


def _fork(where: str, detail: str, mine: str, theirs: str) -> VerificationFailure:
    return VerificationFailure(
        where,
        f"FORK: {detail}; both checkpoints are signed by the log:\n"
        f"--- the bundle's ---\n{mine}--- the other ---\n{theirs}",
    )
