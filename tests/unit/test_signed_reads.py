"""The signed-read format of docs/http.md, pinned: the exact bytes signed and the headers."""

from __future__ import annotations

import base64
from datetime import datetime

import nacl.signing
import pytest

from commands.http.signed_reads import SignedRead, sign_read
from ledger.clock import BEIJING
from ledger.crypto.signing import Signer
from ledger.errors import NotAuthenticated

SEED = bytes(range(32))
TIME = datetime(2021, 1, 15, 9, 20, tzinfo=BEIJING)


def _read() -> SignedRead:
    return sign_read(
        Signer.from_seed(SEED),
        actor="wuhan-qinxiongdi",
        role="bidder",
        method="get",
        target="/tenders/XFZFCG-2020-33/bidder?at=2021-01-15T09%3A20%3A00%2B08%3A00",
        time=TIME,
        nonce="0123456789abcdef",
    )


def test_the_signed_bytes_are_the_domain_and_the_canonical_json_of_the_request() -> None:
    read = _read()
    assert read.signed_bytes() == (
        b"bidledger/read/v1\n"
        b'{"actor":"wuhan-qinxiongdi","key_id":"' + read.key_id.encode() + b'",'
        b'"method":"GET","nonce":"0123456789abcdef","role":"bidder",'
        b'"target":"/tenders/XFZFCG-2020-33/bidder?at=2021-01-15T09%3A20%3A00%2B08%3A00",'
        b'"time":"2021-01-15T09:20:00+08:00","v":1}'
    )
    verify = nacl.signing.SigningKey(SEED).verify_key
    verify.verify(read.signed_bytes(), base64.b64decode(read.signature))


def test_the_headers_carry_every_field_and_read_back_as_the_same_request() -> None:
    read = _read()
    headers = read.headers()
    assert sorted(headers) == sorted(
        f"Bidledger-{name}" for name in ("Actor", "Role", "Key", "Time", "Nonce", "Signature")
    )
    assert SignedRead.from_headers("GET", read.target, headers) == read
    del headers["Bidledger-Nonce"]
    with pytest.raises(NotAuthenticated, match="header Bidledger-Nonce missing"):
        SignedRead.from_headers("GET", read.target, headers)
