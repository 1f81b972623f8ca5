"""Known answers that pin the signed formats: commands, event hashes and receipts."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from ledger.clock import BEIJING
from ledger.crypto.signing import Signer
from ledger.envelope import SignedCommand, event_hash, sign_command
from ledger.errors import InvalidInput, VerificationFailure
from ledger.receipts import Receipt, issue_receipt, verify_receipt

SIGNER = Signer.from_seed(bytes(range(32)))
KEY_ID = "ed25519:56475aa75463474c0285df5dbf2bcab7"
STREAM = "6f1f2c3e-0000-5000-8000-000000000033"
QXD = "wuhan-qinxiongdi"
AT = datetime(2021, 1, 14, 10, 0, tzinfo=BEIJING)

SIGNED_BYTES = (
    b"bidledger/command/v1\n"
    b'{"actor":"wuhan-qinxiongdi","args":{"lot":"1","note":"\xe9\xa3\x9f\xe5\xa0\x82"},'
    b'"command":"CheckIn","command_id":"cmd-0001",'
    b'"key_id":"ed25519:56475aa75463474c0285df5dbf2bcab7","role":"bidder",'
    b'"stream":"6f1f2c3e-0000-5000-8000-000000000033","v":1}'
)
SIGNATURE = (
    "4THNbosPPafenL43rg7k6moelrn1JcoCvmC+C43d4GpgYzzF2rMCGzg+87bO8xSVS1Zz7pGCvbyaeB94GWz1AQ=="
)
CONTENT_DIGEST = "6515d595f3c1af611f77c6002d4a411e941507c7dd0616afb8f38c72af7188c8"
EVENT_HASH = "5b92e27ba5565e277e25a91cc0a734ab1d871a384302fe48e3731f9a58da9a47"
RECEIPT_SIGNATURE = (
    "s1fq4i1ZPD+lSECkvdbEbYV1hE3ru1i7DTSqmLcxeNpkagS/flYkad9cBKhYFRi6ARYLpudKbwLnB2qsQ4kuBQ=="
)


def _command() -> SignedCommand:
    return sign_command(
        SIGNER,
        command="CheckIn",
        stream=STREAM,
        actor=QXD,
        role="bidder",
        args={"note": "食堂", "lot": "1"},
        command_id="cmd-0001",
    )


def _event_hash(command: SignedCommand, time: datetime = AT, prev: str = "11" * 32) -> str:
    return event_hash(
        stream=STREAM,
        version=2,
        event_type="CheckedIn",
        class_version=1,
        time=time,
        command=command,
        facts={"sealed_digest": "abababab", "count": 3},
        prev_hash=prev,
    )


def _receipt() -> Receipt:
    return issue_receipt(
        SIGNER,
        platform_id="enshi-platform",
        tender=STREAM,
        lot="1",
        bidder=QXD,
        command_id="cmd-0001",
        event_hash="ab" * 32,
        time=AT,
    )


def test_the_fixed_seed_gives_its_public_key_and_key_id() -> None:
    assert SIGNER.public_key.hex() == (
        "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
    )
    assert SIGNER.key_id == KEY_ID


def test_a_signed_command_signs_exactly_these_canonical_bytes() -> None:
    assert _command().signed_bytes() == SIGNED_BYTES


def test_a_signed_command_carries_this_signature() -> None:
    assert _command().signature == SIGNATURE
    _command().verify_with(SIGNER.public_key, where="cmd-0001")


def test_a_signed_command_has_this_content_digest() -> None:
    assert _command().content_digest() == CONTENT_DIGEST


def test_a_command_with_an_edited_argument_no_longer_verifies() -> None:
    edited = dataclasses.replace(_command(), args={"note": "食堂", "lot": "2"})
    assert edited.content_digest() != CONTENT_DIGEST
    with pytest.raises(VerificationFailure, match=r"^cmd-0001: signature does not verify"):
        edited.verify_with(SIGNER.public_key, where="cmd-0001")


def test_a_signed_command_round_trips_through_json() -> None:
    data = _command().to_json()
    assert data["signature"] == SIGNATURE
    assert SignedCommand.from_json(data) == _command()


@pytest.mark.parametrize(
    "field", ["command", "command_id", "stream", "actor", "role", "key_id", "signature"]
)
def test_a_signed_command_missing_a_field_names_it(field: str) -> None:
    data = _command().to_json()
    del data[field]
    with pytest.raises(InvalidInput) as caught:
        SignedCommand.from_json(data)
    assert str(caught.value) == f"signed command: field {field!r} must be a non-empty string"


def test_a_signed_command_with_args_that_are_not_an_object_is_refused() -> None:
    data = {**_command().to_json(), "args": ["lot", "1"]}
    with pytest.raises(InvalidInput, match=r"^signed command: field 'args' must be an object$"):
        SignedCommand.from_json(data)


def test_a_signed_command_of_another_version_is_refused() -> None:
    data = {**_command().to_json(), "v": 2}
    with pytest.raises(InvalidInput, match=r"^signed command: unsupported version 2$"):
        SignedCommand.from_json(data)


def test_a_command_with_a_float_argument_is_not_signed() -> None:
    with pytest.raises(InvalidInput, match=r"^\$\.args\.price: floats are not allowed"):
        sign_command(
            SIGNER,
            command="SubmitBid",
            stream=STREAM,
            actor=QXD,
            role="bidder",
            args={"price": 334860.0},
            command_id="cmd-0002",
        )


def test_an_event_hash_of_fixed_inputs_is_pinned() -> None:
    assert _event_hash(_command()) == EVENT_HASH


def test_an_event_hash_is_the_same_for_the_same_instant_in_another_zone() -> None:
    assert _event_hash(_command(), time=datetime(2021, 1, 14, 2, 0, tzinfo=UTC)) == EVENT_HASH


def test_an_event_hash_commits_to_the_previous_hash() -> None:
    assert _event_hash(_command(), prev="12" * 32) != EVENT_HASH


def test_a_receipt_signed_with_a_fixed_key_carries_this_signature() -> None:
    receipt = _receipt()
    assert receipt.signature == RECEIPT_SIGNATURE
    assert receipt.time == "2021-01-14T10:00:00+08:00"
    assert receipt.key_id == KEY_ID
    verify_receipt(receipt, SIGNER.public_key)


@pytest.mark.parametrize(
    "change",
    [{"event_hash": "ac" * 32}, {"time": "2021-01-14T09:59:00+08:00"}, {"bidder": "demo-a"}],
)
def test_a_tampered_receipt_fails_verification(change: dict[str, object]) -> None:
    tampered = dataclasses.replace(_receipt(), **change)  # type: ignore[arg-type]
    bidder = tampered.bidder
    with pytest.raises(VerificationFailure) as caught:
        verify_receipt(tampered, SIGNER.public_key)
    assert str(caught.value) == (
        f"receipt for {bidder} lot 1: signature does not verify under the registered key"
    )


def test_a_receipt_verified_under_another_key_fails() -> None:
    with pytest.raises(VerificationFailure, match=r"signature does not verify"):
        verify_receipt(_receipt(), Signer.from_seed(bytes(32)).public_key)


def test_a_receipt_round_trips_through_json_and_names_a_missing_field() -> None:
    data = _receipt().to_json()
    assert Receipt.from_json(data) == _receipt()
    del data["event_hash"]
    with pytest.raises(InvalidInput, match=r"^receipt: field 'event_hash' must be a string$"):
        Receipt.from_json(data)


def test_a_receipt_tells_no_log_position_and_no_stream_version() -> None:
    """V2: before the deadline a position or version would count the bids."""
    body = _receipt().body()
    assert set(body) == {
        "v",
        "tender",
        "lot",
        "bidder",
        "command_id",
        "event_hash",
        "time",
        "platform",
        "key_id",
    }
    with pytest.raises(InvalidInput, match="unknown field 'log_index'"):
        Receipt.from_json({**_receipt().to_json(), "log_index": 7})
