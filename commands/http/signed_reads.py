"""Signed reads: how a bidder or a regulator proves who asks, without passwords (docs/http.md).

A read that is not public carries six headers. The signature is Ed25519, by a signing key
the registry holds for the named party and role, over ``bidledger/read/v1\\n`` followed by
the RFC 8785 bytes of ``{"v": 1, "method", "target", "actor", "role", "key_id", "time",
"nonce"}``, where ``target`` is the request target exactly as sent (path and query).
The server accepts a read whose time is within :data:`FRESHNESS` of its own clock and
whose nonce that key has not used within the window; a second use is refused.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ledger.canonical import canonical_bytes
from ledger.clock import format_time, parse_time
from ledger.crypto.signing import (
    Signer,
    decode_signature,
    encode_signature,
    verify_signature,
)
from ledger.errors import InvalidInput, NotAuthenticated, VerificationFailure
from ledger.procedure.registry_state import Party, RegistryState

READ_DOMAIN = b"bidledger/read/v1\n"
FRESHNESS = timedelta(minutes=5)
MAX_NONCES = 100_000
HEADERS = {
    "actor": "Bidledger-Actor",
    "role": "Bidledger-Role",
    "key_id": "Bidledger-Key",
    "time": "Bidledger-Time",
    "nonce": "Bidledger-Nonce",
    "signature": "Bidledger-Signature",
}
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class SignedRead:
    """A read request as its sender signed it."""

    method: str
    target: str
    actor: str
    role: str
    key_id: str
    time: str
    nonce: str
    signature: str = ""

    def body(self) -> dict[str, Any]:
        return {
            "v": 1,
            "method": self.method,
            "target": self.target,
            "actor": self.actor,
            "role": self.role,
            "key_id": self.key_id,
            "time": self.time,
            "nonce": self.nonce,
        }

    def signed_bytes(self) -> bytes:
        return READ_DOMAIN + canonical_bytes(self.body())

    def headers(self) -> dict[str, str]:
        """The six request headers."""
        return {header: getattr(self, name) for name, header in HEADERS.items()}

    @classmethod
    def from_headers(cls, method: str, target: str, headers: Mapping[str, str]) -> SignedRead:
        """The signed read a request carries; NotAuthenticated names a missing header."""
        values = {}
        for name, header in HEADERS.items():
            value = headers.get(header)
            if not value:
                raise NotAuthenticated(f"this read needs a signed request: header {header} missing")
            values[name] = value
        return cls(method=method, target=target, **values)


def sign_read(
    signer: Signer,
    *,
    actor: str,
    role: str,
    method: str,
    target: str,
    time: datetime,
    nonce: str | None = None,
) -> SignedRead:
    """Sign a read of ``target`` at ``time`` with a fresh random nonce unless one is given."""
    unsigned = SignedRead(
        method=method.upper(),
        target=target,
        actor=actor,
        role=role,
        key_id=signer.key_id,
        time=format_time(time),
        nonce=nonce or secrets.token_hex(16),
    )
    signature = encode_signature(signer.sign(unsigned.signed_bytes()))
    return SignedRead(**{**unsigned.__dict__, "signature": signature})


class ReadGate:
    """The server's check of signed reads: fresh time, registered key, signature, new nonce.

    Nonces are remembered in this process only (one server process per ledger), for twice
    the freshness window, up to :data:`MAX_NONCES`.
    """

    def __init__(self, freshness: timedelta = FRESHNESS, capacity: int = MAX_NONCES) -> None:
        self.freshness = freshness
        self.capacity = capacity
        self._seen: OrderedDict[tuple[str, str], datetime] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, read: SignedRead, registry: RegistryState, now: datetime) -> Party:
        """The party that signed ``read``; NotAuthenticated says why not."""
        sent = _time(read.time)
        if abs(now - sent) > self.freshness:
            raise NotAuthenticated(
                f"the read was signed for {read.time}, more than {self.freshness.seconds} s "
                f"from the server's time {format_time(now)}: sign it again with a fresh time"
            )
        if not _NONCE.fullmatch(read.nonce):
            raise NotAuthenticated("the nonce must be 16 to 64 characters of [A-Za-z0-9_-]")
        party = _signer_of(read, registry, now)
        self._remember(read, now)
        return party

    def _remember(self, read: SignedRead, now: datetime) -> None:
        key = (read.key_id, read.nonce)
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now:
                self._seen.popitem(last=False)
            if key in self._seen:
                raise NotAuthenticated(f"nonce {read.nonce} was already used with this key")
            if len(self._seen) >= self.capacity:
                raise NotAuthenticated("too many signed reads within the window; try again later")
            self._seen[key] = now + 2 * self.freshness


def _time(text: str) -> datetime:
    try:
        return parse_time(text)
    except InvalidInput:
        raise NotAuthenticated(f"{HEADERS['time']} {text[:40]!r} is not an ISO 8601 time") from None


def _signer_of(read: SignedRead, registry: RegistryState, now: datetime) -> Party:
    key = registry.keys.get(read.key_id)
    if key is None or key.party != read.actor or key.purpose != "sign":
        raise NotAuthenticated(f"key {read.key_id[:80]} is not a signing key of {read.actor[:64]}")
    party = registry.parties.get(read.actor)
    if party is None or read.role not in key.roles or read.role not in party.roles:
        raise NotAuthenticated(f"{read.actor[:64]} holds no key for the role {read.role[:20]}")
    if not key.valid_at(now):
        raise NotAuthenticated(f"key {read.key_id} is not valid at {format_time(now)}")
    try:
        signature = decode_signature(read.signature, where="signed read")
        verify_signature(key.public_key, read.signed_bytes(), signature, where="signed read")
    except VerificationFailure as failure:
        raise NotAuthenticated(f"the read's signature: {failure.detail}") from None
    return party
