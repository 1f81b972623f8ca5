"""The key store: a private and a public file per key, encrypted unless asked, never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands.keystore import KeyStore, Passphrase, party_of_key_file
from ledger.errors import InvalidInput
from ledger.keyfile import PASSPHRASE_ENV, load_public_key, save_public_key
from ledger.notes import COSIGNATURE_V1

SECRET = {PASSPHRASE_ENV: "a passphrase"}


def _store(folder: Path, **options: object) -> KeyStore:
    return KeyStore(folder, Passphrase(environ=SECRET, **options))  # type: ignore[arg-type]


def test_a_signing_key_is_two_files_and_reads_back_as_the_same_key(tmp_path: Path) -> None:
    keys = _store(tmp_path)
    signer = keys.create_signer("demo-a")
    private, public = tmp_path / "demo-a.sign.key", tmp_path / "demo-a.sign.pub"
    assert private.read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----\n")
    assert load_public_key(public) == ("ed25519", signer.public_key)
    assert _store(tmp_path).signer("demo-a").public_key == signer.public_key
    assert keys.public_key("demo-a", "sign") == signer.public_key


def test_an_encryption_key_and_a_note_key_read_back(tmp_path: Path) -> None:
    keys = _store(tmp_path)
    box = keys.create_box_key("official-a")
    note = keys.create_note_signer("platform", "platform.example/log")
    again = _store(tmp_path)
    assert bytes(again.box_key("official-a").public_key) == bytes(box.public_key)
    assert load_public_key(tmp_path / "official-a.encrypt.pub")[0] == "x25519"
    assert again.note_signer("platform", "platform.example/log").verifier() == note.verifier()
    vkey = (tmp_path / "platform.log.vkey").read_text().strip()
    assert vkey == note.verifier().vkey()


def test_a_wrong_passphrase_is_refused_by_name(tmp_path: Path) -> None:
    _store(tmp_path).create_signer("demo-a")
    wrong = KeyStore(tmp_path, Passphrase(environ={PASSPHRASE_ENV: "not it"}))
    with pytest.raises(InvalidInput, match="wrong passphrase or damaged file"):
        wrong.signer("demo-a")


def test_no_key_file_is_overwritten(tmp_path: Path) -> None:
    keys = _store(tmp_path)
    first = keys.create_signer("demo-a")
    with pytest.raises(InvalidInput, match=r"demo-a\.sign\.key already exists"):
        keys.create_signer("demo-a")
    assert keys.signer("demo-a").public_key == first.public_key


def test_without_a_passphrase_or_a_terminal_no_key_is_written(tmp_path: Path) -> None:
    keys = KeyStore(tmp_path, Passphrase(environ={}, interactive=lambda: False))
    with pytest.raises(InvalidInput, match=f"set {PASSPHRASE_ENV}"):
        keys.create_signer("demo-a")
    assert list(tmp_path.iterdir()) == []


def test_at_a_terminal_the_passphrase_is_asked_twice_and_must_match(tmp_path: Path) -> None:
    answers = iter(["first", "second"])
    keys = KeyStore(
        tmp_path,
        Passphrase(environ={}, prompt=lambda _: next(answers), interactive=lambda: True),
    )
    with pytest.raises(InvalidInput, match="the two passphrases differ"):
        keys.create_signer("demo-a")
    same = iter(["typed", "typed", "typed"])
    typed = Passphrase(environ={}, prompt=lambda _: next(same), interactive=lambda: True)
    KeyStore(tmp_path, typed).create_signer("demo-b")
    reader = KeyStore(tmp_path, Passphrase(environ={PASSPHRASE_ENV: "typed"}))
    assert reader.signer("demo-b").key_id.startswith("ed25519:")


def test_keys_in_the_clear_only_when_asked_and_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _store(tmp_path, clear=True).create_signer("demo-a")
    assert (tmp_path / "demo-a.sign.key").read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert "is not encrypted" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "party"),
    [
        ("demo-a.sign.key", "demo-a"),
        ("xianfeng.finance-bureau.encrypt.key", "xianfeng.finance-bureau"),
        ("demo-a.sign.pub", None),
        ("witness.pem", None),
        ("Upper.sign.key", None),
    ],
)
def test_a_key_file_names_its_party(name: str, party: str | None) -> None:
    assert party_of_key_file(f"/somewhere/{name}") == party


def test_a_party_id_that_is_no_file_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"party id '\.\./escape'"):
        _store(tmp_path).create_signer("../escape")


def test_a_public_key_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.pub"
    path.write_text("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
    with pytest.raises(InvalidInput, match="not a PEM public key"):
        load_public_key(path)
    with pytest.raises(InvalidInput, match="key algorithm must be one of"):
        save_public_key(tmp_path / "y.pub", bytes(32), "rsa")


def test_a_witness_note_key_is_a_cosignature_key(tmp_path: Path) -> None:
    witness = _store(tmp_path).create_note_signer("regulator", "w.example/1", COSIGNATURE_V1)
    assert witness.verifier().algorithm == COSIGNATURE_V1
