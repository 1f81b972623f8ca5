"""A valid, verifiable log of any size, written through ``LedgerService.execute``, cached.

The log is a fixed, endless plan of signed commands, each adding one event: the registry
(the authority, the platform with its log key, agency, purchaser and regulator as opening
officials, and ``bidders`` bidders, each key with an X.509 certificate), then rounds of
200 tenders, every five days (Beijing time): publication, ten bidders obtaining the
documents, three questions, an amendment, five sealed bids on lot 1 (20 events a
tender). A tender's deadline (21 days after its round began) passes four rounds later,
when the service issues its deadline checkpoint. A log of size N is the plan's first N
steps, so a cached smaller log is extended to a larger one.

Every command goes through ``LedgerService.execute`` (signature check, rules, chain,
store, Merkle tree, checkpoints, receipts).
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import cast
from commands.messages import (
    AmendTender,
    AskQuestion,
    Command,
    LotTerms,
    ObtainDocuments,
    OpeningTerms,
    PublishTender,
    SubmitBid,
    TimetableTerms,
)
from ledger.clock import FixedClock
from ledger.store import LedgerStore
from ledger.workdays import package_schedule

GENERATOR_VERSION = 4
CACHE = Path(__file__).resolve().parent / ".cache"
DEFAULT_BIDDERS = 200
TENDERS_PER_ROUND = 200
ROUND_DAYS = 5
BIDDERS_PER_TENDER = 10
QUESTIONS_PER_TENDER = 3
BIDS_PER_TENDER = 5
STEPS_PER_SECOND = 20  # steps of a phase share their second (the generator batches them)
ROUNDS_START = datetime.fromisoformat("2021-03-10T09:00:00+08:00")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Step:
    """One command of the plan: who signs it, when it runs, and how to build it."""

    at: datetime
    party: str
    role: str
    make: Callable[[], Command]


@dataclass(frozen=True)
class CachedLog:
    """A generated log in a SQLite file, and the time of its last event."""

    path: Path
    size: int
    bidders: int
    last_time: datetime

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


def plan(bidders: int) -> Iterator[Step]:
    """The endless plan: the registry, then rounds of tenders."""
    if bidders < BIDDERS_PER_TENDER:
        raise ValueError(f"need at least {BIDDERS_PER_TENDER} bidders, found {bidders}")
    authority = cast.AUTHORITY
    for offset, command in enumerate(cast.registration(bidders)):
        at = cast.REGISTRATION_START + timedelta(seconds=offset)
        yield Step(at, authority, "authority", _constant(command))
    shift = _Shift()
    for round_index in itertools.count():
        yield from _round(round_index, bidders, shift)


class _Shift:
    """Days added to the plan so that no phase falls on a statutory day off (downloads are
    closed then); it only grows, so times never run backwards along the log."""

    def __init__(self) -> None:
        self.days = 0
        self._off: dict[int, frozenset[date]] = {}

    def day(self, nominal: datetime) -> datetime:
        """``nominal`` moved past any day off, with every later step."""
        while (moment := nominal + timedelta(days=self.days)).date() in self._days_off(moment):
            self.days += 1
        return moment

    def _days_off(self, moment: datetime) -> frozenset[date]:
        if moment.year not in self._off:
            self._off[moment.year] = package_schedule(moment.year).days_off
        return self._off[moment.year]


def _round(round_index: int, bidders: int, shift: _Shift) -> Iterator[Step]:
    nominal = ROUNDS_START + timedelta(days=ROUND_DAYS * round_index)
    start = shift.day(nominal)
    tenders = range(round_index * TENDERS_PER_ROUND, (round_index + 1) * TENDERS_PER_ROUND)
    phases: list[list[tuple[str, str, Callable[[], Command]]]] = [[], [], [], [], []]
    for number in tenders:
        code = tender_code(number)
        members = [cast.bidder((number * 7 + m) % bidders) for m in range(BIDDERS_PER_TENDER)]
        phases[0].append((cast.AGENCY, "agency", _publisher(code, start)))
        phases[1] += [(b, "bidder", _obtain(code)) for b in members]
        askers = members[:QUESTIONS_PER_TENDER]
        phases[2] += [(b, "bidder", _question(code, i)) for i, b in enumerate(askers)]
        phases[3].append((cast.AGENCY, "agency", _amendment(code)))
        phases[4] += [
            (b, "bidder", _bid(code, b, i)) for i, b in enumerate(members[:BIDS_PER_TENDER])
        ]
    for day, phase in enumerate(phases):
        begins = shift.day(nominal + timedelta(days=day))
        for number, (party, role, make) in enumerate(phase):
            at = begins + timedelta(seconds=number // STEPS_PER_SECOND)
            yield Step(at, party, role, make)


def tender_code(number: int) -> str:
    return f"BENCH-{number:06d}"


def tender_terms(code: str, start: datetime, lots: int = 1) -> PublishTender:
    """A tender published at ``start``: documents from a day later, deadline at 21 days."""
    return PublishTender(
        tender=code,
        name=f"基准测试采购项目 {code}",
        plan=f"PLAN-{code}",
        purchaser=cast.PURCHASER,
        regulator=cast.REGULATOR,
        lots=tuple(
            LotTerms(str(n), f"第{n}包", Decimal("500000.00"), Decimal("500000.00"))
            for n in range(1, lots + 1)
        ),
        timetable=TimetableTerms(
            documents_from=start + timedelta(days=1),
            documents_until=start + timedelta(days=21),
            questions_until=start + timedelta(days=15),
            deadline=start + timedelta(days=21),
        ),
        opening=OpeningTerms(cast.officials(), threshold=cast.THRESHOLD),
    )


def _constant(command: Command) -> Callable[[], Command]:
    return lambda: command


def _publisher(code: str, start: datetime) -> Callable[[], Command]:
    return lambda: tender_terms(code, start)


def _obtain(code: str) -> Callable[[], Command]:
    return lambda: ObtainDocuments(code)


def _question(code: str, index: int) -> Callable[[], Command]:
    return lambda: AskQuestion(code, f"第{index + 1}个问题: 技术参数第{index + 3}条如何理解?")


def _amendment(code: str) -> Callable[[], Command]:
    return lambda: AmendTender(code, "补充说明: 投标文件格式见附件", affects_preparation=False)


def _bid(code: str, bidder: str, index: int) -> Callable[[], Command]:
    total = f"{400000 + 1000 * index}.00"
    return lambda: SubmitBid(code, "1", cast.sealed_bid(code, "1", bidder, total))


def ensure_logs(
    sizes: list[int],
    bidders: int = DEFAULT_BIDDERS,
    cache: Path = CACHE,
    progress: Progress = print,
) -> dict[int, CachedLog]:
    """A generated log of each size, from the cache or generated (extending a smaller one)."""
    cache.mkdir(parents=True, exist_ok=True)
    logs: dict[int, CachedLog] = {}
    for size in sorted(set(sizes)):
        found = _cached(cache, size, bidders)
        if found is None:
            found = _generate(cache, size, bidders, progress)
        logs[size] = found
    return logs


def _file(cache: Path, size: int, bidders: int) -> Path:
    return cache / f"log-v{GENERATOR_VERSION}-b{bidders}-{size}.db"


def _cached(cache: Path, size: int, bidders: int) -> CachedLog | None:
    path = _file(cache, size, bidders)
    manifest = path.with_suffix(".json")
    if not (path.exists() and manifest.exists()):
        return None
    data: dict[str, Any] = json.loads(manifest.read_text())
    return CachedLog(path, size, bidders, datetime.fromisoformat(data["last_time"]))


def _generate(cache: Path, size: int, bidders: int, progress: Progress) -> CachedLog:
    smaller = [s for s in _cached_sizes(cache, bidders) if s < size]
    work = _file(cache, size, bidders).with_suffix(".partial")
    work.unlink(missing_ok=True)
    done = 0
    if smaller:
        done = max(smaller)
        shutil.copyfile(_file(cache, done, bidders), work)
    progress(f"generating a log of {size:,} events (from {done:,}) in {cache}")
    last_time = _extend(f"sqlite:///{work}", done, size, bidders, progress)
    path = _file(cache, size, bidders)
    work.replace(path)
    manifest: dict[str, Any] = {"version": GENERATOR_VERSION, "size": size, "bidders": bidders}
    manifest["last_time"] = last_time.isoformat()
    path.with_suffix(".json").write_text(json.dumps(manifest, indent=1) + "\n")
    return CachedLog(path, size, bidders, last_time)


def _cached_sizes(cache: Path, bidders: int) -> list[int]:
    prefix = f"log-v{GENERATOR_VERSION}-b{bidders}-"
    names = (p.stem.removeprefix(prefix) for p in cache.glob(prefix + "*.json"))
    return sorted(int(name) for name in names if name.isdigit())


def _extend(url: str, done: int, size: int, bidders: int, progress: Progress) -> datetime:
    """Run steps ``done`` to ``size`` of the plan on ``url``; the time of the last one.

    Steps at the same moment run together (``LedgerService.execute_many``): the events are
    the ones single commands would give; only batch checkpoints fall elsewhere."""
    store = LedgerStore(url)
    _without_fsync(store)
    steps = list(itertools.islice(plan(bidders), done, size))
    clock = FixedClock(steps[0].at if steps else cast.REGISTRATION_START)
    service = cast.service(store, clock)
    try:
        for group in _same_time(steps):
            clock.set(group[0].at)
            service.execute_many([cast.actor(s.party, s.role).sign(s.make()) for s in group])
            done += len(group)
            if done // 50_000 > (done - len(group)) // 50_000:
                progress(f"  {done:,} events")
    finally:
        store.close()
    return clock.now()


def _same_time(steps: list[Step]) -> Iterator[list[Step]]:
    """Consecutive steps that run at the same moment (one transaction each group)."""
    for _, group in itertools.groupby(steps, key=lambda step: step.at):
        yield list(group)


def _without_fsync(store: LedgerStore) -> None:
    """A cached log is rebuilt if lost: its writer commits without waiting for the disk
    (SQLite ``synchronous=NORMAL`` in WAL mode), which the measured writes never do."""

    @sa.event.listens_for(store.engine, "connect")
    def _normal(connection: Any, _: Any) -> None:
        connection.execute("PRAGMA synchronous = NORMAL")

    store.engine.dispose()
