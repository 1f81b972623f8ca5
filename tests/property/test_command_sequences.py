"""Random command sequences never leave an unsigned event, a late bid, or a replay that differs.

Each example runs on a fresh SQLite file: the parties it needs are registered, a two-lot
tender is published, and a random sequence of steps (clock moves, the bidders' and the
agency's commands, forged and replayed commands, the opening) goes through
``LedgerService.execute``. Every refusal must be a ledger error that writes nothing; a
forged command must be refused by S1/S2, a retry must return the first result (S3). At
the end the log must verify and, checked directly from the stored events: (a) every
event's signature holds under the key registered for its actor and role at its time;
(b) no bid, withdrawal or check-in is stamped at or after the deadline then in force;
(c) the aggregates rebuilt from the file equal the live objects the service saved.
"""

from __future__ import annotations

import base64
import dataclasses
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import nacl.signing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from commands import seed
from commands.client import Actor
from commands.messages import (
    AmendTender,
    Answer,
    AskQuestion,
    AuthoriseDecryption,
    CheckIn,
    CloseDecryption,
    Command,
    LotChange,
    LotTerms,
    ObtainDocuments,
    PublishClarification,
    RevealBids,
    RevokeKey,
    SignOpeningRecord,
    StartOpening,
    SubmitBid,
    WithdrawBid,
)
from commands.service import LedgerService, Outcome
from commands.world import World
from ledger.clock import FixedClock, parse_time
from ledger.crypto.signing import Signer
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput, LedgerError, NotFound, RuleViolation
from ledger.events import LedgerEvent
from ledger.procedure.attempts import attempts_stream
from ledger.procedure.base import HANDLERS
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.procedure.replay import ATTEMPT_TYPES
from ledger.procedure.state import TenderState, tender_stream
from ledger.procedure.tender.notice_times import AMENDMENT_NOTICE, within_office_hours
from ledger.store import LedgerStore
from ledger.verification import verify_log
from ledger.workdays import package_schedule
from tests.support.bids import sealed_bid
from tests.support.opening import shares_of

CODE = seed.CODE
TENDER = tender_stream(CODE)
REGISTRY = REGISTRY_STREAM
BIDDERS = (seed.QXD, seed.RUNHUA, seed.SUPPLIER_A, seed.SUPPLIER_B)
OFFICIALS = (seed.AGENCY, seed.PURCHASER, seed.REGULATOR)
LOTS = (
    LotTerms("1", "食堂设备", Decimal("555460.00"), Decimal("555460.00")),
    LotTerms("2", "宿舍设备", Decimal("422400.00"), Decimal("422400.00")),
)
REFUSALS = (RuleViolation, InvalidInput, NotFound)
SIGNATURE_RULES = frozenset({"S1", "S2"})
DEADLINE_BOUND = frozenset({"SubmitBid", "WithdrawBid", "CheckIn", "AmendTender"})
TIMELY = frozenset({"BidSubmitted", "BidWithdrawn", "CheckedIn", "TenderAmended"})
OPENING_COMMANDS = ("StartOpening", "AuthoriseDecryption", "CloseDecryption", "SubmitKeyShares")
HAS_OPENING = all(name in HANDLERS for name in (*OPENING_COMMANDS, "RevealBids"))


@dataclass(frozen=True)
class Step:
    """One step of a sequence: ``who`` picks a bidder, ``number`` a size, index or variant."""

    kind: str
    who: int = 0
    lot: str = "1"
    number: int = 0
    flag: bool = False


# Steps that are one command of one party: (party, role, command) for a step.
_PLAIN: dict[str, Callable[[Step], tuple[str, str, Command]]] = {
    "obtain": lambda s: (BIDDERS[s.who], "bidder", ObtainDocuments(CODE)),
    "check_in": lambda s: (BIDDERS[s.who], "bidder", CheckIn(CODE, s.lot)),
    "ask": lambda s: (BIDDERS[s.who], "bidder", AskQuestion(CODE, f"第{s.number}项可否偏离?")),
    "amend": lambda s: (
        seed.AGENCY,
        "agency",
        AmendTender(
            CODE,
            "更正公告",
            s.flag,
            (LotChange(s.lot, ceiling=Decimal(s.number)),) if s.number else (),
        ),
    ),
    "start_opening": lambda s: (seed.AGENCY, "agency", StartOpening(CODE)),
    "close_decryption": lambda s: (seed.AGENCY, "agency", CloseDecryption(CODE)),
    "reveal": lambda s: (seed.AGENCY, "agency", RevealBids(CODE)),
}
# Steps on a bidder's own bid: the command and the status of the bids to pick from.
_ON_BID: dict[str, tuple[type[WithdrawBid | AuthoriseDecryption | SignOpeningRecord], str]] = {
    "withdraw": (WithdrawBid, "sealed"),
    "authorise": (AuthoriseDecryption, "sealed"),
    "sign_record": (SignOpeningRecord, "revealed"),
}


class Run:
    """One tender on a fresh SQLite file, driven step by step; checks every outcome."""

    def __init__(self, directory: str) -> None:
        self.url = f"sqlite:///{directory}/ledger.db"
        self.store = LedgerStore(self.url)
        self.clock = FixedClock(seed.beijing("2020-12-20 09:00"))
        self.world = World(
            LedgerService(self.store, self.clock, platform=Signer.generate()), self.clock
        )
        self.world.establish()
        self.world.register("platform", "platform", ("platform",))
        self.world.register_receipt_key("platform")
        for year in seed.SEED_YEARS:
            self.world.record_calendar(year)
        for party, role in zip(OFFICIALS, ("agency", "purchaser", "regulator"), strict=True):
            self.world.register(party, party, (role, "official"), encryption=True)
        for bidder in BIDDERS:
            self.world.register(bidder, bidder, ("bidder",))
        notice = dataclasses.replace(seed.invitation(self.world), lots=LOTS)
        self.world.act(seed.AGENCY, "agency", notice, at=seed.beijing("2020-12-25 09:00"))
        self.clock.set(seed.beijing("2020-12-26 09:00"))
        for bidder in BIDDERS[:-1]:  # the last bidder has to obtain them in a step
            self.world.act(bidder, "bidder", ObtainDocuments(CODE))
        self.log_end = max(n.id for n in self.store.log())
        self.accepted: dict[tuple[str, str], tuple[str, UUID, int, str]] = {}
        self.history: list[SignedCommand] = []
        self.forged: set[str] = set()
        self.revoked: set[str] = set()
        self.totals: dict[tuple[str, str], Decimal] = {}

    def tender(self) -> TenderState:
        return self.world.service.tender(TENDER)

    def close(self) -> None:
        self.store.close()

    def step(self, step: Step) -> SignedCommand | None:
        """Take ``step``; the signed command if the ledger accepted it."""
        if step.kind in _PLAIN:
            return self.act(*_PLAIN[step.kind](step))
        if step.kind in _ON_BID:
            message, status = _ON_BID[step.kind]
            bidder, lot = self._pick_bid(step, status)
            return self.act(bidder, "bidder", message(CODE, lot))
        handler: Callable[[Step], SignedCommand | None] = getattr(self, f"_{step.kind}")
        return handler(step)

    def act(self, party: str, role: str, command: Command) -> SignedCommand | None:
        """``party`` signs ``command`` with its own registered key."""
        return self.execute(self.world.parties[party].as_role(role).sign(command))

    def execute(
        self, signed: SignedCommand, expect: frozenset[str] | None = None
    ) -> SignedCommand | None:
        """Execute ``signed``; a refusal writes nothing, ``expect`` names the clauses it needs."""
        tender = self.tender()
        before = {TENDER: tender.version, REGISTRY: self.world.service.registry().version}
        first = self.accepted.get((signed.stream, signed.command_id))
        retry = first is not None and first[0] == signed.content_digest()
        if first is not None and not retry:
            expect = frozenset({"S3"})  # the same command id with other content
        elif not retry and signed.actor in self.revoked:
            expect = SIGNATURE_RULES  # a key revoked at T signs nothing after T
        late = not retry and _late(signed.command, tender, self.clock.now())
        self.history.append(signed)
        try:
            outcome = self.world.service.execute(signed)
        except REFUSALS as exc:
            refusal: LedgerError | None = exc
        else:
            refusal = None
        if refusal is not None:
            self._refused(signed, refusal, before, retry=retry, expect=expect)
            return None
        assert expect is None, f"{signed.command} was accepted; expected a {set(expect)} refusal"
        assert not late, f"{signed.command} accepted at {self.clock.now()}, too late"
        self._accepted(signed, outcome, before, first if retry else None)
        return signed

    def _refused(
        self,
        signed: SignedCommand,
        refusal: LedgerError,
        before: dict[UUID, int],
        *,
        retry: bool,
        expect: frozenset[str] | None,
    ) -> None:
        self._nothing_written(before)
        assert not retry, f"a retry of an accepted {signed.command} was refused: {refusal}"
        if expect is not None:
            clause = refusal.rule.clause if isinstance(refusal, RuleViolation) else None
            assert clause in expect, f"{signed.command}: expected {set(expect)}, got {refusal}"

    def _accepted(
        self,
        signed: SignedCommand,
        outcome: Outcome,
        before: dict[UUID, int],
        first: tuple[str, UUID, int, str] | None,
    ) -> None:
        if first is not None:  # a retry returns the first result and writes nothing (S3)
            assert outcome.replayed
            assert (outcome.stream, outcome.version, outcome.event_hash) == first[1:]
            self._nothing_written(before)
            return
        assert not outcome.replayed
        assert outcome.version == before[outcome.stream] + 1, "one command, one event"
        assert outcome.log_index > self.log_end
        self.log_end = outcome.log_index
        self.accepted[(signed.stream, signed.command_id)] = (
            signed.content_digest(),
            outcome.stream,
            outcome.version,
            outcome.event_hash,
        )

    def _nothing_written(self, before: dict[UUID, int]) -> None:
        """A refusal changes no tender and no key; at most its attempt is kept on the record."""
        assert self.tender().version == before[TENDER], "a refusal changed the tender"
        assert self.world.service.registry().version == before[REGISTRY], "a refusal changed keys"
        for notification in self.store.log(self.log_end + 1):
            event = self.store.decode(notification)
            assert event.type in ATTEMPT_TYPES, "a refusal wrote an event"
            assert event.originator_id == attempts_stream(TENDER)
            self.log_end = notification.id

    def _pick_bid(self, step: Step, status: str) -> tuple[str, str]:
        """A bid in ``status`` picked by ``number``; with ``flag``, any bidder and lot."""
        bids = sorted(
            (bid.bidder, bid.lot)
            for lot in self.tender().lots.values()
            for bid in lot.bids.values()
            if bid.status == status
        )
        if step.flag or not bids:
            return BIDDERS[step.who], step.lot
        return bids[step.number % len(bids)]

    # -- steps that are more than one plain command -------------------------------------
    def _advance(self, step: Step) -> None:
        self.clock.advance(timedelta(minutes=step.number))

    def _to_deadline(self, step: Step) -> None:
        """Move to ``number`` seconds from the deadline in force, unless that is past."""
        target = self.tender().deadline + timedelta(seconds=step.number)
        if target >= self.clock.now():
            self.clock.set(target)

    def _submit(self, step: Step) -> SignedCommand | None:
        bidder, total = BIDDERS[step.who], f"{step.number}.00"
        sealed = sealed_bid(self.tender(), step.lot, bidder, total)
        signed = self.act(bidder, "bidder", SubmitBid(CODE, step.lot, sealed))
        if signed is not None:
            self.totals[(step.lot, bidder)] = Decimal(total)
        return signed

    def _enter(self, step: Step) -> SignedCommand | None:
        """Submit a bid and, unless ``flag``, check in for its lot."""
        signed = self._submit(step)
        if not step.flag:
            self.step(dataclasses.replace(step, kind="check_in"))
        return signed

    def _clarify(self, step: Step) -> SignedCommand | None:
        """Answer an open question; naming the asker (``flag``) must be refused (§6.1), and
        any answer once the submission period is over (the command's phase, lifecycle)."""
        questions = self.tender().questions
        open_ids = sorted(qid for qid, question in questions.items() if not question["answered"])
        if not open_ids:
            return None
        qid = open_ids[step.number % len(open_ids)]
        text = f"可以 ({questions[qid]['asker']})" if step.flag else "可以, 见更正公告"
        agency = self.world.parties[seed.AGENCY].as_role("agency")
        signed = agency.sign(PublishClarification(CODE, (Answer(qid, text),), False))
        if self.clock.now() >= self.tender().deadline:
            return self.execute(signed, frozenset({"lifecycle"}))  # only before the deadline
        return self.execute(signed, frozenset({"§6.1"}) if step.flag else None)

    def _forge(self, step: Step) -> SignedCommand | None:
        """A command whose signature does not speak for its actor and role: refused by S1/S2."""
        claimed = BIDDERS[step.who]
        own = self.world.parties[claimed].signer
        other = self.world.parties[BIDDERS[(step.who + 1) % len(BIDDERS)]].signer
        command: Command = CheckIn(CODE, step.lot)
        if step.flag:
            sealed = sealed_bid(self.tender(), step.lot, claimed, "1000.00")
            command = SubmitBid(CODE, step.lot, sealed)
        amendment = AmendTender(CODE, "伪造的更正", True)
        forgeries = (
            lambda: Actor(claimed, "bidder", Signer.generate()).sign(command),  # unregistered
            lambda: _flip(Actor(claimed, "bidder", own).sign(command), step.number // 6),
            lambda: Actor(claimed, "bidder", other).sign(command),  # another bidder's key
            lambda: _tamper(Actor(claimed, "bidder", own).sign(command)),  # args changed
            lambda: Actor(claimed, "agency", own).sign(amendment),  # a role it does not hold
            lambda: Actor(seed.AGENCY, "agency", own).sign(amendment),  # posing as the agency
        )
        signed = forgeries[step.number % len(forgeries)]()
        self.forged.add(signed.command_id)
        return self.execute(signed, SIGNATURE_RULES)

    def _replay(self, step: Step) -> SignedCommand | None:
        """Send an earlier signed command again, byte for byte (S3)."""
        if not self.history:
            return None
        signed = self.history[step.number % len(self.history)]
        return self.execute(signed, SIGNATURE_RULES if signed.command_id in self.forged else None)

    def _reuse_id(self, step: Step) -> SignedCommand | None:
        """Sign other content under an accepted command id: refused by S3."""
        used = sorted(cid for stream, cid in self.accepted if stream == str(TENDER))
        if not used:
            return None
        bidder = self.world.parties[BIDDERS[step.who]].as_role("bidder")
        command_id = used[step.number % len(used)]
        return self.execute(bidder.sign(AskQuestion(CODE, "同一编号?"), command_id=command_id))

    def _revoke(self, step: Step) -> SignedCommand | None:
        bidder = BIDDERS[step.who]
        command = RevokeKey(self.world.parties[bidder].signer.key_id, "密钥泄露")
        accepted = self.execute(self.world.authority.as_role("authority").sign(command))
        if accepted is not None:
            self.revoked.add(bidder)
        return accepted

    def _shares(self, step: Step) -> SignedCommand | None:
        """An official who has not handed in its shares does; with ``flag``, any official."""
        waiting = [o for o in OFFICIALS if o not in self.tender().key_shares or step.flag]
        official = waiting[step.number % len(waiting)] if waiting else seed.AGENCY
        return self.act(official, "official", shares_of(self.world, official))

    # -- properties of the whole log ------------------------------------------------------
    def check_log(self) -> None:
        """verify_log passes; (a), (b), (c) hold; revealed prices are the sealed ones."""
        verify_log(self.store)
        events: list[LedgerEvent] = [self.store.decode(n) for n in self.store.log()]
        _check_signatures(events, self.store.state(RegistryState, REGISTRY))
        _check_deadlines(event for event in events if event.originator_id == TENDER)
        self.check_replay()
        for lot in self.tender().lots.values():
            for bid in lot.bids.values():
                if bid.status == "revealed" and bid.price is not None:
                    assert bid.price == self.totals[(lot.lot, bid.bidder)], (lot.lot, bid.bidder)

    def check_replay(self) -> None:
        """(c): each stream rebuilt from the file equals the state the service kept (R3)."""
        fresh = LedgerStore(self.url)
        try:
            live_states = self.world.service._states
            assert TENDER in live_states
            for stream, live in live_states.items():
                for store in (fresh, self.store):
                    replayed = store.state(type(live), stream)
                    assert type(replayed) is type(live)
                    assert vars(replayed) == vars(live)
        finally:
            fresh.close()


def _late(command: str, tender: TenderState, now: datetime) -> bool:
    """Whether ``command`` at ``now`` must be refused for its time alone."""
    assert tender.timetable is not None
    if command == "ObtainDocuments":  # the window, its hours, no statutory holiday
        window = tender.timetable.documents_from <= now <= tender.timetable.documents_until
        holiday = now.date() in package_schedule(now.year).days_off
        return not window or holiday or not within_office_hours(now)
    return command in DEADLINE_BOUND and now >= tender.deadline


def _flip(signed: SignedCommand, position: int) -> SignedCommand:
    signature = bytearray(base64.b64decode(signed.signature))
    signature[position % len(signature)] ^= 0x01
    return dataclasses.replace(signed, signature=base64.b64encode(signature).decode())


def _tamper(signed: SignedCommand) -> SignedCommand:
    lot = "2" if signed.args["lot"] == "1" else "1"
    return dataclasses.replace(signed, args={**signed.args, "lot": lot})


def _check_signatures(events: list[LedgerEvent], registry: RegistryState) -> None:
    """(a) Each signature verifies under a key registered earlier, for its actor, role, time."""
    known: set[str] = set()
    revoked: set[str] = set()
    for position, event in enumerate(events, 1):
        where = f"log index {position}: {event.command} by {event.actor}"
        if event.type == "AuthorityEstablished":
            public_key = bytes.fromhex(event.args["public_key"])
        else:
            assert event.key_id in known, f"{where}: key {event.key_id} not registered before"
            assert event.key_id not in revoked, f"{where}: signed after its key was revoked"
            key = registry.keys[event.key_id]
            assert (key.party, key.purpose) == (event.actor, "sign"), where
            assert event.role in key.roles, where
            assert event.role in registry.parties[key.party].roles, where
            assert key.valid_from <= event.timestamp, where
            assert key.revoked_at is None or event.timestamp <= key.revoked_at, where
            public_key = key.public_key
        signed = event.signed_command()
        signature = base64.b64decode(event.signature)
        nacl.signing.VerifyKey(public_key).verify(signed.signed_bytes(), signature)
        known.add(event.facts["key_id"] if event.type == "KeyRegistered" else event.key_id)
        if event.type == "KeyRevoked":
            revoked.add(event.args["key_id"])


def _check_deadlines(events: Iterable[LedgerEvent]) -> None:
    """(b) Nothing bound to the deadline is stamped at or after the deadline then in force."""
    deadline: datetime | None = None
    for event in events:
        if event.type == "TenderPublished":
            deadline = parse_time(event.args["timetable"]["deadline"])
            continue
        assert deadline is not None, "a tender event before publication"
        if event.type in TIMELY:
            assert event.timestamp < deadline, f"{event.command} at {event.timestamp} >= {deadline}"
        if event.type in ("TenderAmended", "ClarificationPublished"):
            postponed = event.facts.get("deadline")
            if postponed:
                assert parse_time(postponed) > deadline, "a deadline moved earlier"
                deadline = parse_time(postponed)
            if event.args.get("affects_preparation", True):
                assert deadline >= event.timestamp + AMENDMENT_NOTICE, "§7.1 not applied"


_ZERO, _NO = st.just(0), st.just(False)


def _steps(
    kind: str, number: st.SearchStrategy[int] = _ZERO, flag: st.SearchStrategy[bool] = _NO
) -> st.SearchStrategy[Step]:
    lot = st.sampled_from(("1", "2", "1", "2", "9"))  # lot 9 does not exist
    return st.builds(Step, st.just(kind), st.integers(0, len(BIDDERS) - 1), lot, number, flag)


_MINUTES = st.one_of(
    st.integers(1, 240),
    st.integers(1, 48).map(lambda h: h * 60),
    st.integers(1, 6).map(lambda d: d * 1440),
)
_PRICE = st.integers(1_000, 600_000)
_ANY = st.integers(0, 10_000)
_NOISE = [_steps("forge", _ANY, st.booleans()), _steps("replay", _ANY), _steps("reuse_id", _ANY)]
_BEFORE = [
    _steps("advance", _MINUTES),
    _steps("advance", _MINUTES),
    _steps("to_deadline", st.sampled_from((-3600, -60, -1))),
    _steps("obtain"),
    _steps("submit", _PRICE),
    _steps("enter", _PRICE, st.booleans()),
    _steps("withdraw", _ANY, st.booleans()),
    _steps("check_in"),
    _steps("check_in"),
    _steps("ask", st.integers(1, 99)),
    _steps("clarify", _ANY, st.booleans()),
    _steps("amend", st.one_of(_ZERO, _PRICE), st.booleans()),
    *_NOISE,
]
_AFTER = [
    _steps("advance", st.integers(1, 12)),
    _steps("to_deadline", st.sampled_from((1799, 1800))),
    _steps("submit", _PRICE),
    _steps("withdraw", _ANY, st.booleans()),
    _steps("check_in"),
    *_NOISE,
]
# The opening in order; each step is sometimes left out, with random steps between them.
_OPENING = (
    *("start_opening", "authorise", "authorise", "authorise", "to_deadline"),
    *("close_decryption", "shares", "shares", "reveal", "sign_record", "sign_record"),
)
if HAS_OPENING:
    _AFTER += [_steps(kind, _ANY, st.booleans()) for kind in _OPENING if kind != "to_deadline"]
STEP = st.one_of([*_BEFORE, *_AFTER, _steps("revoke")])
SETTINGS = settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def _after_the_deadline(draw: st.DrawFn) -> list[Step]:
    """The opening's steps in order, each sometimes left out, random steps between them."""
    steps: list[Step] = []
    for kind in _OPENING if HAS_OPENING else ():
        steps += draw(st.lists(st.one_of(_AFTER), max_size=3))
        if draw(st.integers(0, 9)):  # shrinks towards leaving the step out
            steps.append(Step(kind, number=1800 if kind == "to_deadline" else 0))
    return steps + draw(st.lists(st.one_of(_AFTER), min_size=1, max_size=5))


@SETTINGS
@given(
    entries=st.lists(_steps("enter", _PRICE, st.booleans()), min_size=1, max_size=6),
    before=st.lists(st.one_of(_BEFORE), min_size=8, max_size=30),
    revoke=st.one_of(st.none(), st.tuples(st.integers(0, 30), _steps("revoke"))),
    jump=st.sampled_from((0, 1, 60)),
    after=_after_the_deadline(),
)
def test_random_command_sequences_leave_a_signed_timely_and_replayable_log(
    entries: list[Step],
    before: list[Step],
    revoke: tuple[int, Step] | None,
    jump: int,
    after: list[Step],
) -> None:
    """Bids, the submission period (a key maybe revoked), the deadline, then the opening."""
    if revoke is not None:
        before.insert(*revoke)
    with tempfile.TemporaryDirectory() as directory:
        run = Run(directory)
        try:
            for step in [*entries, *before, Step("to_deadline", number=jump), *after]:
                run.step(step)
            run.check_log()
        finally:
            run.close()


class LedgerMachine(RuleBasedStateMachine):
    """Any step at any time; accepted commands are retried; every step replays equal (R3)."""

    accepted = Bundle("accepted")

    def __init__(self) -> None:
        super().__init__()
        self.directory = tempfile.TemporaryDirectory()
        self.run = Run(self.directory.name)

    @rule(target=accepted, step=STEP)
    def take(self, step: Step) -> Any:
        signed = self.run.step(step)
        return multiple() if signed is None else multiple(signed)

    @rule(signed=accepted)
    def retry(self, signed: SignedCommand) -> None:
        assert self.run.execute(signed) is signed

    @invariant()
    def replay_equals_live(self) -> None:
        self.run.check_replay()

    def teardown(self) -> None:
        try:
            self.run.check_log()
        finally:
            self.run.close()
            self.directory.cleanup()


LedgerMachine.TestCase.settings = settings(SETTINGS, max_examples=12, stateful_step_count=25)
TestARandomlyDrivenLedgerStaysSignedTimelyAndReplayable = LedgerMachine.TestCase
