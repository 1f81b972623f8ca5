"""What a bidder runs on its own machine: seal a bid document for a tender's officials.

The document is padded to its size class before encryption (V2), so the ciphertext the
ledger stores says nothing about the price; each key share is sealed to the X25519 key the
notice gives for its official: a share sealed to another key cannot be opened, and if too
few can, the bid is returned at the opening as not decrypted, by its bidder's fault (C6).

Before anything is sealed, :func:`check_bid_document` refuses what would only fail at the
opening: a document naming another lot or bidder, a capital amount (大写) that is no
numeral or that differs from the figures, line totals that are not unit price times
quantity, or lines that do not add up to the total (§26.4 would correct each, and a bidder
refusing the correction loses its bid).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from commands.client import Actor
from ledger.crypto import aead
from ledger.crypto.sealing import OpeningOfficial, seal_bid
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput
from ledger.files import check_output, read_json, write_file
from ledger.limits import MAX_BID_DOCUMENT_BYTES
from ledger.procedure.bid_document import BidDocument, encode_bid_document, parse_bid_document
from ledger.procedure.state import TenderState, stream_of, tender_stream
from ledger.procedure.tender.submission import SubmitBid
from ledger.rules.correction import correct_arithmetic

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


def check_bid_document(document: Mapping[str, Any], *, lot: str, bidder: str) -> BidDocument:
    """The parsed document, if it is the bidder's bid for the lot and its figures agree."""
    parsed = parse_bid_document(encode_bid_document(document))
    for field, given, found in (("lot", lot, parsed.lot), ("bidder", bidder, parsed.bidder)):
        if given != found:
            raise InvalidInput(
                f"the bid document names {field} {found!r}, not {given!r}: it would not open "
                "as this bid (C2); nothing was sealed"
            )
    corrected = correct_arithmetic(parsed.sheet)  # an unreadable capital amount raises here
    if corrected.changed:
        first = corrected.corrections[0]
        raise InvalidInput(
            f"the bid document's figures disagree: {first.subject} is {first.stated}, but "
            f"{first.corrected} by the rule that {first.reason.split(': ', 1)[-1].rstrip('.')}; "
            "correct the document (nothing was sealed)"
        )
    return parsed


def sealed_bid_command(
    document: Mapping[str, Any], tender: TenderState, *, lot: str, bidder: Actor
) -> tuple[SignedCommand, dict[str, Any]]:
    """Check ``document``, seal it for the officials ``tender``'s notice names, and sign the
    ``SubmitBid`` as ``bidder``: the signed command and the sealed bid."""
    check_bid_document(document, lot=lot, bidder=bidder.party)
    officials, threshold = officials_of(tender)
    sealed = seal_for_tender(
        document,
        tender_code=tender.code,
        lot=lot,
        bidder=bidder.party,
        officials=officials,
        threshold=threshold,
    )
    return bidder.sign(SubmitBid(tender.code, lot, sealed)), sealed


def officials_of(tender: TenderState) -> tuple[list[tuple[str, str]], int]:
    """The opening officials' (party, X25519 key hex) and the threshold the notice names."""
    return [(o["party"], o["encryption_key"]) for o in tender.officials], tender.threshold


def run_seal(options: argparse.Namespace) -> int:
    """``bidledger seal``: read the document strictly, check it, seal it, write all or nothing."""
    if options.output != "-":
        check_output(options.output, "the sealed bid")
    document = read_json(options.document, "bid document", MAX_BID_DOCUMENT_BYTES)
    if not isinstance(document, Mapping):
        raise InvalidInput(f"bid document {options.document} must be a JSON object")
    check_bid_document(document, lot=options.lot, bidder=options.bidder)
    officials, threshold = _notice_terms(options)
    sealed = seal_for_tender(
        document,
        tender_code=options.tender,
        lot=options.lot,
        bidder=options.bidder,
        officials=officials,
        threshold=threshold,
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


def _notice_terms(options: argparse.Namespace) -> tuple[list[tuple[str, str]], int]:
    """The officials and threshold given with ``--official``/``--threshold``, or else read
    from the tender's published notice on the ledger (``--db``)."""
    if options.official or options.threshold is not None:
        if not options.official or options.threshold is None:
            raise InvalidInput("give --official (each official) and --threshold together")
        return [official_option(text) for text in options.official], options.threshold
    from commands.cli import database_url, open_existing

    store = open_existing(database_url(options))
    try:
        tender = store.state(TenderState, stream_of(options.tender))
    finally:
        store.close()
    return officials_of(tender)


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
