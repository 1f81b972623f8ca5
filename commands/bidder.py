"""What a bidder runs on its own machine: seal a bid document for a tender's officials.

The document is padded to its size class before encryption (V2), so the ciphertext the
ledger stores says nothing about the price; each key share is sealed to the X25519 key the
notice gives for its official: a share sealed to another key cannot be opened, and if too
few can, the bid is returned at the opening as not decrypted, by its bidder's fault (C6).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ledger.crypto import aead
from ledger.crypto.sealing import OpeningOfficial, seal_bid
from ledger.errors import InvalidInput
from ledger.files import check_output, read_json, write_file
from ledger.limits import MAX_BID_DOCUMENT_BYTES
from ledger.procedure.bid_document import encode_bid_document
from ledger.procedure.state import tender_stream

_KEY_HEX = re.compile(r"[0-9a-fA-F]{64}")


def seal_for_tender(
    document: Mapping[str, Any],
    *,
    tender_code: str,
    lot: str,
    bidder: str,
    officials: Sequence[tuple[str, str]],
    threshold: int,
) -> dict[str, Any]:
    """Pad and encrypt ``document`` bound to tender, lot and bidder; split its key.

    ``officials`` are (party, X25519 public key hex) pairs exactly as named in the tender
    notice: each share is sealed to that key.
    """
    sealed = seal_bid(
        encode_bid_document(document),
        tender=str(tender_stream(tender_code)),
        lot=lot,
        bidder=bidder,
        officials=[OpeningOfficial(party, _key_bytes(party, key)) for party, key in officials],
        threshold=threshold,
    )
    return sealed.to_json()


def run_seal(options: argparse.Namespace) -> int:
    """``bidledger seal``: read the document strictly, seal it, write all of it or nothing."""
    if options.output != "-":
        check_output(options.output, "the sealed bid")
    document = read_json(options.document, "bid document", MAX_BID_DOCUMENT_BYTES)
    if not isinstance(document, Mapping):
        raise InvalidInput(f"bid document {options.document} must be a JSON object")
    officials = [official_option(text) for text in options.official]
    sealed = seal_for_tender(
        document,
        tender_code=options.tender,
        lot=options.lot,
        bidder=options.bidder,
        officials=officials,
        threshold=options.threshold,
    )
    text = json.dumps(sealed, ensure_ascii=False, indent=2)
    if options.output == "-":
        print(text)
        return 0
    write_file(options.output, (text + "\n").encode("utf-8"), "the sealed bid")
    padded = len(base64.b64decode(sealed["ciphertext"])) - aead.TAG_SIZE
    print(
        f"sealed bid written to {options.output} (document padded to the {padded}-byte size "
        f"class; ciphertext sha256 {sealed['ciphertext_sha256']})"
    )
    return 0


def official_option(text: str) -> tuple[str, str]:
    """``PARTY=X25519 public key hex`` as given with ``--official``."""
    party, _, key = text.partition("=")
    if not party or not _KEY_HEX.fullmatch(key):
        raise InvalidInput(
            f"--official must be PARTY=X25519_PUBLIC_KEY_HEX (64 hex digits), got {text[:100]!r}"
        )
    return party, key.lower()


def _key_bytes(party: str, key: str) -> bytes:
    if not _KEY_HEX.fullmatch(key):
        raise InvalidInput(f"official {party!r}: the key must be 64 hex digits")
    return bytes.fromhex(key)
