"""``bidledger demo``: the seed tender end to end, then its timeline and awards, as printed."""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from commands import remote_seed, seed
from commands.demo_script import ILLUSTRATIVE, LOG_ORIGIN, WITNESS_NAME, DemoRun, play
from commands.draw_report import report_lines
from commands.service import LedgerService
from commands.world import World
from ledger.clock import Clock, FixedClock
from ledger.crypto.signing import Signer
from ledger.draw_check import verify_tender_draw
from ledger.errors import InvalidInput
from ledger.notes import COSIGNATURE_V1, NoteSigner, parse_note
from ledger.procedure.attempts import AttemptsState, attempts_stream
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.procedure.state import tender_stream
from ledger.rules import catalogue as rules
from ledger.store import LedgerStore
from ledger.transparency.witnessing import LocalWitness
from ledger.trust import policy_of
from ledger.verification import verify_log
from ledger.witness import Witness, WitnessState
from projections.timeline import TimelineEntry, tender_timeline, wan


def run_demo(url: str, out: TextIO) -> int:
    """Play the seed tender on ``url`` (which must not hold it yet) and print what happened."""
    store = LedgerStore(url)
    try:
        if store.exists(tender_stream(seed.CODE)):
            raise InvalidInput(f"{url} already holds {seed.CODE}; give the demo a fresh --db")
        clock = FixedClock(seed.beijing("2020-12-20 09:00"))
        with tempfile.TemporaryDirectory() as folder:  # the regulator's witness state
            service, keys = witnessed_service(store, clock, Path(folder))
            run = play(World(service, clock), log=keys.log, witness=keys.witness)
            service.checkpoint("closing", tender_stream(seed.CODE))
        policy = _write_policy(url, store)
        _print_report(run, store, url, out, policy)
    finally:
        store.close()
    return 0


@dataclass(frozen=True)
class DemoKeys:
    """The platform's log key and the regulator's witness key of a demo run."""

    log: NoteSigner
    witness: NoteSigner


def witnessed_service(
    store: LedgerStore,
    clock: FixedClock,
    witness_state: Path,
    *,
    witness_clock: Clock | None = None,
) -> tuple[LedgerService, DemoKeys]:
    """A service with fresh platform and log keys whose checkpoints the regulator's witness
    (in this process, its state in ``witness_state``, its own ``witness_clock``) cosigns."""
    keys = DemoKeys(
        NoteSigner(LOG_ORIGIN, secrets.token_bytes(32)),
        NoteSigner(WITNESS_NAME, secrets.token_bytes(32), COSIGNATURE_V1),
    )
    state = WitnessState(witness_state)
    regulator = Witness(keys.witness, [keys.log.verifier()], state, clock=witness_clock or clock)
    service = LedgerService(
        store,
        clock,
        platform=Signer.generate(),
        platform_id=seed.PLATFORM,
        log=keys.log,
        witnesses=[LocalWitness(regulator)],
    )
    return service, keys


def _write_policy(url: str, store: LedgerStore) -> Path | None:
    """The trust policy of this ledger, beside its SQLite file (``demo-policy.txt``)."""
    if not url.startswith("sqlite:///"):
        return None
    database = Path(url.removeprefix("sqlite:///"))
    path = database.with_name(f"{database.stem}-policy.txt")
    registry = store.state(RegistryState, REGISTRY_STREAM)
    path.write_text(policy_of(registry, LOG_ORIGIN).to_text(), encoding="utf-8")
    return path


def _print_report(
    run: DemoRun, store: LedgerStore, url: str, out: TextIO, policy: Path | None
) -> None:
    print(f"bidledger demo: seed tender {seed.CODE} ({seed.TITLE})", file=out)
    print(f"database: {url}; all times Beijing (UTC+8), on the seed's own dates", file=out)
    print(ILLUSTRATIVE, file=out)
    print(f"{remote_seed.ILLUSTRATIVE}\n", file=out)
    print("Timeline, rebuilt from the log (every line is an event signed by its actor):", file=out)
    for entry in tender_timeline(store, tender_stream(seed.CODE)):
        print(_line(entry), file=out)
    _print_attempts(run, store, out)
    _print_draw(run, store, url, out)
    _print_awards(run, out)
    _print_checkpoints(run, url, out)
    summary = verify_log(store)
    print(
        f"\nVerified {summary.events} events in {len(summary.streams)} streams: every hash, "
        "chain link, signature and key holds, and every command re-run through the rules gives "
        "the event recorded.",
        file=out,
    )
    print(f"Check it yourself: bidledger verify --db {url}", file=out)
    if policy is not None:
        print(f"Its trust policy (pinned keys, witnesses): {policy}", file=out)
        print(f"  bidledger verify --db {url} --policy {policy}", file=out)


def _print_attempts(run: DemoRun, store: LedgerStore, out: TextIO) -> None:
    print(
        "\nRefused attempts, from the tender's attempts stream (its state is untouched):", file=out
    )
    registry = run.world.service.registry()
    attempts = store.state(AttemptsState, attempts_stream(tender_stream(seed.CODE)))
    for attempt in attempts.refused:
        when = attempt["time"].strftime("%Y-%m-%d %H:%M")
        lot = f" lot {attempt['args']['lot']}" if "lot" in attempt["args"] else ""
        print(
            f"  {when}  {registry.parties[attempt['actor']].name} [{attempt['role']}] "
            f"{attempt['command']}{lot}: refused by {attempt['clause']} "
            f"({rules.by_code(attempt['rule']).name})\n"
            f"      {attempt['detail']}",
            file=out,
        )


def _print_draw(run: DemoRun, store: LedgerStore, url: str, out: TextIO) -> None:
    audit = verify_tender_draw(store, seed.CODE)
    print("", file=out)
    for line in report_lines(audit, run.world.service.registry()):
        print(line, file=out)
    print(f"Check it yourself: bidledger verify-draw {seed.CODE} --db {url}", file=out)


def _print_awards(run: DemoRun, out: TextIO) -> None:
    tender = run.tender()
    registry = run.world.service.registry()
    print("\nAwards (中标结果):", file=out)
    for lot in tender.lots.values():
        if lot.award is not None:
            winner = registry.parties[lot.award["bidder"]].name
            amount = wan(str(lot.bids[lot.award["bidder"]].price))
            print(f"  lot {lot.lot} {lot.name}: {winner}, {amount} 万元", file=out)
        else:
            print(
                f"  lot {lot.lot} {lot.name}: no award; {lot.status}: {lot.failure or ''}", file=out
            )


def _print_checkpoints(run: DemoRun, url: str, out: TextIO) -> None:
    log = run.world.service.transparency
    if log is None:
        return
    stored = log.tree.checkpoints()
    print(f"\nSigned checkpoints of the Merkle log ({log.origin}):", file=out)
    for checkpoint in stored:
        when = checkpoint.issued_at.strftime("%Y-%m-%d %H:%M")
        cosigned = len(parse_note(checkpoint.note)[1]) > 1
        print(
            f"  #{checkpoint.seq:<3} {when}  {checkpoint.reason:<8} size {checkpoint.size}"
            + (", cosigned by the regulator" if cosigned else ""),
            file=out,
        )
    print(f"Latest: bidledger checkpoint --db {url}", file=out)
    print(f"Proofs: bidledger prove INDEX --db {url} --json", file=out)


def _line(entry: TimelineEntry) -> str:
    when = entry.time.strftime("%Y-%m-%d %H:%M")
    actor = f"{entry.actor_name} [{entry.role}]"
    detail = f" — {entry.summary}" if entry.summary else ""
    return f"  {entry.version:>3}  {when}  {actor}  {entry.action_zh} / {entry.action_en}{detail}"
