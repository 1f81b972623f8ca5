"""The audit bundle's constants, strict JSON and canonical encoding (docs/bundle-format.md).

Standard library only (and the ledger's own standard-library modules: strict JSON is
:func:`ledger.canonical.loads_strict`, the same reader as every other input), so that a
bundle can be read and checked with nothing beyond a crypto library. :func:`canonical_json`
is RFC 8785 (JCS) for the values the ledger signs (strings, integers of at most 2**53 - 1 in
size, booleans, null, arrays and objects; the ledger never signs a float). It is written here
rather than imported from ``rfc8785`` so that the verifier needs no third-party JSON library;
tests check it against ``rfc8785``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ledger import canonical
from ledger.errors import InvalidInput
from ledger.limits import MAX_BUNDLE_BYTES

FORMAT = "bidledger/bundle/v2"
EVENT_DOMAIN = b"bidledger/event/v1\n"
COMMAND_DOMAIN = b"bidledger/command/v1\n"
GENESIS_HASH = "0" * 64
MAX_SAFE_INTEGER = 2**53 - 1
REGISTRY_STREAM = str(uuid.uuid5(uuid.NAMESPACE_URL, "bidledger:registry"))
POOLS_STREAM = str(uuid.uuid5(uuid.NAMESPACE_URL, "bidledger:expert-pools"))

RECORD_FIELDS = frozenset(
    {"stream", "version", "type", "class_version", "time", "command", "facts", "prev_hash"}
)
COMMAND_FIELDS = frozenset(
    {"v", "command", "command_id", "stream", "actor", "role", "key_id", "args", "signature"}
)
_HEX = re.compile(r"[0-9a-f]*")


class BundleFormatError(ValueError):
    """A field of the bundle is missing, mistyped or badly encoded; ``where`` names it."""

    def __init__(self, where: str, detail: str) -> None:
        self.where = where
        self.detail = detail
        super().__init__(f"{where}: {detail}")


def tender_stream(code: str) -> str:
    """The tender's stream id: UUIDv5 (URL namespace) of ``bidledger:tender:<code>``."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bidledger:tender:{code}"))


def attempts_stream(tender: str) -> str:
    """The tender's attempts stream id: UUIDv5 of ``bidledger:attempts:<tender stream>``."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bidledger:attempts:{tender}"))


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of a JSON value without floats."""
    return _canonical(value, "$").encode("utf-8")


def _canonical(value: Any, path: str) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise BundleFormatError(path, f"integer {value} is outside ±(2**53 - 1)")
        return str(value)
    if isinstance(value, str):
        _check_unicode(value, path)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        items = (_canonical(item, f"{path}[{n}]") for n, item in enumerate(value))
        return "[" + ",".join(items) + "]"
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise BundleFormatError(path, "object keys must be strings")
        keys = sorted(value, key=lambda key: key.encode("utf-16-be", "surrogatepass"))
        members = (f"{_canonical(k, path)}:{_canonical(value[k], f'{path}.{k}')}" for k in keys)
        return "{" + ",".join(members) + "}"
    raise BundleFormatError(path, f"{type(value).__name__} has no canonical JSON form")


def _check_unicode(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BundleFormatError(path, "string holds a lone surrogate") from None


def loads_strict(data: bytes | str, where: str, *, max_bytes: int = MAX_BUNDLE_BYTES) -> Any:
    """JSON read as the ledger reads every text from outside (:func:`ledger.canonical.loads_strict`:
    no duplicate keys, floats, NaN, lone surrogates, integers beyond 2**53 - 1, invalid UTF-8,
    nesting deeper than ``MAX_DEPTH``), at most ``max_bytes`` long."""
    try:
        return canonical.loads_strict(data, where, max_bytes=max_bytes)
    except InvalidInput as exc:
        raise BundleFormatError(where, str(exc).removeprefix(f"{where}: ")) from None


def b64(raw: bytes) -> str:
    """Standard base64 with padding (RFC 4648 §4)."""
    return base64.b64encode(raw).decode("ascii")


def decode_b64(value: Any, where: str) -> bytes:
    """Canonical standard padded base64 (re-encoding gives the same text), or an error."""
    if not isinstance(value, str):
        raise BundleFormatError(where, "must be a base64 string")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise BundleFormatError(where, "is not standard padded base64") from None
    if b64(raw) != value:
        raise BundleFormatError(where, "is not canonical base64")
    return raw


def decode_hex(value: Any, where: str, size: int | None = 32) -> bytes:
    """Lower-case hex of ``size`` bytes (any even length if ``size`` is None)."""
    if not isinstance(value, str) or not _HEX.fullmatch(value) or len(value) % 2:
        raise BundleFormatError(where, f"must be lower-case hex, found {value!r:.80}")
    if size is not None and len(value) != 2 * size:
        raise BundleFormatError(where, f"must be {size} bytes of hex, found {len(value) // 2}")
    return bytes.fromhex(value)


def parse_time(value: Any, where: str) -> datetime:
    """An ISO 8601 time with a UTC offset."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise BundleFormatError(where, f"must be an ISO 8601 time with an offset, found {value!r}")
    return moment


def field(data: Any, name: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``data[name]`` if ``data`` is an object holding it with type ``kind``, else an error."""
    if not isinstance(data, Mapping):
        raise BundleFormatError(where, "must be an object")
    if name not in data:
        raise BundleFormatError(where, f"field {name!r} is missing")
    value = data[name]
    bad_int = kind is int and isinstance(value, bool)
    if not isinstance(value, kind) or bad_int:
        raise BundleFormatError(f"{where}.{name}", f"must be {_kind_name(kind)}")
    if isinstance(value, str) and not value:
        raise BundleFormatError(f"{where}.{name}", "must not be empty")
    return value


def exact_fields(data: Any, names: frozenset[str], where: str) -> Mapping[str, Any]:
    """``data`` as an object with exactly the fields ``names``."""
    if not isinstance(data, Mapping):
        raise BundleFormatError(where, "must be an object")
    if missing := sorted(names - set(data)):
        raise BundleFormatError(where, f"field {missing[0]!r} is missing")
    if extra := sorted(set(data) - names):
        raise BundleFormatError(where, f"unknown field {extra[0]!r}")
    return data


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a non-empty string", int: "an integer", list: "an array", dict: "an object"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)
