"""Key files: PKCS#8 PEM (RFC 8410 for Ed25519 and X25519), encrypted when a passphrase is set."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from ledger.crypto.signing import Signer
from ledger.errors import InvalidInput
from ledger.keyfile import (
    PASSPHRASE_ENV,
    load_ed25519_key,
    load_x25519_key,
    passphrase_from_env,
    save_ed25519_key,
    save_x25519_key,
)

SEED = bytes(range(32))
# RFC 8410 §7: a PKCS#8 OneAsymmetricKey with the algorithm OID 1.3.101.112 (Ed25519) or
# 1.3.101.110 (X25519) and the 32 private bytes as an OCTET STRING inside an OCTET STRING.
ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
X25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b656e04220420")


def _der(path: Path) -> bytes:
    lines = path.read_text().strip().splitlines()
    return base64.b64decode("".join(lines[1:-1]))


def test_an_unencrypted_ed25519_key_file_is_the_rfc_8410_pkcs8_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "key.pem"
    save_ed25519_key(path, SEED, passphrase=None)
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----\n")
    assert _der(path) == ED25519_PKCS8_PREFIX + SEED
    assert f"{path} is not encrypted; set {PASSPHRASE_ENV}" in capsys.readouterr().err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_ed25519_key(path, passphrase=None) == SEED


def test_an_x25519_key_file_is_the_rfc_8410_pkcs8_encoding(tmp_path: Path) -> None:
    path = tmp_path / "x.pem"
    save_x25519_key(path, SEED, passphrase=None)
    assert _der(path) == X25519_PKCS8_PREFIX + SEED
    assert load_x25519_key(path, passphrase=None) == SEED


def test_an_encrypted_key_file_needs_its_passphrase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "key.pem"
    save_ed25519_key(path, SEED, passphrase=b"correct horse")
    assert capsys.readouterr().err == ""
    text = path.read_text()
    assert text.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert SEED not in _der(path)
    assert load_ed25519_key(path, passphrase=b"correct horse") == SEED
    with pytest.raises(InvalidInput, match=f"is encrypted: set {PASSPHRASE_ENV}"):
        load_ed25519_key(path, passphrase=None)
    with pytest.raises(InvalidInput, match="wrong passphrase"):
        load_ed25519_key(path, passphrase=b"battery staple")


def test_a_passphrase_set_for_an_unencrypted_file_still_loads_it(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    save_ed25519_key(path, SEED, passphrase=None)
    assert load_ed25519_key(path, passphrase=b"anything") == SEED


def test_the_seed_loaded_signs_as_the_key_saved(tmp_path: Path) -> None:
    signer = Signer.generate()
    save_ed25519_key(tmp_path / "k.pem", signer.seed, passphrase=b"p")
    loaded = Signer.from_seed(load_ed25519_key(tmp_path / "k.pem", passphrase=b"p"))
    assert loaded.public_key == signer.public_key


def test_a_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    save_ed25519_key(path, SEED, passphrase=b"p")
    before = path.read_bytes()
    with pytest.raises(InvalidInput, match="already exists"):
        save_ed25519_key(path, bytes(32), passphrase=b"p")
    assert path.read_bytes() == before


def test_a_key_of_the_other_kind_or_not_a_key_is_refused(tmp_path: Path) -> None:
    save_x25519_key(tmp_path / "x.pem", SEED, passphrase=None)
    with pytest.raises(InvalidInput, match="holds a X25519 key, not Ed25519"):
        load_ed25519_key(tmp_path / "x.pem", passphrase=None)
    (tmp_path / "junk.pem").write_text("hello\n")
    with pytest.raises(InvalidInput, match="not a PKCS#8 PEM key"):
        load_ed25519_key(tmp_path / "junk.pem", passphrase=None)
    with pytest.raises(InvalidInput, match="cannot read key file"):
        load_x25519_key(tmp_path / "missing.pem", passphrase=None)


def test_bad_seeds_and_empty_passphrases_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="32 bytes, not 31"):
        save_ed25519_key(tmp_path / "k.pem", bytes(31), passphrase=None)
    with pytest.raises(InvalidInput, match="empty passphrase"):
        save_ed25519_key(tmp_path / "k.pem", SEED, passphrase=b"")
    assert not (tmp_path / "k.pem").exists()


def test_the_passphrase_comes_from_the_environment_when_set() -> None:
    assert passphrase_from_env({PASSPHRASE_ENV: "s3cret"}) == b"s3cret"
    assert passphrase_from_env({PASSPHRASE_ENV: ""}) is None
    assert passphrase_from_env({}) is None
