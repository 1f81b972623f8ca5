"""`bidledger export --format bundle` and `bidledger verify-bundle` on the demo, as users run them.

The demo's bundle verifies; each tampered copy (written next to it as
``bundle_with_<scenario>.json``) exits 1 with a message naming what was done and where.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from commands import seed
from commands.cli import main
from commands.messages import ObtainDocuments
from commands.service import LedgerService
from commands.world import World
from ledger.bundle import verify_bundle
from ledger.bundle.export import export_bundle
from ledger.canonical import canonical_bytes
from ledger.clock import FixedClock
from ledger.crypto.signing import Signer
from ledger.errors import VerificationFailure
from ledger.notes import NoteSigner
from ledger.store import LedgerStore

CODE = "XFZFCG-2020-33"
TENDER = f"tender {CODE}"
Bundle = dict[str, Any]


@pytest.fixture(scope="module")
def demo_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database exported as a bundle with `bidledger export`."""
    folder = tmp_path_factory.mktemp("bundles")
    url = f"sqlite:///{folder / 'demo.db'}"
    demo = subprocess.run(
        [sys.executable, "-m", "commands.cli", "demo", "--db", url],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
    path = folder / "bundle.json"
    assert main(["export", CODE, "--format", "bundle", "-o", str(path), "--db", url]) == 0
    return path


def verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["verify-bundle", str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def record(entry: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(base64.b64decode(entry["preimage"]).split(b"\n", 1)[1])
    return result


def store(entry: dict[str, Any], data: dict[str, Any], *, rehash: bool) -> None:
    preimage = b"bidledger/event/v1\n" + canonical_bytes(data)
    entry["preimage"] = base64.b64encode(preimage).decode()
    if rehash:
        entry["event_hash"] = hashlib.sha256(preimage).hexdigest()


def events_of(bundle: Bundle, event_type: str) -> list[dict[str, Any]]:
    return [e for e in bundle["events"] if record(e)["type"] == event_type]


def tender_events(bundle: Bundle) -> list[dict[str, Any]]:
    return [e for e in bundle["events"] if e["stream"] == bundle["tender"]["stream"]]


def edited_payload(bundle: Bundle) -> tuple[str, str]:
    entry = events_of(bundle, "TenderPublished")[0]
    data = record(entry)
    data["command"]["args"]["name"] = "某某采购项目"
    store(entry, data, rehash=False)
    return r"edited payload: the preimage hashes to", rf"leaf \d+ \({TENDER} v1, TenderPublished\)"


def edited_and_rehashed_payload(bundle: Bundle) -> tuple[str, str]:
    entry = events_of(bundle, "TenderPublished")[0]
    data = record(entry)
    data["command"]["args"]["name"] = "某某采购项目"
    store(entry, data, rehash=True)
    what = r"the command in the preimage is not the command signed: args\.name differs"
    return what, rf"leaf \d+ \({TENDER} v1, TenderPublished\)"


def deleted_event(bundle: Bundle) -> tuple[str, str]:
    victim = tender_events(bundle)[14]
    bundle["events"].remove(victim)
    what = rf"deleted event: {TENDER} v15 is missing \(v14 is followed by v16\)"
    return what, rf"leaf \d+, {TENDER} v16\)"


def deleted_last_event(bundle: Bundle) -> tuple[str, str]:
    victim = tender_events(bundle)[-1]
    bundle["events"].remove(victim)
    leaf = victim["leaf_index"]
    what = (
        rf"deleted event: the latest checkpoint checkpoints\[\d+\] \(size \d+\) covers leaf {leaf}"
    )
    return what, rf"^verification FAILED at leaf {leaf}:"


def reordered_events(bundle: Bundle) -> tuple[str, str]:
    events = bundle["events"]
    first = events.index(tender_events(bundle)[20])
    events[first], events[first + 1] = events[first + 1], events[first]
    return r"reordered events: leaf \d+ is listed after leaf \d+", rf"events\[{first + 1}\]"


def reordered_events_renumbered(bundle: Bundle) -> tuple[str, str]:
    one, two = tender_events(bundle)[20:22]
    one["leaf_index"], two["leaf_index"] = two["leaf_index"], one["leaf_index"]
    events = bundle["events"]
    first = events.index(one)
    events[first], events[first + 1] = two, one
    what = rf"reordered events: {TENDER} v22 at leaf \d+ comes before v21"
    return what, rf"events\[{first}\]"


def inserted_event(bundle: Bundle) -> tuple[str, str]:
    """A bid appended after the tender's last event, signed by a key the registry never saw."""
    last = tender_events(bundle)[-1]
    forged = copy.deepcopy(events_of(bundle, "BidSubmitted")[0])
    data = record(forged)
    data.update(
        version=last["version"] + 1, prev_hash=last["event_hash"], time=record(last)["time"]
    )
    data["command"]["key_id"] = "ed25519:" + "5a" * 16
    store(forged, data, rehash=True)
    body = {k: v for k, v in data["command"].items() if k != "signature"}
    forged["signed"] = base64.b64encode(b"bidledger/command/v1\n" + canonical_bytes(body)).decode()
    forged.update(version=data["version"], leaf_index=bundle["events"][-1]["leaf_index"] + 1)
    bundle["events"].append(forged)
    actor = data["command"]["actor"]
    what = rf"key ed25519:(5a){{16}} is not a registered signing key of {actor}"
    return what, rf"leaf {forged['leaf_index']} \({TENDER} v{data['version']}, BidSubmitted\)"


def forged_event(bundle: Bundle) -> tuple[str, str]:
    """A second event claiming the place of an existing one."""
    original = events_of(bundle, "CheckedIn")[0]
    forged = copy.deepcopy(events_of(bundle, "BidWithdrawn")[0])
    data = record(forged)
    data.update(version=original["version"], prev_hash=record(original)["prev_hash"])
    store(forged, data, rehash=True)
    forged.update(version=original["version"], leaf_index=original["leaf_index"])
    position = bundle["events"].index(original)
    bundle["events"].insert(position + 1, forged)
    what = rf"inserted or forged event: two different events claim leaf {original['leaf_index']}"
    return what, rf"events\[{position + 1}\]"


def duplicated_event(bundle: Bundle) -> tuple[str, str]:
    original = events_of(bundle, "BidSubmitted")[2]
    position = bundle["events"].index(original)
    bundle["events"].insert(position + 1, copy.deepcopy(original))
    return r"duplicated event: ", rf"events\[{position + 1}\] \(leaf {original['leaf_index']}"


def swapped_ciphertext(bundle: Bundle) -> tuple[str, str]:
    one, two = events_of(bundle, "BidSubmitted")[:2]
    first, second = record(one), record(two)
    sealed_one, sealed_two = first["command"]["args"]["sealed"], second["command"]["args"]["sealed"]
    sealed_one["ciphertext"], sealed_two["ciphertext"] = (
        sealed_two["ciphertext"],
        sealed_one["ciphertext"],
    )
    store(one, first, rehash=True)
    store(two, second, rehash=True)
    lot, bidder = first["command"]["args"]["lot"], first["command"]["actor"]
    what = rf"bid ciphertext swapped or altered: the bid of {bidder} for lot {lot}"
    return what, rf"leaf {one['leaf_index']} \({TENDER} v\d+, BidSubmitted\)"


def back_dated_key(bundle: Bundle) -> tuple[str, str]:
    entry = events_of(bundle, "KeyRegistered")[4]
    data = record(entry)
    data["command"]["args"]["valid_from"] = "2020-06-01T00:00:00+08:00"
    store(entry, data, rehash=True)
    what = r"back-dated key: .* claims validity from 2020-06-01T00:00:00\+08:00"
    return what, rf"leaf {entry['leaf_index']} \(registry v\d+, KeyRegistered\)"


TAMPERINGS: dict[str, Callable[[Bundle], tuple[str, str]]] = {
    f.__name__: f
    for f in (
        edited_payload,
        edited_and_rehashed_payload,
        deleted_event,
        deleted_last_event,
        reordered_events,
        reordered_events_renumbered,
        inserted_event,
        forged_event,
        duplicated_event,
        swapped_ciphertext,
        back_dated_key,
    )
}


def test_the_demo_bundle_verifies(demo_bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, printed = verify(demo_bundle, capsys)
    assert code == 0, printed
    assert f"bundle of tender {CODE}" in printed
    assert "VERIFIED" in printed
    assert "8 revealed bids re-derived" in printed
    assert "cosigned by xianfeng-finance-bureau.example/witness" in printed
    last = len(json.loads(demo_bundle.read_text(encoding="utf-8"))["checkpoints"]) - 1
    assert f"T9: checkpoint {last} names the tender's last event as its head" in printed


def test_an_untouched_copy_written_differently_verifies(
    demo_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copied = tmp_path / "bundle_untouched.json"
    copied.write_text(json.dumps(json.loads(demo_bundle.read_text()), separators=(",", ":")))
    assert verify(copied, capsys)[0] == 0


@pytest.mark.parametrize("scenario", sorted(TAMPERINGS))
def test_each_tampering_exits_1_naming_what_and_where(
    scenario: str, demo_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = json.loads(demo_bundle.read_text())
    what, where = TAMPERINGS[scenario](bundle)
    tampered = tmp_path / f"bundle_with_{scenario}.json"
    tampered.write_text(json.dumps(bundle, ensure_ascii=False))
    code, printed = verify(tampered, capsys)
    assert code == 1, printed
    assert re.search(what, printed), printed
    assert re.search(where, printed, re.MULTILINE), printed


def test_the_standalone_verifier_needs_no_event_store(demo_bundle: Path) -> None:
    script = (
        "import sys; from ledger.bundle.__main__ import main; code = main([sys.argv[1]]); "
        "assert not [m for m in sys.modules "
        "if m.startswith(('eventsourcing', 'sqlalchemy', 'py_ecc'))]; "
        "sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(demo_bundle)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "VERIFIED" in result.stdout


def test_verify_bundle_exits_1_as_a_process_on_a_tampered_bundle(
    demo_bundle: Path, tmp_path: Path
) -> None:
    bundle = json.loads(demo_bundle.read_text())
    swapped_ciphertext(bundle)
    tampered = tmp_path / "bundle_with_swapped_ciphertext.json"
    tampered.write_text(json.dumps(bundle))
    result = subprocess.run(
        [sys.executable, "-m", "commands.cli", "verify-bundle", str(tampered)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 1
    assert "bid ciphertext swapped or altered" in result.stderr


def test_unreadable_input_and_unknown_tenders_exit_2(
    demo_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_json = tmp_path / "bundle.txt"
    not_json.write_text("this is not a bundle")
    assert verify(not_json, capsys)[0] == 2
    assert verify(tmp_path / "missing.json", capsys)[0] == 2
    url = f"sqlite:///{demo_bundle.parent / 'demo.db'}"
    output = str(tmp_path / "other.json")
    assert main(["export", "NO-SUCH-TENDER", "--format", "bundle", "-o", output, "--db", url]) == 2
    assert "no tender NO-SUCH-TENDER" in capsys.readouterr().err


def test_a_log_with_another_tender_exports_only_this_one_and_still_verifies(
    tmp_path: Path,
) -> None:
    """The other tender's events are shown as subtree hashes; deleting one is still caught."""
    store = LedgerStore(f"sqlite:///{tmp_path / 'two.db'}")
    clock = FixedClock(seed.beijing("2020-12-20 09:00"))
    log = NoteSigner("bidledger.example/two-tenders", secrets.token_bytes(32))
    service = LedgerService(
        store, clock, platform=Signer.generate(), platform_id=seed.PLATFORM, log=log
    )
    world = World(service, clock)
    seed.register_seed_parties(world)
    world.register_note_key(seed.PLATFORM, log)
    other = dataclasses.replace(seed.invitation(world), tender="OTHER-2020-1")
    world.act(seed.AGENCY, "agency", other, at=seed.beijing("2020-12-25 09:00"))
    world.act(seed.AGENCY, "agency", seed.invitation(world))
    world.act(
        seed.QXD, "bidder", ObtainDocuments("OTHER-2020-1"), at=seed.beijing("2020-12-26 09:00")
    )
    world.act(seed.QXD, "bidder", ObtainDocuments(CODE))
    world.act(seed.RUNHUA, "bidder", ObtainDocuments("OTHER-2020-1"))
    service.checkpoint()
    try:
        exported = export_bundle(store, CODE)
    finally:
        store.close()
    bundle = json.loads(json.dumps(exported.bundle))
    report = verify_bundle(bundle)
    assert report.omitted_leaves == 3
    assert report.events[TENDER] == 2
    assert report.complete_to == 0  # the one checkpoint names the tender's last event (T9)
    last = tender_events(bundle)[-1]
    bundle["events"].remove(last)
    with pytest.raises(VerificationFailure, match=rf"covers leaf {last['leaf_index']}, but"):
        verify_bundle(bundle)
