"""Shares an official cannot open (C6): pure functions, no database."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

import pytest
from nacl.public import PrivateKey

from ledger.clock import BEIJING
from ledger.crypto.key_shares import Unopenable, disclosure_evidence, open_or_declare
from ledger.crypto.sealing import KeyShare, OpeningOfficial, SealedBid, seal_bid, share_plaintext
from ledger.errors import InvalidInput, RuleViolation
from ledger.procedure.state import Bid, TenderState
from ledger.procedure.tender.unopenable import (
    UnopenableShare,
    check_declaration,
    read_declarations,
    set_aside,
    shares_for,
)
from ledger.rules.catalogue import UNOPENABLE_SHARE
from tests.support.faulty_bids import sealed_to_wrong_keys, with_share_plaintext

KEYS = {f"official-{n}": PrivateKey(bytes([n]) * 32) for n in (1, 2, 3)}
OFFICIALS = [OpeningOfficial(party, bytes(key.public_key)) for party, key in KEYS.items()]
CONTEXT: dict[str, Any] = {"tender": "T", "lot": "1", "bidder": "bidder-a"}


def _sealed() -> SealedBid:
    return seal_bid(b"document", **CONTEXT, officials=OFFICIALS, threshold=2)


def _wrong_index(sealed: SealedBid) -> SealedBid:
    """official-1's box holds a share plaintext for index 2, and the bidder commits to it."""
    plaintext = share_plaintext(
        **CONTEXT, official="official-1", index=2, share_hex="0002" + "00" * 66
    )
    return with_share_plaintext(sealed, "official-1", KEYS["official-1"].public_key, plaintext)


def _bid(sealed: SealedBid) -> Bid:
    moment = datetime(2021, 1, 14, 10, tzinfo=BEIJING)
    return Bid("bidder-a", "1", sealed.to_json(), sealed.digest(), moment, "0" * 64)


def _digest(sealed: SealedBid, official: str) -> str:
    entry = next(e for e in sealed.shares if e.official == official)
    return hashlib.sha256(entry.wrapped).hexdigest()


def test_an_official_opens_a_good_share_and_declares_one_sealed_to_another_key() -> None:
    sealed = sealed_to_wrong_keys(
        b"document", **CONTEXT, officials=OFFICIALS, wrong={"official-2"}, threshold=2
    )
    good = open_or_declare(sealed, official="official-1", private_key=KEYS["official-1"])
    assert isinstance(good, KeyShare)
    bad = open_or_declare(sealed, official="official-2", private_key=KEYS["official-2"])
    assert bad == Unopenable(
        "does-not-unwrap",
        _digest(sealed, "official-2"),
        None,
        "the sealed box does not open under this official's key",
    )


def test_a_box_that_opens_to_something_else_is_declared_with_what_it_held() -> None:
    sealed = _wrong_index(_sealed())
    bad = open_or_declare(sealed, official="official-1", private_key=KEYS["official-1"])
    assert isinstance(bad, Unopenable)
    assert (bad.failure, bad.wrapped_sha256) == (
        "not-this-bids-share",
        _digest(sealed, "official-1"),
    )
    assert bad.disclosed is not None
    assert b'"index":2' in bad.disclosed
    assert "share index: expected 1, found 2" in bad.reason


def test_a_disclosure_is_proof_only_when_it_is_what_the_bidder_committed_to() -> None:
    sealed = _wrong_index(_sealed())
    bad = open_or_declare(sealed, official="official-1", private_key=KEYS["official-1"])
    assert isinstance(bad, Unopenable)
    assert disclosure_evidence(sealed, "official-1", bad.disclosed) == "proven"
    assert disclosure_evidence(sealed, "official-1", None) == "declared"
    assert disclosure_evidence(sealed, "official-1", b"anything else") == "declared"


def test_disclosing_a_good_share_as_committed_is_refused() -> None:
    sealed = _sealed()
    box = open_or_declare(sealed, official="official-3", private_key=KEYS["official-3"])
    assert isinstance(box, KeyShare)
    plaintext = share_plaintext(
        **CONTEXT, official="official-3", index=3, share_hex=box.share.to_hex()
    )
    with pytest.raises(RuleViolation, match="it opens, so it is handed in") as caught:
        disclosure_evidence(sealed, "official-3", plaintext)
    assert caught.value.rule is UNOPENABLE_SHARE


def test_a_declaration_is_checked_against_the_sealed_box_it_names() -> None:
    sealed = _wrong_index(_sealed())
    bid = _bid(sealed)
    digest = _digest(sealed, "official-1")
    disclosed = open_or_declare(sealed, official="official-1", private_key=KEYS["official-1"])
    assert isinstance(disclosed, Unopenable)
    assert disclosed.disclosed is not None
    text = base64.b64encode(disclosed.disclosed).decode()
    facts = check_declaration(
        bid, UnopenableShare("1", "bidder-a", digest, "not-this-bids-share", text), "official-1"
    )
    assert facts == {
        "lot": "1",
        "bidder": "bidder-a",
        "failure": "not-this-bids-share",
        "evidence": "proven",
    }
    with pytest.raises(RuleViolation, match="the share sealed to it has " + digest):
        check_declaration(
            bid, UnopenableShare("1", "bidder-a", "0" * 64, "does-not-unwrap"), "official-1"
        )
    with pytest.raises(InvalidInput, match="nothing to disclose"):
        check_declaration(
            bid, UnopenableShare("1", "bidder-a", digest, "does-not-unwrap", text), "official-1"
        )
    with pytest.raises(InvalidInput, match="standard padded base64"):
        check_declaration(
            bid,
            UnopenableShare("1", "bidder-a", digest, "not-this-bids-share", "AAA"),
            "official-1",
        )


def test_one_declaration_per_bid() -> None:
    one = UnopenableShare("1", "bidder-a", "0" * 64, "does-not-unwrap")
    assert read_declarations((one,)) == {("1", "bidder-a"): one}
    with pytest.raises(InvalidInput, match="lot 1 bidder bidder-a appears twice"):
        read_declarations((one, one))


def _tender_with_shares(sealed: SealedBid, holding: tuple[str, ...]) -> TenderState:
    tender = TenderState("00000000-0000-0000-0000-000000000001")
    tender.threshold = 2
    for official, key in KEYS.items():
        share = open_or_declare(sealed, official=official, private_key=key)
        assert isinstance(share, KeyShare)
        given = {"1": {"bidder-a": share.to_json()}} if official in holding else {}
        tender.key_shares[official] = given
    return tender


def test_a_bid_with_too_few_shares_handed_in_is_set_aside_naming_who_declared() -> None:
    sealed = _sealed()
    bid = _bid(sealed)
    assert set_aside(_tender_with_shares(sealed, ("official-1", "official-3")), bid) is None
    short = _tender_with_shares(sealed, ("official-2",))
    assert [k.official for k in shares_for(short, bid)] == ["official-2"]
    assert set_aside(short, bid) == {
        "rule": "UNOPENABLE_BID_RETURNED",
        "detail": "1 share(s) handed in (official-2), 2 needed; "
        "declared unopenable by official-1, official-3",
    }
