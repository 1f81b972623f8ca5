"""`bidledger checkpoint` and `bidledger prove` on the demo database, checked independently.

Each proof is checked twice: by ledger.merkle, and by a small verifier written here from
the text of RFC 9162 §2.1.3.2 and §2.1.4.2, against the root of the checkpoint note, whose
signature is checked here too (C2SP signed-note, Ed25519 over the note text) with the log
key taken from the log's own KeyRegistered event. The leaf hashes are recomputed from the
events (RFC 6962 §2.1: SHA-256(0x00 || entry)) and the root from the recursive MTH.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nacl.signing
import pytest

from commands.cli import main
from commands.world import World
from ledger.merkle import verify_consistency, verify_inclusion
from ledger.store import LedgerStore
from tests.support.cli import DemoFiles


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def rfc9162_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _h(b"\x01" + p + r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = _h(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def rfc9162_consistency(
    first: int, second: int, path: Sequence[bytes], first_hash: bytes, second_hash: bytes
) -> bool:
    """RFC 9162 §2.1.4.2, step by step (first < second)."""
    if not path:
        return False
    path = list(path)
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _h(b"\x01" + c + fr), _h(b"\x01" + c + sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _h(b"\x01" + sr + c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0


def mth(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 §2.1 Merkle Tree Hash, recursively."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return _h(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


@pytest.fixture(scope="module")
def demo(demo_files: DemoFiles) -> Path:
    """The demo's SQLite file, made by `bidledger demo` in its own process: only read."""
    return demo_files.database


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _log_vkey(path: Path, origin: str) -> str:
    """The log's note key, as registered on the log (a KeyRegistered event with purpose log)."""
    with sqlite3.connect(path) as db:
        states = [json.loads(row[0]) for row in db.execute("SELECT state FROM application_events")]
    keys = [s["args"]["note_key"] for s in states if s["args"].get("purpose") == "log"]
    (vkey,) = [key for key in keys if key.split("+")[0] == origin]
    return str(vkey)


def _open_note(note: str, vkey: str) -> tuple[str, int, bytes]:
    """C2SP signed note: check the Ed25519 signature; return (origin, size, root)."""
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    name, key_id_hex, material = vkey.split("+", 2)
    raw_key = base64.b64decode(material)
    assert raw_key[0] == 0x01
    key_id = _h(name.encode() + b"\n" + raw_key)[:4]
    assert key_id.hex() == key_id_hex
    line = next(s for s in signatures.splitlines() if s.startswith(f"— {name} "))
    signature = base64.b64decode(line.rsplit(" ", 1)[1])
    assert signature[:4] == key_id
    nacl.signing.VerifyKey(raw_key[1:]).verify(text.encode(), signature[4:])
    origin, size, root = text.splitlines()[:3]
    return origin, int(size), base64.b64decode(root)


def _leaves(path: Path) -> list[bytes]:
    store = LedgerStore(f"sqlite:///{path}")
    try:
        return [_h(b"\x00" + store.decode(record).preimage()) for record in store.log()]
    finally:
        store.close()


@pytest.fixture(scope="module")
def checkpoint(demo: Path) -> tuple[str, int, bytes]:
    result = subprocess.run(
        [sys.executable, "-m", "commands.cli", "checkpoint", "--db", f"sqlite:///{demo}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    origin = result.stdout.split("\n", 1)[0]
    return _open_note(result.stdout, _log_vkey(demo, origin))


def test_the_checkpoint_is_a_signed_note_whose_root_is_the_mth_of_the_events(
    demo: Path, checkpoint: tuple[str, int, bytes]
) -> None:
    origin, size, root = checkpoint
    leaves = _leaves(demo)
    assert origin == "bidledger.example/enshi-platform"
    assert size == len(leaves)
    assert root == mth(leaves)


def test_every_inclusion_proof_verifies_against_the_checkpoint_root(
    demo: Path, checkpoint: tuple[str, int, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    _, size, root = checkpoint
    leaves = _leaves(demo)
    for index in range(size):
        code, out, err = _run(capsys, "prove", str(index), "--db", f"sqlite:///{demo}", "--json")
        assert code == 0, err
        result: dict[str, Any] = json.loads(out)
        assert set(result) == {"leaf_index", "tree_size", "leaf_hash", "root", "proof"}
        assert (result["leaf_index"], result["tree_size"], result["root"]) == (
            index,
            size,
            root.hex(),
        )
        assert result["leaf_hash"] == leaves[index].hex()
        path = [bytes.fromhex(item) for item in result["proof"]]
        assert all(item == item.lower() for item in result["proof"])
        assert rfc9162_inclusion(leaves[index], index, size, path, root)
        verify_inclusion(leaves[index], index, size, path, root)
        if path:
            assert not rfc9162_inclusion(leaves[index], index, size, path[:-1], root)


def test_consistency_proofs_between_the_checkpoints_verify(
    demo: Path, checkpoint: tuple[str, int, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    _, size, root = checkpoint
    leaves = _leaves(demo)
    for older in (1, 2, 3, 64, 66, 67, 100, size - 1):
        code, out, err = _run(
            capsys, "prove", "--from", str(older), "--db", f"sqlite:///{demo}", "--json"
        )
        assert code == 0, err
        result = json.loads(out)
        assert set(result) == {"size1", "size2", "root1", "root2", "proof"}
        assert (result["size1"], result["size2"], result["root2"]) == (older, size, root.hex())
        first = bytes.fromhex(result["root1"])
        assert first == mth(leaves[:older])
        path = [bytes.fromhex(item) for item in result["proof"]]
        assert rfc9162_consistency(older, size, path, first, root)
        verify_consistency(older, size, path, first, root)
    code, out, _ = _run(
        capsys, "prove", "--from", "64", "--to", "67", "--db", f"sqlite:///{demo}", "--json"
    )
    result = json.loads(out)
    assert (result["size1"], result["size2"]) == (64, 67)
    path = [bytes.fromhex(item) for item in result["proof"]]
    assert rfc9162_consistency(64, 67, path, mth(leaves[:64]), mth(leaves[:67]))


def test_a_proof_to_an_older_size_verifies_against_that_size(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leaves = _leaves(demo)
    code, out, _ = _run(capsys, "prove", "5", "--size", "66", "--db", f"sqlite:///{demo}", "--json")
    result = json.loads(out)
    path = [bytes.fromhex(item) for item in result["proof"]]
    assert code == 0
    assert rfc9162_inclusion(leaves[5], 5, 66, path, mth(leaves[:66]))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["prove"], "give either a leaf INDEX"),
        (["prove", "500"], "leaf index must be in [0, {size})"),
        (["prove", "3", "--size", "500"], "tree size must be in [0, {size}]"),
        (["prove", "--from", "0"], "consistency needs 0 < size1 <= size2"),
        (["prove", "1", "--from", "2"], "give either a leaf INDEX"),
    ],
)
def test_a_bad_proof_request_is_a_usage_error(
    demo: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = _run(capsys, *args, "--db", f"sqlite:///{demo}")
    assert code == 2
    assert message.format(size=len(_leaves(demo))) in err


def test_checkpoint_and_prove_on_a_log_without_a_tree_are_usage_errors(
    world: World, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    world.service.store.close()  # a ledger written with no log key: events, no tree
    url = database_url
    code, _, err = _run(capsys, "checkpoint", "--db", url)
    assert code == 2
    assert "no checkpoint has been issued" in err
    code, _, err = _run(capsys, "prove", "0", "--db", url)
    assert code == 2
    assert "holds no Merkle tree" in err
