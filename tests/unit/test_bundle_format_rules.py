"""What docs/bundle-format.md pins down that an independent verifier needs: each rule refused.

Time grammar, lone surrogates, integer bounds, unknown fields, null against absent, the log
key's registration and validity, vkeys, duplicate signature lines, checkpoint origins, a
share's official, and the report on failure.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import timedelta
from typing import Any

import pytest

from commands.cli import main
from ledger.bundle import verify_bundle
from ledger.envelope import sign_command
from ledger.errors import InvalidInput
from ledger.notes import NoteSigner
from tests.support.handlog import (
    KEYS,
    T0,
    failure,
    of_type,
    record,
    rewrite,
    tender_log,
)


@pytest.fixture(scope="module")
def good() -> dict[str, Any]:
    return tender_log().bundle()


def test_a_time_in_utc_with_z_is_refused_even_rehashed(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    entry = bundle["events"][0]

    def utc(data: dict[str, Any]) -> None:
        data["time"] = "2021-01-04T01:01:00Z"

    rewrite(entry, utc)
    assert "must be ISO 8601 in Beijing time (+08:00) as the ledger writes it" in failure(bundle)


def test_a_lone_surrogate_in_a_preimage_is_refused(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    entry = bundle["events"][0]
    text = base64.b64decode(entry["preimage"]).decode()
    text = text.replace('"name":"Authority"', '"name":"Authority\\ud800"')
    entry["preimage"] = base64.b64encode(text.encode()).decode()
    assert "lone surrogate" in failure(bundle)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("leaf_index", -1, "events[0].leaf_index: must be at least 0, found -1"),
        ("version", 0, "events[0].version: must be at least 1, found 0"),
    ],
)
def test_integer_fields_are_bounded(
    good: dict[str, Any], field: str, value: int, message: str
) -> None:
    bundle = copy.deepcopy(good)
    bundle["events"][0][field] = value
    assert message in malformed(bundle)


def test_an_integer_beyond_exact_json_range_is_refused_before_anything_else(
    good: dict[str, Any],
) -> None:
    bundle = copy.deepcopy(good)
    bundle["consistency"][0]["from_size"] = 2**53
    with pytest.raises(InvalidInput, match=r"not a bundle: .*outside ±\(2\*\*53 - 1\)"):
        verify_bundle(json.dumps(bundle).encode())


def malformed(bundle: dict[str, Any]) -> str:
    """The message of a bundle refused as input (its own fields, not what was signed)."""
    with pytest.raises(InvalidInput, match="not a well-formed bundle") as caught:
        verify_bundle(json.dumps(bundle).encode())
    return str(caught.value)


def test_an_unknown_field_is_refused_at_every_level(good: dict[str, Any]) -> None:
    top = copy.deepcopy(good)
    top["extra"] = 1
    assert "bundle: unknown field 'extra'" in malformed(top)
    event = copy.deepcopy(good)
    event["events"][0]["extra"] = 1
    assert "events[0]: unknown field 'extra'" in malformed(event)
    inside = copy.deepcopy(good)

    def extra_record(data: dict[str, Any]) -> None:
        data["extra"] = 1

    rewrite(inside["events"][0], extra_record)
    assert "unknown field 'extra'" in failure(inside)


def test_a_null_argument_is_not_an_absent_one(good: dict[str, Any]) -> None:
    """An optional argument left out is signed absent; a signed null is not its canonical form."""
    bundle = copy.deepcopy(good)
    entry = of_type(bundle, "TenderPublished")
    preimage = record(entry)
    args = dict(preimage["command"]["args"])
    assert "objections_until" not in args["timetable"]  # optional, left out when not given
    signed = sign_command(
        KEYS["agency"],
        command=preimage["command"]["command"],
        stream=preimage["stream"],
        actor="agency",
        role="agency",
        args={**args, "timetable": {**args["timetable"], "objections_until": None}},
    )

    def resigned(data: dict[str, Any]) -> None:
        data["command"] = signed.to_json()

    rewrite(entry, resigned)
    entry["signed"] = base64.b64encode(signed.signed_bytes()).decode()
    assert "objections_until must be left out, not null" in failure(bundle)


def test_a_checkpoint_claiming_a_time_before_the_log_keys_validity_is_refused() -> None:
    log = tender_log()
    number = len(log.checkpoints) - 1
    size, reason, _, tender = log.checkpoints[number]
    log.checkpoints[number] = (size, reason, T0 - timedelta(days=1), tender)
    assert "before the log key's validity" in failure(log.bundle())


def test_a_witness_vkey_whose_name_holds_a_plus_is_refused(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    vkey = bundle["log"]["witnesses"][0]
    name, rest = vkey.split("+", 1)
    bundle["log"]["witnesses"][0] = f"{name}+x+{rest}"
    assert "log.witnesses[0]" in failure(bundle)


def test_a_duplicated_signature_line_is_refused(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    note = bundle["checkpoints"][-1]
    first = note.rstrip("\n").split("\n")[-1]
    bundle["checkpoints"][-1] = note + first + "\n"
    assert "two signatures by" in failure(bundle)


def test_a_checkpoint_of_another_log_is_refused(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    other = NoteSigner("other.example/log", bytes([9]) * 32)
    from ledger.notes import Checkpoint, parse_note, sign_checkpoint

    head = Checkpoint.parse(parse_note(bundle["checkpoints"][0])[0])
    moved = Checkpoint(other.name, head.size, head.root, head.extensions)
    bundle["checkpoints"][0] = sign_checkpoint(other, moved)
    assert "is a checkpoint of 'other.example/log', not of the bundle's log" in failure(bundle)


def test_a_share_handed_in_by_another_official_than_it_names_is_refused() -> None:
    """The regulator replays the agency's share as its own: the signature is the regulator's,
    the share is genuine, and re-execution refuses it for naming another official."""
    message = failure(tender_log(replayed_share=True).bundle())
    assert "names official 'agency', not 'regulator'" in message


def test_verify_bundle_json_reports_a_failure_as_json(
    good: dict[str, Any], tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = copy.deepcopy(good)
    rewrite(of_type(bundle, "BidsRevealed"), lambda d: d["facts"].update(officials=[]))
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    assert main(["verify-bundle", str(path), "--json"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["verified"] is False
    assert "BidsRevealed" in answer["where"]
    assert "differ from what the rules give" in answer["detail"]
