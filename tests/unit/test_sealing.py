"""Sealed bids: threshold opening (C1), binding to tender/lot/bidder (C2), commitments (C5)."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import json
from typing import Any

import pytest
from nacl.public import PrivateKey, SealedBox

from ledger.canonical import canonical_bytes
from ledger.crypto import aead, shamir
from ledger.crypto.sealing import (
    KeyShare,
    OpeningOfficial,
    SealedBid,
    WrappedShare,
    bid_aad,
    check_binding,
    data_key_commitment,
    open_share,
    reveal,
    seal_bid,
    share_commitment,
    share_plaintext,
)
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure
from ledger.rules.catalogue import BID_BOUND, SHARE_MATCHES_COMMITMENT

TENDER, LOT, BIDDER = "XFZFCG-2020-33", "1", "bidder-a"
DOCUMENT = "投标报价：1,234,567.00 元".encode()
KEYS = {f"official-{n}": PrivateKey(bytes([n]) * 32) for n in (1, 2, 3)}
BIDDER_KEY = PrivateKey(b"\xb1" * 32)
PLATFORM_KEY = PrivateKey(b"\xf0" * 32)


def _binding(sealed: SealedBid) -> dict[str, str]:
    return {"tender": sealed.tender, "lot": sealed.lot, "bidder": sealed.bidder}


def _decrypt_with(sealed: SealedBid, shares: list[KeyShare]) -> bytes:
    """Skip every check of reveal(): interpolate whatever shares there are and decrypt."""
    data_key = shamir.combine([k.share for k in shares])
    return aead.decrypt(data_key, sealed.nonce, sealed.ciphertext, bid_aad(**_binding(sealed)))


def _officials() -> list[OpeningOfficial]:
    return [OpeningOfficial(party, bytes(key.public_key)) for party, key in KEYS.items()]


@pytest.fixture(scope="module")
def sealed() -> SealedBid:
    return seal_bid(
        DOCUMENT, tender=TENDER, lot=LOT, bidder=BIDDER, officials=_officials(), threshold=2
    )


@pytest.fixture(scope="module")
def key_shares(sealed: SealedBid) -> dict[str, KeyShare]:
    return {party: open_share(sealed, official=party, private_key=k) for party, k in KEYS.items()}


def test_a_bid_sealed_for_three_officials_opens_with_any_two_of_their_shares(
    sealed: SealedBid, key_shares: dict[str, KeyShare]
) -> None:
    assert DOCUMENT not in sealed.ciphertext
    for pair in itertools.permutations(key_shares.values(), 2):
        assert reveal(sealed, pair) == DOCUMENT
    assert reveal(sealed, list(key_shares.values())) == DOCUMENT


def test_no_single_key_can_open_a_sealed_bid(
    sealed: SealedBid, key_shares: dict[str, KeyShare]
) -> None:
    for party, key_share in key_shares.items():
        with pytest.raises(InvalidInput, match="1 shares given; 2 are needed"):
            reveal(sealed, [key_share])
        with pytest.raises(VerificationFailure):  # the lone share does not give the data key
            _decrypt_with(sealed, [key_share])
        for other in KEYS.keys() - {party}:
            with pytest.raises(VerificationFailure, match="does not unwrap the share"):
                open_share(sealed, official=other, private_key=KEYS[party])
    for outsider in (BIDDER_KEY, PLATFORM_KEY):
        for party in KEYS:
            with pytest.raises(VerificationFailure, match="does not unwrap the share"):
                open_share(sealed, official=party, private_key=outsider)


@pytest.mark.parametrize("threshold", [0, 1, 4])
def test_a_threshold_below_two_or_above_the_officials_is_refused(threshold: int) -> None:
    message = f"need 2 <= threshold <= 3 officials, found {threshold}"
    with pytest.raises(InvalidInput, match=message):
        seal_bid(
            DOCUMENT,
            tender=TENDER,
            lot=LOT,
            bidder=BIDDER,
            officials=_officials(),
            threshold=threshold,
        )


def test_sealing_refuses_repeated_officials_and_short_keys() -> None:
    twice = [*_officials(), _officials()[0]]
    with pytest.raises(InvalidInput, match="parties must be distinct"):
        seal_bid(DOCUMENT, tender=TENDER, lot=LOT, bidder=BIDDER, officials=twice, threshold=2)
    short = [*_officials()[:2], OpeningOfficial("official-9", b"\x09" * 31)]
    with pytest.raises(InvalidInput, match="'official-9' key must be 32 bytes, found 31"):
        seal_bid(DOCUMENT, tender=TENDER, lot=LOT, bidder=BIDDER, officials=short, threshold=2)


@pytest.mark.parametrize(
    ("field", "elsewhere"),
    [("tender", "XFZFCG-2020-34"), ("lot", "2"), ("bidder", "bidder-b")],
)
def test_a_bid_copied_to_another_tender_lot_or_bidder_does_not_open(
    sealed: SealedBid, key_shares: dict[str, KeyShare], field: str, elsewhere: str
) -> None:
    changes: dict[str, Any] = {field: elsewhere}
    copied = dataclasses.replace(sealed, **changes)
    original = getattr(sealed, field)
    with pytest.raises(RuleViolation, match=f"names {field} '{elsewhere}'") as caught:
        check_binding(copied, **_binding(sealed))
    assert caught.value.rule is BID_BOUND
    expected = f"share {field}: expected '{elsewhere}', found '{original}'"
    with pytest.raises(VerificationFailure, match=expected):
        open_share(copied, official="official-1", private_key=KEYS["official-1"])
    with pytest.raises(RuleViolation) as refused:
        reveal(copied, list(key_shares.values()))
    assert refused.value.rule is SHARE_MATCHES_COMMITMENT
    data_key = shamir.combine([k.share for k in key_shares.values()])
    assert aead.decrypt(data_key, sealed.nonce, sealed.ciphertext, bid_aad(**_binding(sealed)))
    with pytest.raises(VerificationFailure, match="authentication tag does not match"):
        aead.decrypt(data_key, sealed.nonce, sealed.ciphertext, bid_aad(**_binding(copied)))


def test_a_share_moved_to_another_index_does_not_open(sealed: SealedBid) -> None:
    first, *rest = sealed.shares
    moved = dataclasses.replace(sealed, shares=(dataclasses.replace(first, index=3), *rest))
    with pytest.raises(VerificationFailure, match="share index: expected 3, found 1"):
        open_share(moved, official="official-1", private_key=KEYS["official-1"])


_GOOD_SHARE = {
    "v": "bidledger/share/v1",
    "tender": TENDER,
    "lot": LOT,
    "bidder": BIDDER,
    "official": "official-1",
    "index": 1,
    "share": "0001" + "00" * 66,
}


@pytest.mark.parametrize(
    ("plaintext", "message"),
    [
        (b"not json", "the unwrapped share is malformed"),
        (json.dumps(_GOOD_SHARE).encode(), "is not a canonical bidledger/share/v1"),
        (canonical_bytes({**_GOOD_SHARE, "v": "x/v0"}), "is not a canonical bidledger/share/v1"),
        (canonical_bytes({**_GOOD_SHARE, "extra": 1}), "is not a canonical bidledger/share/v1"),
        (json.dumps({**_GOOD_SHARE, "index": 1.0}).encode(), "malformed: .*non-integer number 1.0"),
        (canonical_bytes({**_GOOD_SHARE, "share": "zz"}), "malformed: a share is 136"),
        (canonical_bytes({**_GOOD_SHARE, "index": True}), "share index: expected 1, found True"),
        (canonical_bytes({**_GOOD_SHARE, "share": "0002" + "00" * 66}), "encodes index 2, not 1"),
    ],
)
def test_an_unwrapped_share_that_is_not_a_canonical_share_is_refused(
    sealed: SealedBid, plaintext: bytes, message: str
) -> None:
    first, *rest = sealed.shares
    rewrapped = SealedBox(KEYS["official-1"].public_key).encrypt(plaintext)
    bad = dataclasses.replace(sealed, shares=(dataclasses.replace(first, wrapped=rewrapped), *rest))
    with pytest.raises(VerificationFailure, match=message):
        open_share(bad, official="official-1", private_key=KEYS["official-1"])


def test_an_official_refuses_a_share_that_does_not_match_the_bidders_commitment(
    sealed: SealedBid,
) -> None:
    first, *rest = sealed.shares
    recommitted = dataclasses.replace(first, commitment="0" * 64)
    bad = dataclasses.replace(sealed, shares=(recommitted, *rest))
    message = "the share 'bidder-a' sealed to 'official-1' does not match its own commitment"
    with pytest.raises(RuleViolation, match=message) as caught:
        open_share(bad, official="official-1", private_key=KEYS["official-1"])
    assert caught.value.rule is SHARE_MATCHES_COMMITMENT


def test_a_forged_share_is_refused_naming_the_official(
    sealed: SealedBid, key_shares: dict[str, KeyShare]
) -> None:
    honest = key_shares["official-2"]
    forged = dataclasses.replace(
        honest, share=shamir.Share(honest.index, (honest.share.value + 1) % shamir.PRIME)
    )
    with pytest.raises(RuleViolation, match="the share from 'official-2' does not match") as caught:
        reveal(sealed, [key_shares["official-1"], forged])
    assert caught.value.rule is SHARE_MATCHES_COMMITMENT
    assert sealed.shares[1].commitment in str(caught.value)


def test_a_share_from_someone_holding_none_is_refused(
    sealed: SealedBid, key_shares: dict[str, KeyShare]
) -> None:
    stranger = dataclasses.replace(key_shares["official-3"], official="official-9")
    with pytest.raises(RuleViolation, match="'official-9' holds no share of this bid"):
        reveal(sealed, [key_shares["official-1"], stranger])
    with pytest.raises(InvalidInput, match="'official-9' holds no share of this sealed bid"):
        open_share(sealed, official="official-9", private_key=PLATFORM_KEY)


def test_one_official_handing_in_twice_is_refused(
    sealed: SealedBid, key_shares: dict[str, KeyShare]
) -> None:
    with pytest.raises(InvalidInput, match="'official-1' handed in more than one share"):
        reveal(sealed, [key_shares["official-1"], key_shares["official-1"]])


def test_an_altered_ciphertext_does_not_open(
    sealed: SealedBid, key_shares: dict[str, KeyShare]
) -> None:
    altered = dataclasses.replace(sealed, ciphertext=b"\x00" + sealed.ciphertext[1:])
    with pytest.raises(VerificationFailure, match="does not open with the rebuilt key") as caught:
        reveal(altered, list(key_shares.values()))
    assert caught.value.position == f"sealed bid {TENDER}/{LOT}/{BIDDER}"


def test_a_sealed_bid_survives_a_json_round_trip(sealed: SealedBid) -> None:
    data = json.loads(json.dumps(sealed.to_json()))
    assert SealedBid.from_json(data) == sealed
    assert data["v"] == "bidledger/sealed-bid/v2"
    assert data["ciphertext_sha256"] == hashlib.sha256(sealed.ciphertext).hexdigest()
    assert data["key_commitment"] == sealed.key_commitment
    assert sealed.digest() == hashlib.sha256(canonical_bytes(data)).hexdigest()


def _set(path: str, value: Any) -> Any:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return mutate


_DELETE = object()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_set("v", "bidledger/sealed-bid/v1"), "v: expected 'bidledger/sealed-bid/v2'"),
        (_set("nonce", "AAAA"), "nonce: must decode to 24 bytes, found 3"),
        (_set("nonce", "not base64!"), "nonce: must be standard padded base64"),
        (_set("ciphertext_sha256", "00" * 32), "ciphertext_sha256: 0000.* is not the digest"),
        (_set("key_commitment", "AB" * 32), "key_commitment: must be 64 lower-case hex"),
        (_set("key_commitment", _DELETE), "sealed bid: missing field key_commitment"),
        (_set("threshold", 1), r"threshold: must be an integer in 2\.\.3, found 1"),
        (_set("threshold", True), r"threshold: must be an integer in 2\.\.3, found True"),
        (_set("tender", ""), "tender: must be a non-empty string"),
        (_set("bidder", _DELETE), "sealed bid: missing field bidder"),
        (_set("price", "1.00"), "sealed bid: unknown field price"),
        (_set("shares.1.index", 1), r"shares\[1\].index: must be 2, found 1"),
        (_set("shares.0.commitment", "AB" * 32), r"shares\[0\].commitment: must be 64 lower-case"),
        (_set("shares.2.wrapped", "AAAA"), r"shares\[2\].wrapped: 3 bytes is too short"),
        (_set("shares.2.official", "official-1"), "shares: an official is named more than once"),
        (_set("shares", []), "shares: must be a list of at least 2 wrapped shares"),
    ],
)
def test_a_malformed_sealed_bid_field_is_named_in_the_error(
    sealed: SealedBid, mutate: Any, message: str
) -> None:
    data = copy.deepcopy(sealed.to_json())
    mutate(data)
    with pytest.raises(InvalidInput, match=message):
        SealedBid.from_json(data)


def test_a_key_share_survives_a_json_round_trip_and_names_a_bad_field(
    key_shares: dict[str, KeyShare],
) -> None:
    data = key_shares["official-2"].to_json()
    assert set(data) == {"v", "official", "index", "share"}
    assert KeyShare.from_json(json.loads(json.dumps(data))) == key_shares["official-2"]
    with pytest.raises(InvalidInput, match="share: encodes index 2, expected 3"):
        KeyShare.from_json({**data, "index": 3})
    with pytest.raises(InvalidInput, match="share: a share is 136 lower-case hex characters"):
        KeyShare.from_json({**data, "share": "00"})


# Known answer: fixed context and share (S + 12, the first share of test_shamir's pinned split)
KAT_SHARE = shamir.Share(1, int.from_bytes(bytes(range(32)), "big") + 12)
KAT_PLAINTEXT = (
    b'{"bidder":"bidder-a","index":1,"lot":"1","official":"official-1","share":"0001'
    + b"00" * 34
    + b'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e2b",'
    b'"tender":"XFZFCG-2020-33","v":"bidledger/share/v1"}'
)
KAT_COMMITMENT = "f266e987f8038eef62af81675a5504a32247ebffa218564ddfa6dda6a5aa0655"


def test_the_share_plaintext_aad_and_commitment_are_pinned_for_fixed_inputs() -> None:
    plaintext = share_plaintext(
        tender=TENDER,
        lot=LOT,
        bidder=BIDDER,
        official="official-1",
        index=1,
        share_hex=KAT_SHARE.to_hex(),
    )
    assert plaintext == KAT_PLAINTEXT
    assert share_commitment(plaintext) == KAT_COMMITMENT
    expected = hashlib.sha256(b"bidledger/share-commitment/v1\n" + KAT_PLAINTEXT).hexdigest()
    assert expected == KAT_COMMITMENT
    assert bid_aad(tender=TENDER, lot=LOT, bidder=BIDDER) == (
        b'{"bidder":"bidder-a","lot":"1","tender":"XFZFCG-2020-33","v":"bidledger/bid/v2"}'
    )


def test_each_wrapped_share_carries_the_commitment_to_its_plaintext(sealed: SealedBid) -> None:
    for entry, (party, key) in zip(sealed.shares, KEYS.items(), strict=True):
        plaintext = share_plaintext(
            **_binding(sealed),
            official=party,
            index=entry.index,
            share_hex=open_share(sealed, official=party, private_key=key).share.to_hex(),
        )
        assert entry.official == party
        assert entry.commitment == share_commitment(plaintext)


def test_a_sealed_bid_commits_to_the_data_key_its_shares_rebuild(
    sealed: SealedBid, key_shares: dict[str, KeyShare]
) -> None:
    for pair in itertools.combinations(key_shares.values(), 2):
        data_key = shamir.combine([k.share for k in pair])
        assert sealed.key_commitment == data_key_commitment(data_key)


KAT_DATA_KEY = bytes(range(32))
KAT_KEY_COMMITMENT = "b9216d0b9205928eff201e8ec693b76d0eb1dbb1b2e8e3f0f5376fc8f633b170"


def test_the_data_key_commitment_is_pinned_for_a_fixed_key() -> None:
    assert data_key_commitment(KAT_DATA_KEY) == KAT_KEY_COMMITMENT
    with pytest.raises(InvalidInput, match="data key: must be 32 bytes, found 31"):
        data_key_commitment(KAT_DATA_KEY[:31])


COMMITTED_KEY, OTHER_KEY = b"\x11" * 32, b"\x22" * 32
OTHER_DOCUMENT = "投标报价：1.00 元".encode()


def _two_faced_bid() -> SealedBid:
    """Shares 1 and 2 rebuild COMMITTED_KEY; shares 1 and 3 rebuild OTHER_KEY, which the
    ciphertext is actually under: each share matches its own commitment, the key does not."""
    first, second, _ = shamir.split(COMMITTED_KEY, threshold=2, count=3, randbelow=lambda _: 5)
    other = int.from_bytes(OTHER_KEY, "big")
    third = shamir.Share(3, (other + 3 * (first.value - other)) % shamir.PRIME)
    nonce = bytes(aead.NONCE_SIZE)
    aad = bid_aad(tender=TENDER, lot=LOT, bidder=BIDDER)
    wrapped = []
    for (party, key), piece in zip(KEYS.items(), (first, second, third), strict=True):
        plaintext = share_plaintext(
            tender=TENDER,
            lot=LOT,
            bidder=BIDDER,
            official=party,
            index=piece.index,
            share_hex=piece.to_hex(),
        )
        box = SealedBox(key.public_key).encrypt(plaintext)
        wrapped.append(WrappedShare(party, piece.index, box, share_commitment(plaintext)))
    return SealedBid(
        TENDER,
        LOT,
        BIDDER,
        nonce,
        aead.encrypt(OTHER_KEY, nonce, OTHER_DOCUMENT, aad),
        2,
        tuple(wrapped),
        key_commitment=data_key_commitment(COMMITTED_KEY),
    )


def test_shares_that_rebuild_a_key_other_than_the_committed_one_are_refused() -> None:
    bad = _two_faced_bid()
    shares = {party: open_share(bad, official=party, private_key=k) for party, k in KEYS.items()}
    one, two, three = shares.values()
    assert _decrypt_with(bad, [one, three]) == OTHER_DOCUMENT  # what the check prevents
    for subset in ([one, three], [three, two]):
        message = r"C5 no 2 of the shares of 'official-\d', 'official-\d' rebuild a data key"
        with pytest.raises(VerificationFailure, match=message) as caught:
            reveal(bad, subset)
        assert caught.value.position == f"sealed bid {TENDER}/{LOT}/{BIDDER}"
        assert f"key_commitment {data_key_commitment(COMMITTED_KEY)}" in str(caught.value)
    for subset in ([one, two], [one, two, three]):  # 1 and 2 rebuild the committed key ...
        with pytest.raises(VerificationFailure, match="does not open with the rebuilt key"):
            reveal(bad, subset)  # ... but it is not the bid's key
