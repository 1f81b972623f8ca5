"""What a reviewer's trust policy demands of a log or a bundle (T7, T8), checked the same way
by ``verify`` and by the offline bundle verifier.

The policy (``ledger.policy``) pins the registration authority's key, the log's key and the
witnesses' keys; nothing the platform stored can replace them. A deadline checkpoint needs
``quorum`` cosignatures of the policy's witnesses dated no later than the deadline plus the
policy's seconds (a later cosignature does not fix the set of bids); a closing checkpoint
(covering a tender's last event) needs ``quorum`` cosignatures at any time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from ledger.clock import format_time
from ledger.errors import LedgerError, VerificationFailure
from ledger.notes import COSIGNATURE_V1, ED25519, NoteVerifier, verify_cosignature
from ledger.notes.claims import CheckpointClaim
from ledger.policy import PolicyWitness, TrustPolicy
from ledger.procedure.registry_state import RegistryState

DEFAULT_DEADLINE_WITHIN = 900  # seconds: a deadline checkpoint cosigned within 15 minutes


def policy_of(
    registry: RegistryState, log_origin: str, *, deadline_within: int = DEFAULT_DEADLINE_WITHIN
) -> TrustPolicy:
    """The policy a deployment's own registry implies (what ``bidledger policy`` prints)."""
    log = registry.log_verifier(log_origin)
    witnesses = tuple(PolicyWitness(_word(w.name), w.vkey()) for w in registry.witness_verifiers())
    return TrustPolicy(
        authority_key=registry.genesis_key,
        log_vkey=log.vkey(),
        witnesses=witnesses,
        quorum=len(witnesses),
        deadline_within=deadline_within if witnesses else None,
        closing=bool(witnesses),
    )


def check_anchors(policy: TrustPolicy, registry: RegistryState | None, where: str) -> None:
    """The log's own registry must be anchored in the policy's authority and log keys."""
    if registry is None or not registry.genesis_key:
        raise VerificationFailure(where, "holds no registry genesis to check the policy against")
    if registry.genesis_key != policy.authority_key:
        raise VerificationFailure(
            "registration authority",
            f"the authority key of the {where} ({registry.genesis_key.hex()[:16]}…) is not the "
            f"policy's ({policy.authority_key.hex()[:16]}…): the keys are not the ones pinned",
        )
    if registry.note_key(policy.log_vkey) is None:
        raise VerificationFailure(
            "log key",
            f"the policy's log key {policy.log_vkey} is not registered in the {where}",
        )
    for witness in policy.witnesses:
        if registry.note_key(witness.vkey) is None:
            raise VerificationFailure(
                f"witness {witness.name}",
                f"the policy's witness key is not registered in the {where}",
            )


def log_verifier(policy: TrustPolicy) -> NoteVerifier:
    verifier = NoteVerifier.from_vkey(policy.log_vkey)
    if verifier.algorithm != ED25519:
        raise VerificationFailure("policy", "the log key is not an Ed25519 note key")
    return verifier


def witness_verifiers(policy: TrustPolicy) -> list[NoteVerifier]:
    return [NoteVerifier.from_vkey(w.vkey) for w in policy.witnesses]


def cosigners(note: str, witnesses: Sequence[NoteVerifier]) -> dict[str, int]:
    """The witnesses whose cosignature on ``note`` verifies, with its time (POSIX seconds)."""
    found: dict[str, int] = {}
    for witness in witnesses:
        if witness.algorithm != COSIGNATURE_V1:
            continue
        try:
            found[witness.name] = verify_cosignature(note, witness)
        except (LedgerError, StopIteration):
            continue
    return found


def check_witnessed(label: str, note: str, claim: CheckpointClaim, policy: TrustPolicy) -> None:
    """A deadline or closing checkpoint must carry the policy's quorum of cosignatures."""
    if claim.reason == "deadline" and policy.deadline_within is not None:
        latest = claim.time + timedelta(seconds=policy.deadline_within)
    elif claim.reason == "closing" and policy.closing:
        latest = None
    else:
        return
    signed = cosigners(note, witness_verifiers(policy))
    timely = {
        name: moment
        for name, moment in signed.items()
        if latest is None or moment <= int(latest.timestamp())
    }
    if len(timely) >= policy.quorum:
        return
    late = sorted(set(signed) - set(timely))
    when = "" if latest is None else f" by {format_time(latest)}"
    raise VerificationFailure(
        label,
        f"the policy needs {policy.quorum} witness cosignature(s) on this {claim.reason} "
        f"checkpoint{when}; found {len(timely)}"
        + (f" (too late: {', '.join(late)})" if late else ""),
    )


def check_quorum(label: str, note: str, policy: TrustPolicy) -> None:
    """The latest checkpoint of a log must carry the quorum: what comes before it cannot
    be rewritten without the witnesses (a rollback below it is caught with ``--against``
    the witnesses' own latest)."""
    signed = cosigners(note, witness_verifiers(policy))
    if len(signed) < policy.quorum:
        raise VerificationFailure(
            label,
            f"the log's latest checkpoint carries {len(signed)} of the {policy.quorum} witness "
            "cosignature(s) the policy needs: the history it covers is not witnessed",
        )


def _word(name: str) -> str:
    """A witness's name as one policy word (its vkey name, spaces replaced)."""
    return name.replace(" ", "_")
