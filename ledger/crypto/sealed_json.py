"""The JSON wire forms of sealed bids and key shares, and the checks of every field.

``SealedBid.to_json()`` is the ``bidledger/sealed-bid/v2`` object of
``docs/sealed-bid-format.md``; ``from_json`` refuses anything else with an
:class:`InvalidInput` that names the field, and anything that is not exactly what
``to_json`` writes back (so what a bidder signs is compared as canonical bytes);
``from_text`` reads its JSON text strictly (:func:`ledger.canonical.loads_strict`). The
cryptography is in ``sealing.py``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.canonical import canonical_bytes, loads_strict, same_value
from ledger.crypto import aead, shamir
from ledger.errors import InvalidInput
from ledger.limits import MAX_SEALED_BID_BYTES

SEALED_BID_VERSION = "bidledger/sealed-bid/v2"
KEY_SHARE_VERSION = "bidledger/key-share/v1"
SEALED_BOX_OVERHEAD = 48  # ephemeral X25519 public key (32) + Poly1305 tag (16)

__all__ = ["KEY_SHARE_VERSION", "SEALED_BID_VERSION", "KeyShare", "SealedBid", "WrappedShare"]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_SEALED_KEYS = frozenset({"v", "tender", "lot", "bidder", "nonce", "ciphertext", "threshold"})
_SEALED_KEYS |= {"ciphertext_sha256", "key_commitment", "shares"}
_WRAPPED_KEYS = frozenset({"official", "index", "wrapped", "commitment"})
_KEY_SHARE_KEYS = frozenset({"v", "official", "index", "share"})


@dataclass(frozen=True)
class WrappedShare:
    """One official's key share, sealed to its key, and the commitment to its plaintext."""

    official: str
    index: int
    wrapped: bytes
    commitment: str


@dataclass(frozen=True)
class SealedBid:
    """A bid document encrypted under a data key that only ``threshold`` officials can rebuild."""

    tender: str
    lot: str
    bidder: str
    nonce: bytes
    ciphertext: bytes
    threshold: int
    shares: tuple[WrappedShare, ...]
    key_commitment: str  # hex SHA-256 binding the data key (see sealing.data_key_commitment)
    _encoded: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _ciphertext_text: tuple[str, str] | None = field(  # (base64, hex SHA-256), as read
        default=None, init=False, repr=False, compare=False
    )

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form: base64 for binary fields, lower-case hex for digests."""
        return {
            "v": SEALED_BID_VERSION,
            "tender": self.tender,
            "lot": self.lot,
            "bidder": self.bidder,
            "nonce": _b64(self.nonce),
            "ciphertext": self._ciphertext_b64(),
            "ciphertext_sha256": self.ciphertext_digest(),
            "key_commitment": self.key_commitment,
            "threshold": self.threshold,
            "shares": [
                {
                    "official": s.official,
                    "index": s.index,
                    "wrapped": _b64(s.wrapped),
                    "commitment": s.commitment,
                }
                for s in self.shares
            ],
        }

    @classmethod
    def from_text(cls, text: bytes | str) -> SealedBid:
        """Parse the JSON text of a sealed bid strictly, then as :meth:`from_json`."""
        return cls.from_json(loads_strict(text, "sealed bid", max_bytes=MAX_SEALED_BID_BYTES))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SealedBid:
        """Parse :meth:`to_json` output, checking every field; errors name the field."""
        encoded = _canonical(data, "sealed bid", MAX_SEALED_BID_BYTES)
        sealed = cls._fields_of(data)
        written = sealed.to_json()
        if not same_value(written, data) and canonical_bytes(written) != encoded:
            raise InvalidInput("sealed bid: not in the canonical form its fields are written in")
        object.__setattr__(sealed, "_encoded", encoded)  # just shown equal to to_json's
        return sealed

    @classmethod
    def _fields_of(cls, data: Mapping[str, Any]) -> SealedBid:
        _exact_keys(data, "sealed bid", _SEALED_KEYS)
        _expect(data, "v", SEALED_BID_VERSION)
        ciphertext = _b64_field(data, "ciphertext")
        if len(ciphertext) < aead.TAG_SIZE:
            raise InvalidInput(f"ciphertext: {len(ciphertext)} bytes, shorter than the tag")
        found = _str_field(data, "ciphertext_sha256", hex64=True)
        if found != hashlib.sha256(ciphertext).hexdigest():
            raise InvalidInput(f"ciphertext_sha256: {found} is not the digest of ciphertext")
        shares = data["shares"]
        if not isinstance(shares, list) or len(shares) < 2:
            raise InvalidInput("shares: must be a list of at least 2 wrapped shares")
        threshold = _int_field(data, "threshold", 2, len(shares))
        sealed = cls(
            tender=_str_field(data, "tender"),
            lot=_str_field(data, "lot"),
            bidder=_str_field(data, "bidder"),
            nonce=_b64_field(data, "nonce", aead.NONCE_SIZE),
            ciphertext=ciphertext,
            threshold=threshold,
            shares=tuple(_wrapped_from_json(item, n) for n, item in enumerate(shares, 1)),
            key_commitment=_str_field(data, "key_commitment", hex64=True),
        )
        officials = [s.official for s in sealed.shares]
        if len(set(officials)) != len(officials):
            raise InvalidInput("shares: an official is named more than once")
        # both just shown to be what to_json writes for these bytes: not written twice
        object.__setattr__(sealed, "_ciphertext_text", (data["ciphertext"], found))
        return sealed

    def digest(self) -> str:
        """Hex SHA-256 of the canonical bytes of :meth:`to_json`: what the bidder signs."""
        encoded = self._encoded if self._encoded is not None else canonical_bytes(self.to_json())
        return hashlib.sha256(encoded).hexdigest()

    def ciphertext_digest(self) -> str:
        """Hex SHA-256 of the ciphertext (``ciphertext_sha256`` of :meth:`to_json`)."""
        if self._ciphertext_text is not None:
            return self._ciphertext_text[1]
        return hashlib.sha256(self.ciphertext).hexdigest()

    def _ciphertext_b64(self) -> str:
        if self._ciphertext_text is not None:
            return self._ciphertext_text[0]
        return _b64(self.ciphertext)


@dataclass(frozen=True)
class KeyShare:
    """A share unwrapped by its official, to be handed in after the decryption time."""

    official: str
    index: int
    share: shamir.Share

    def to_json(self) -> dict[str, Any]:
        return {
            "v": KEY_SHARE_VERSION,
            "official": self.official,
            "index": self.index,
            "share": self.share.to_hex(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KeyShare:
        """Parse :meth:`to_json` output; errors name the field."""
        _canonical(data, "key share", MAX_SEALED_BID_BYTES)
        _exact_keys(data, "key share", _KEY_SHARE_KEYS)
        _expect(data, "v", KEY_SHARE_VERSION)
        index = _int_field(data, "index", 1, shamir.MAX_SHARES)
        try:
            share = shamir.Share.from_hex(data["share"])
        except InvalidInput as exc:
            raise InvalidInput(f"share: {exc}") from exc
        if share.index != index:
            raise InvalidInput(f"share: encodes index {share.index}, expected {index}")
        return cls(official=_str_field(data, "official"), index=index, share=share)


def _wrapped_from_json(item: Any, number: int) -> WrappedShare:
    where = f"shares[{number - 1}]"
    _exact_keys(item, where, _WRAPPED_KEYS)
    index = _int_field(item, "index", number, number, where)
    wrapped = _b64_field(item, "wrapped", where=where)
    if len(wrapped) <= SEALED_BOX_OVERHEAD:
        raise InvalidInput(f"{where}.wrapped: {len(wrapped)} bytes is too short for a sealed box")
    return WrappedShare(
        official=_str_field(item, "official", where=where),
        index=index,
        wrapped=wrapped,
        commitment=_str_field(item, "commitment", hex64=True, where=where),
    )


def _canonical(data: Any, where: str, max_bytes: int) -> bytes:
    """The canonical bytes of ``data``: no lone surrogate, float or deep nesting, not too big."""
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{where}: must be an object")
    try:
        encoded = canonical_bytes(data)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc}") from None
    if len(encoded) > max_bytes:
        raise InvalidInput(f"{where}: {len(encoded)} bytes is more than the limit of {max_bytes}")
    return encoded


def _exact_keys(data: Any, where: str, keys: frozenset[str]) -> None:
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{where}: must be an object")
    if missing := sorted(keys - set(data)):
        raise InvalidInput(f"{where}: missing field {missing[0]}")
    if extra := sorted(set(data) - keys, key=str):
        raise InvalidInput(f"{where}: unknown field {extra[0]}")


def _expect(data: Mapping[str, Any], name: str, value: str) -> None:
    if data[name] != value:
        raise InvalidInput(f"{name}: expected {value!r}, found {data[name]!r}")


def _str_field(data: Mapping[str, Any], name: str, hex64: bool = False, where: str = "") -> str:
    value, label = data[name], f"{where}.{name}" if where else name
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{label}: must be a non-empty string")
    if hex64 and not _HEX64.fullmatch(value):
        raise InvalidInput(f"{label}: must be 64 lower-case hex characters, found {value!r}")
    return value


def _int_field(data: Mapping[str, Any], name: str, low: int, high: int, where: str = "") -> int:
    value, label = data[name], f"{where}.{name}" if where else name
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        allowed = str(low) if low == high else f"an integer in {low}..{high}"
        raise InvalidInput(f"{label}: must be {allowed}, found {value!r}")
    return value


def _b64_field(data: Mapping[str, Any], name: str, size: int = 0, where: str = "") -> bytes:
    value, label = data[name], f"{where}.{name}" if where else name
    try:  # strict: only the alphabet and well-placed padding (then compared, written back)
        raw = binascii.a2b_base64(value, strict_mode=True) if isinstance(value, str) else None
    except binascii.Error:
        raw = None
    if raw is None or _b64(raw) != value:
        raise InvalidInput(f"{label}: must be standard padded base64")
    if size and len(raw) != size:
        raise InvalidInput(f"{label}: must decode to {size} bytes, found {len(raw)}")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
