"""Signed submission receipts (确认回执, T3): proof that a bid was accepted, and when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from ledger.canonical import canonical_bytes
from ledger.clock import format_time
from ledger.crypto.signing import Signer, decode_signature, encode_signature, verify_signature
from ledger.errors import InvalidInput

RECEIPT_DOMAIN = b"bidledger/receipt/v1\n"


@dataclass(frozen=True)
class Receipt:
    """What the platform signs for an accepted submission."""

    tender: str
    lot: str
    bidder: str
    command_id: str
    event_hash: str
    stream_version: int
    log_index: int
    time: str
    platform: str
    key_id: str
    signature: str = ""

    def body(self) -> dict[str, Any]:
        body = asdict(self)
        del body["signature"]
        return {"v": 1, **body}

    def signed_bytes(self) -> bytes:
        return RECEIPT_DOMAIN + canonical_bytes(self.body())

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "signature": self.signature}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Receipt:
        fields: dict[str, Any] = {key: data.get(key) for key in cls.__dataclass_fields__}
        missing = sorted(key for key, value in fields.items() if value is None)
        if missing:
            raise InvalidInput(f"receipt: missing {missing}")
        return cls(**fields)


def issue_receipt(
    platform: Signer,
    *,
    platform_id: str,
    tender: str,
    lot: str,
    bidder: str,
    command_id: str,
    event_hash: str,
    stream_version: int,
    log_index: int,
    time: datetime,
) -> Receipt:
    """Sign a receipt for an accepted bid with the platform's key."""
    unsigned = Receipt(
        tender,
        lot,
        bidder,
        command_id,
        event_hash,
        stream_version,
        log_index,
        format_time(time),
        platform_id,
        platform.key_id,
    )
    signature = encode_signature(platform.sign(unsigned.signed_bytes()))
    return Receipt(**{**asdict(unsigned), "signature": signature})


def verify_receipt(receipt: Receipt, platform_key: bytes) -> None:
    """Raise :class:`VerificationFailure` unless the platform signed this receipt."""
    where = f"receipt for {receipt.bidder} lot {receipt.lot}"
    verify_signature(
        platform_key,
        receipt.signed_bytes(),
        decode_signature(receipt.signature, where=where),
        where=where,
    )
