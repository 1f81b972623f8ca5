"""Re-execution (T5): rebuild every stream from the log and run each command through its rules.

A :class:`Replayer` is given the events of a log (the whole log, or the part of it an audit
bundle carries) in log order. For each it checks the stream's chain and that time never runs
backwards (T6), then runs the signed command through :func:`dispatch.decide` on the state as
it then stood, with the registry as it then stood, at the event's own time, and compares:
the event type and facts must be what the rules give; a refused attempt must be refused
again, for the same rule and detail; a command id is used once across a tender and its
attempts stream. Nothing the platform stored is believed that the rules can recompute.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import MutableMapping
from datetime import datetime

from ledger.canonical import canonical_bytes, same_value
from ledger.clock import format_time
from ledger.crypto.sealing import SealedBid
from ledger.envelope import GENESIS_HASH
from ledger.errors import InvalidInput, LedgerError, RuleViolation, VerificationFailure
from ledger.procedure import dispatch
from ledger.procedure.attempts import attempts_stream
from ledger.procedure.pools import POOLS_STREAM, PoolsState
from ledger.procedure.records import Decision, EventRecord, StreamState
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState

ATTEMPT_TYPES = frozenset({"AttemptsOpened", "AttemptRefused"})


class Replayer:
    """The states of every stream seen so far, each checked event by event.

    ``states`` may be any mapping (``verify`` passes one that keeps only the recently used
    states in memory); ``check_times=False`` leaves T6 to a caller that sees the whole log
    when this replayer sees only some of its streams; ``beacon_signatures``: check drand
    beacons' BLS signatures (needs ``py_ecc``).
    """

    def __init__(
        self,
        states: MutableMapping[str, StreamState] | None = None,
        *,
        check_times: bool = True,
        beacon_signatures: bool = True,
    ) -> None:
        self.beacon_signatures = beacon_signatures
        self.states: MutableMapping[str, StreamState] = {} if states is None else states
        self.last_time: datetime | None = None
        self.check_times = check_times
        self._tender_of_attempts: dict[str, str] = {}

    @property
    def registry(self) -> RegistryState | None:
        state = self.states.get(str(REGISTRY_STREAM))
        return state if isinstance(state, RegistryState) else None

    @property
    def pools(self) -> PoolsState | None:
        state = self.states.get(str(POOLS_STREAM))
        return state if isinstance(state, PoolsState) else None

    def _decide(self, event: EventRecord, state: StreamState | None) -> Decision:
        return dispatch.decide(
            state,
            event.command,
            self.registry,
            event.time,
            pools=self.pools,
            beacon_signatures=self.beacon_signatures,
        )

    def check(self, event: EventRecord, where: str) -> None:
        """Check ``event`` against everything before it, then apply it."""
        self.check_position(event, where)
        self.check_content(event, where)

    def check_position(self, event: EventRecord, where: str, *, ciphertext: bool = True) -> None:
        """The event's place: its bid's ciphertext (unless checked already), its stream's
        chain, and (T6) its time."""
        if ciphertext and event.type == "BidSubmitted":
            check_ciphertext(event, where)
        _check_chain(event, self.states.get(event.stream), where)
        if self.check_times:
            self._check_time(event, where)

    def check_content(self, event: EventRecord, where: str) -> None:
        """Re-execute the event's command (T5), then apply the event."""
        previous = self.states.get(event.stream)
        if event.type in ATTEMPT_TYPES:
            self._check_refusal(event, where)
        else:
            self._check_decision(event, previous, where)
        self._check_unique_command(event, where)
        try:
            self.states[event.stream] = dispatch.apply(previous, event)
        except VerificationFailure:
            raise
        except Exception as exc:  # a malformed event cannot be applied; say so
            raise VerificationFailure(
                where, f"{event.type} cannot be applied ({type(exc).__name__}: {exc})"
            ) from None

    def _check_time(self, event: EventRecord, where: str) -> None:
        check_time_order(self.last_time, event.time, where)
        self.last_time = event.time

    def _check_decision(self, event: EventRecord, state: StreamState | None, where: str) -> None:
        try:
            decision = self._decide(event, state)
        except RuleViolation as refusal:
            raise VerificationFailure(
                where,
                f"{event.type} is recorded as accepted, but the rules refuse "
                f"{event.command.command} here: {refusal} (T5)",
            ) from None
        except LedgerError as exc:
            raise VerificationFailure(
                where, f"{event.command.command} does not re-execute: {exc} (T5)"
            ) from None
        if decision.event != event.type:
            raise VerificationFailure(
                where, f"recorded as {event.type}, the rules give {decision.event} (T5)"
            )
        facts = dict(event.facts)
        if same_value(decision.facts, facts):  # same plain JSON: the same bytes, encoded once
            expected = found = canonical_bytes(facts)
        else:
            expected, found = canonical_bytes(decision.facts), canonical_bytes(facts)
        if not hmac.compare_digest(expected, found):
            raise VerificationFailure(
                where,
                f"the facts of {event.type} differ from what the rules give (T5): "
                f"{_first_difference(decision.facts, dict(event.facts))}",
            )

    def _check_refusal(self, event: EventRecord, where: str) -> None:
        tender = str(event.facts.get("stream", ""))
        if str(attempts_stream(tender)) != event.stream or event.command.stream != tender:
            raise VerificationFailure(where, "a refused attempt kept in another tender's stream")
        self._tender_of_attempts[event.stream] = tender
        try:
            self._decide(event, self.states.get(tender))
        except RuleViolation as refusal:
            found = refusal.reason()
            recorded = {"rule": event.facts.get("rule"), "detail": event.facts.get("detail")}
            if found != recorded:
                raise VerificationFailure(
                    where,
                    f"the refusal recorded ({recorded['rule']}: {recorded['detail']}) is not "
                    f"the one the rules give ({found['rule']}: {found['detail']}) (T5)",
                ) from None
            return
        except LedgerError as exc:
            raise VerificationFailure(
                where, f"the refused {event.command.command} does not re-execute: {exc}"
            ) from None
        raise VerificationFailure(
            where,
            f"{event.command.command} is recorded as refused, but the rules accept it here (T5)",
        )

    def _check_unique_command(self, event: EventRecord, where: str) -> None:
        """S3/T5: a command id is used once across a tender and its attempts stream."""
        tender = self._tender_of_attempts.get(event.stream, event.stream)
        others = [tender, str(attempts_stream(tender))]
        for stream in others:
            seen = self.states.get(stream)
            if seen is not None and event.command.command_id in seen.commands:
                first = seen.commands[event.command.command_id]
                raise VerificationFailure(
                    where,
                    f"command {event.command.command_id} was already recorded in stream "
                    f"{stream} at version {first.version}: a command is taken once (S3, T5)",
                )


def check_time_order(last: datetime | None, time: datetime, where: str) -> None:
    """T6: an event's time is never earlier than the time of the event before it."""
    if last is not None and time < last:
        raise VerificationFailure(
            where,
            f"time runs backwards along the log: {format_time(time)} after "
            f"{format_time(last)} (T6)",
        )


def check_ciphertext(event: EventRecord, where: str) -> None:
    """The sealed bid's ciphertext and digest must be the ones the ledger recorded."""
    sealed = event.args["sealed"]
    label = f"bid of {event.actor} for lot {event.args['lot']}"
    try:
        actual = hashlib.sha256(base64.b64decode(sealed["ciphertext"], validate=True)).hexdigest()
    except (binascii.Error, KeyError, TypeError) as exc:
        raise VerificationFailure(where, f"the {label} is malformed: {exc}") from None
    for what, value in (
        ("the ledger recorded", event.facts.get("ciphertext_sha256")),
        ("the sealed bid states", sealed.get("ciphertext_sha256")),
    ):
        if not hmac.compare_digest(actual, str(value)):
            raise VerificationFailure(
                where,
                f"bid ciphertext swapped or altered: the {label} holds a ciphertext "
                f"hashing to {actual}, {what} {value}",
            )
    try:
        digest = SealedBid.from_json(sealed).digest()
    except InvalidInput as exc:
        raise VerificationFailure(where, f"the {label} is malformed: {exc}") from None
    recorded = str(event.facts.get("sealed_digest"))
    if not hmac.compare_digest(digest, recorded):
        raise VerificationFailure(
            where,
            f"sealed bid altered: the {label} has digest {digest}, the ledger recorded {recorded}",
        )


def _check_chain(event: EventRecord, state: StreamState | None, where: str) -> None:
    expected_version = 1 if state is None else state.version + 1
    if event.version != expected_version:
        raise VerificationFailure(
            where,
            f"stream out of sequence: expected version {expected_version}, found "
            f"{event.version} (an event is missing, reordered or duplicated)",
        )
    expected_prev = GENESIS_HASH if state is None else state.head
    if not hmac.compare_digest(expected_prev, event.prev_hash):
        raise VerificationFailure(
            where,
            f"hash chain broken: previous event is {expected_prev}, this one names "
            f"{event.prev_hash}",
        )


def _first_difference(expected: object, found: object, path: str = "facts") -> str:
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in sorted(set(expected) | set(found)):
            if key not in found:
                return f"{path}.{key} is missing (expected {str(expected[key])[:80]})"
            if key not in expected:
                return f"{path}.{key} should not be there (found {str(found[key])[:80]})"
            if canonical_bytes(expected[key]) != canonical_bytes(found[key]):
                return _first_difference(expected[key], found[key], f"{path}.{key}")
    if isinstance(expected, list) and isinstance(found, list) and len(expected) == len(found):
        for n, (one, two) in enumerate(zip(expected, found, strict=True)):
            if canonical_bytes(one) != canonical_bytes(two):
                return _first_difference(one, two, f"{path}[{n}]")
    return f"{path}: expected {str(expected)[:120]}, found {str(found)[:120]}"


__all__ = ["ATTEMPT_TYPES", "Replayer", "check_ciphertext", "check_time_order"]
