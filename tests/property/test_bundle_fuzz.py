"""A bounded fuzz of ``bidledger verify-bundle``'s input: never a traceback, never a wrong exit.

Random bytes, the demo's genuine bundle with bytes flipped, cut or inserted, the bundle with
one field anywhere replaced by a random JSON value, and one event rewritten inside its
canonical preimage with its hash recomputed: each run of the command answers
exit 0 (only if the bundle still means the same), 1 (it does not verify) or 2 (not a bundle),
with at most one line on stderr and never an unexpected error. Derandomized, so every run of
the suite tries the same inputs.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.canonical import canonical_bytes
from tests.support.cli import DemoFiles, Run, run_main

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.text(max_size=20)
    | st.sampled_from(["", "00" * 32, "AAAA", "2021-01-15T09:30:00+08:00", "bidledger/bundle/v1"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.fixture
def genuine(demo_files: DemoFiles) -> bytes:
    return demo_files.bundle.read_bytes()


def _verify(path: Path, content: bytes, capsys: pytest.CaptureFixture[str]) -> Run:
    path.write_bytes(content)
    run = run_main(capsys, "verify-bundle", str(path))
    assert run.code in (0, 1, 2), run
    assert len(run.err.splitlines()) == (0 if run.code == 0 else 1), run.err
    assert "Traceback" not in run.err
    assert "unexpected" not in run.err, run.err
    return run


@FUZZ
@given(content=st.binary(max_size=4096))
def test_random_bytes_are_never_a_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    assert _verify(tmp_path / "random.json", content, capsys).code == 2


@FUZZ
@given(data=st.data())
def test_a_bundle_with_bytes_flipped_cut_or_inserted_never_crashes_the_verifier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], genuine: bytes, data: st.DataObject
) -> None:
    at = data.draw(st.integers(0, len(genuine) - 1), label="position")
    edit = data.draw(st.sampled_from(["flip", "cut", "insert", "truncate"]), label="edit")
    if edit == "flip":
        content = (
            genuine[:at] + bytes([genuine[at] ^ data.draw(st.integers(1, 255))]) + genuine[at + 1 :]
        )
    elif edit == "cut":
        content = genuine[:at] + genuine[at + data.draw(st.integers(1, 64)) :]
    elif edit == "insert":
        content = genuine[:at] + data.draw(st.binary(min_size=1, max_size=16)) + genuine[at:]
    else:
        content = genuine[:at]
    run = _verify(tmp_path / "edited.json", content, capsys)
    if run.code == 0:  # only an edit of the file's own whitespace leaves it meaning the same
        assert json.loads(content) == json.loads(genuine)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            found += _paths(item, (*prefix, index))
    return found


@FUZZ
@given(data=st.data())
def test_a_bundle_with_any_field_replaced_never_crashes_the_verifier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], genuine: bytes, data: st.DataObject
) -> None:
    bundle = json.loads(genuine)
    path = data.draw(st.sampled_from(_paths(bundle)[1:]), label="field")
    value = data.draw(JSON, label="value")
    target = bundle
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    text = json.dumps(bundle, ensure_ascii=False).encode("utf-8", "surrogatepass")
    run = _verify(tmp_path / "replaced.json", text, capsys)
    assert run.code in (1, 2) or json.loads(text) == json.loads(genuine)


SIGNED_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53 - 1), 2**53 - 1)
    | st.text(max_size=20)
    | st.sampled_from(["", "1", "00" * 32, "ed25519:" + "00" * 16, "2021-01-15T09:30:00+08:00"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@FUZZ
@given(data=st.data())
def test_an_event_rewritten_inside_its_preimage_and_rehashed_is_refused_never_crashes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], genuine: bytes, data: st.DataObject
) -> None:
    bundle = json.loads(genuine)
    entry = data.draw(st.sampled_from(bundle["events"]), label="event")
    domain, body = base64.b64decode(entry["preimage"]).split(b"\n", 1)
    record = json.loads(body)
    path = data.draw(st.sampled_from(_paths(record)[1:]), label="field")
    value = data.draw(SIGNED_JSON.filter(lambda v: v != _at(record, path)), label="value")
    target = record
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    preimage = domain + b"\n" + canonical_bytes(record)
    entry["preimage"] = base64.b64encode(preimage).decode()
    entry["event_hash"] = hashlib.sha256(preimage).hexdigest()
    text = json.dumps(bundle, ensure_ascii=False).encode()
    assert _verify(tmp_path / "rewritten.json", text, capsys).code == 1


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value
