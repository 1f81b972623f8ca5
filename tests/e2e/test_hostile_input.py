"""Malformed and hostile input to every command: exit 2, one line, no traceback, nothing written.

A corpus of hostile files (empty, binary, invalid UTF-8, deep nesting, huge numbers, floats,
NaN, duplicate keys, lone surrogates, wrong types, too large) is given to each command that
reads a file; hostile arguments (bad hex, missing or unwritable output folders, ports and
numbers out of range, bytes that are not UTF-8) to each command that takes them. Each run is
the real command line; the folder it works in is compared before and after.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from commands import seed
from commands.world import World
from ledger.limits import MAX_BID_DOCUMENT_BYTES, MAX_NOTE_BYTES
from tests.support.bids import bid_document
from tests.support.cli import run_main, run_process, snapshot

KEY = "ab" * 32
SEAL = ("--tender", seed.CODE, "--lot", "1", "--bidder", seed.QXD, "--threshold", "2")
OFFICIALS = (f"--official=a={KEY}", f"--official=b={KEY}")

HOSTILE: dict[str, bytes] = {
    "an empty file": b"",
    "binary garbage": bytes(range(256)) * 8,
    "invalid UTF-8": b'{"v": "\xff\xfe"}',
    "a byte-order mark": b'\xef\xbb\xbf{"v": 1}',
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "nesting just past the limit": b'{"v": ' + b"[" * 40 + b"]" * 40 + b"}",
    "a huge number": b'{"v": ' + b"9" * 5_000 + b"}",
    "an integer past 2**53": b'{"v": 9007199254740993}',
    "a float": b'{"v": 1.5}',
    "an exponent": b'{"v": 1e400}',
    "NaN": b'{"v": NaN}',
    "a duplicate key": b'{"v": 1, "v": 2}',
    "a lone surrogate": b'{"v": "\\ud800"}',
    "an array": b"[1, 2, 3]",
    "a bare string": b'"bidledger"',
    "truncated JSON": b'{"v": "bidledger/bid-document/v1", "lines": [',
}


def _write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def _check(run_folder: Path, run: Callable[[], str], expected: str = "") -> str:
    """Run in ``run_folder``; exit 2, one line, nothing written; the line."""
    before = snapshot(run_folder)
    line = run()
    assert snapshot(run_folder) == before, "the command wrote something"
    assert expected in line
    return line


@pytest.mark.parametrize("content", HOSTILE.values(), ids=HOSTILE.keys())
def test_seal_refuses_a_hostile_bid_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    document = _write(tmp_path, "bid.json", content)
    output = tmp_path / "sealed.json"

    def seal() -> str:
        run = run_main(capsys, "seal", str(document), *SEAL, *OFFICIALS, "-o", str(output))
        assert run.out == ""
        return run.refused()

    _check(tmp_path, seal, "bid document")


BAD_DOCUMENTS: dict[str, Callable[[dict[str, object]], object]] = {
    "a wrong version": lambda d: {**d, "v": 5},
    "lines of the wrong type": lambda d: {**d, "lines": "many"},
    "a total that is a number": lambda d: {**d, "total_figures": 334860},
    "a total with three decimals": lambda d: {**d, "total_figures": "334860.001"},
    "a missing bidder": lambda d: {k: v for k, v in d.items() if k != "bidder"},
    "a lone surrogate in a name": lambda d: {**d, "brand": "\ud800"},
    "a document larger than the limit": lambda d: {**d, "technical": "x" * MAX_BID_DOCUMENT_BYTES},
}


@pytest.mark.parametrize("edit", BAD_DOCUMENTS.values(), ids=BAD_DOCUMENTS.keys())
def test_seal_refuses_a_bid_document_of_the_wrong_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Callable[[dict[str, object]], object]
) -> None:
    text = json.dumps(edit(bid_document("1", seed.QXD, "334860.00")))
    document = _write(tmp_path, "bid.json", text.encode("utf-8", "surrogatepass"))
    run = lambda: run_main(capsys, "seal", str(document), *SEAL, *OFFICIALS).refused()  # noqa: E731
    _check(tmp_path, run, "error: ")


SEAL_ARGUMENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "an official key that is not hex": (
        (f"--official=a={'zz' * 32}", f"--official=b={KEY}"),
        "--official must be PARTY=X25519_PUBLIC_KEY_HEX",
    ),
    "an official key that is too short": (
        ("--official=a=abcd", f"--official=b={KEY}"),
        "--official must be PARTY=X25519_PUBLIC_KEY_HEX",
    ),
    "an official with no party": ((f"--official={KEY}", f"--official=b={KEY}"), "--official"),
    "the same official twice": ((f"--official=a={KEY}", f"--official=a={KEY}"), "distinct"),
    "a threshold of 0": (("--threshold", "0", *OFFICIALS), "threshold"),
    "a threshold that is not a number": (("--threshold", "two", *OFFICIALS), "invalid int"),
    "a huge threshold": (("--threshold", "9" * 5000, *OFFICIALS), "--threshold"),
    "a missing output folder": ((*OFFICIALS, "-o", "{folder}/no/such/folder/out.json"), "folder"),
    "an output that is a folder": ((*OFFICIALS, "-o", "{folder}"), "it is a directory"),
    "a tender code that is not UTF-8": ((*OFFICIALS, "--tender", "\udcff"), "not UTF-8 text"),
}


@pytest.mark.parametrize(
    ("arguments", "expected"), SEAL_ARGUMENTS.values(), ids=SEAL_ARGUMENTS.keys()
)
def test_seal_refuses_hostile_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: tuple[str, ...], expected: str
) -> None:
    document = _write(
        tmp_path, "bid.json", json.dumps(bid_document("1", seed.QXD, "334860.00")).encode()
    )
    args = [arg.format(folder=tmp_path) for arg in arguments]
    run = lambda: run_main(capsys, "seal", str(document), *SEAL, *args).refused()  # noqa: E731
    _check(tmp_path, run, expected)


@pytest.mark.parametrize("content", HOSTILE.values(), ids=HOSTILE.keys())
def test_verify_bundle_refuses_a_hostile_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    bundle = _write(tmp_path, "bundle.json", content)
    run = lambda: run_main(capsys, "verify-bundle", str(bundle)).refused()  # noqa: E731
    _check(tmp_path, run, "error: ")


WRONG_BUNDLES: dict[str, object] = {
    "no format": {"events": []},
    "a format of the wrong type": {"format": 7},
    "fields of the wrong type": {
        "format": "bidledger/bundle/v1",
        "tender": "XFZFCG-2020-33",
        "log": [],
        "checkpoints": {},
        "consistency": 0,
        "events": None,
        "omitted": True,
    },
    "bad hex": {
        "format": "bidledger/bundle/v1",
        "tender": {"code": "X", "stream": "x"},
        "log": {"origin": "o", "vkey": "v", "witnesses": []},
        "checkpoints": [],
        "consistency": [],
        "events": [
            {
                "leaf_index": 0,
                "stream": "s",
                "version": 1,
                "preimage": "",
                "event_hash": "ZZ" * 32,
                "signed": "",
                "inclusion_proof": [],
            }
        ],
        "omitted": [],
    },
}


@pytest.mark.parametrize("content", WRONG_BUNDLES.values(), ids=WRONG_BUNDLES.keys())
def test_verify_bundle_refuses_a_bundle_of_the_wrong_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: object
) -> None:
    bundle = _write(tmp_path, "bundle.json", json.dumps(content).encode())
    run = lambda: run_main(capsys, "verify-bundle", str(bundle)).refused()  # noqa: E731
    _check(tmp_path, run, "bundle")


@pytest.mark.parametrize("content", [*HOSTILE.values(), b"x" * (MAX_NOTE_BYTES + 1)])
def test_verify_against_a_file_that_is_no_checkpoint_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    note = _write(tmp_path, "checkpoint.txt", content)
    run = lambda: run_main(capsys, "verify", "--against", str(note)).refused()  # noqa: E731
    _check(tmp_path, run, "checkpoint")


MISSING: dict[str, tuple[str, ...]] = {
    "seal": ("seal", "{missing}", *SEAL, *OFFICIALS),
    "verify-bundle": ("verify-bundle", "{missing}"),
    "verify --against": ("verify", "--against", "{missing}"),
    "witness vkey": ("witness", "vkey", "--name", "w.example/1", "--key", "{missing}"),
}


@pytest.mark.parametrize("argv", MISSING.values(), ids=MISSING.keys())
@pytest.mark.parametrize("missing", ["absent.json", "."], ids=["a missing file", "a folder"])
def test_a_file_argument_that_is_missing_or_a_folder_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], missing: str
) -> None:
    args = [arg.format(missing=tmp_path / missing) for arg in argv]
    _check(tmp_path, lambda: run_main(capsys, *args).refused(), "error: ")


_SERVE = ("witness", "serve", "--name", "w", "--key", "k", "--state", "s", "--log", "l")
_READ_LEDGER = {"prove", "replay", "audit", "export", "projections"}
OTHER_ARGUMENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "prove a negative leaf": (("prove", "-1"), "holds no Merkle tree"),
    "prove a huge leaf": (("prove", "9" * 5000), "invalid int"),
    "replay at no time": (("replay", seed.CODE, "--at", "yesterday"), "not an ISO 8601 time"),
    "audit as of a time with surrogates": (("audit", seed.CODE, "--as-of", "\udce9"), "UTF-8"),
    "export into a missing folder": (
        ("export", seed.CODE, "-o", "{folder}/no/such/folder/b.json"),
        "there is no folder",
    ),
    "an unknown projection": (("projections", "catch-up", "no_such_model"), "no projection"),
    "a witness port out of range": (
        (*_SERVE, "--port", "99999"),
        "a port is a number from 0 to 65535",
    ),
    "an unknown command": (("frobnicate",), "invalid choice"),
}


@pytest.mark.parametrize(("argv", "expected"), OTHER_ARGUMENTS.values(), ids=OTHER_ARGUMENTS.keys())
def test_other_hostile_arguments_are_exit_2_with_one_line(
    world: World,
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    expected: str,
) -> None:
    world.service.store.close()  # a ledger with the seed's parties, beside the work folder
    folder = tmp_path / "work"
    folder.mkdir()
    args = [arg.format(folder=folder) for arg in argv]
    with_db = ["--db", database_url] if args[0] in _READ_LEDGER else []
    _check(folder, lambda: run_main(capsys, *args, *with_db).refused(), expected)


@pytest.mark.parametrize(
    "argv",
    [
        ("seal", "{document}", *SEAL, *OFFICIALS, "-o", "{folder}/missing/out.json"),
        ("verify-bundle", "{document}"),
        ("verify", "--db", "sqlite:///{document}"),
        ("audit", "\udcff", "--db", "sqlite:///{document}"),
    ],
    ids=["seal", "verify-bundle", "verify", "audit"],
)
def test_a_real_process_answers_hostile_input_with_one_line_and_no_traceback(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    document = _write(tmp_path, "hostile.json", HOSTILE["deep nesting"])
    args = [arg.format(document=document, folder=tmp_path) for arg in argv]
    before = snapshot(tmp_path)
    run_process(*args).refused()
    assert snapshot(tmp_path) == before
