"""The standalone bundle verifier on small bundles built by hand: every check can fail.

The log here is built without a database: signed commands and event preimages from
``ledger.envelope``, a Merkle tree in memory, checkpoints signed with fixed test keys. One
tender, its registry and another tender's events interleaved (shown only as subtree hashes).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from commands.messages import (
    CheckIn,
    ObtainDocuments,
    RevokeKey,
)
from ledger.bundle import verify_bundle
from ledger.bundle.format import (
    MAX_SAFE_INTEGER,
    REGISTRY_STREAM,
    BundleFormatError,
    canonical_json,
    loads_strict,
)
from ledger.clock import BEIJING
from ledger.crypto.signing import Signer
from ledger.envelope import GENESIS_HASH, event_preimage, sign_command
from ledger.errors import InvalidInput
from ledger.merkle import leaf_hash
from ledger.notes import (
    NoteSigner,
)
from tests.support.handlog import (
    CODE,
    FOREIGN,
    KEYS,
    LOG,
    OTHER,
    WITNESS,
    HandLog,
    failure,
    notice,
    of_type,
    record,
    rewrite,
    tender_log,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def good() -> dict[str, Any]:
    return tender_log().bundle()


def test_a_hand_built_bundle_verifies_and_reports_what_it_covered(good: dict[str, Any]) -> None:
    report = verify_bundle(good)
    assert report.events == {"registry": 16, f"tender {CODE}": 10}
    assert report.omitted_leaves == 3
    assert (report.sealed_bids, report.revealed_bids) == (1, 1)
    assert report.deadline_checkpoint == 0
    assert report.checkpoints[0].cosigned_by == (WITNESS.name,)
    assert report.checkpoints[1].size == 29 == report.tree_size
    assert "UNANCHORED" in report.lines()[0]
    assert "VERIFIED" in report.lines()[1]


def test_an_omitted_subtree_that_is_dropped_leaves_a_hole_named_as_a_deletion(
    good: dict[str, Any],
) -> None:
    bundle = copy.deepcopy(good)
    dropped = bundle["omitted"].pop()
    assert f"leaf {dropped['start']}" in failure(bundle)


def test_an_omitted_subtree_with_another_hash_does_not_rebuild_the_root(
    good: dict[str, Any],
) -> None:
    bundle = copy.deepcopy(good)
    bundle["omitted"][0]["hash"] = "00" * 32
    assert "rebuild root" in failure(bundle)


def test_a_key_back_dated_by_the_authority_itself_is_refused() -> None:
    log = HandLog()
    log.registry(back_dated=True)
    message = failure(tender_log(log).bundle())
    assert "back-dated key" in message
    assert "leaf 2 (registry v3, KeyRegistered)" in message


def test_a_command_signed_by_a_key_revoked_before_it_is_refused() -> None:
    log = HandLog()
    log.registry()
    log.act("agency", "agency", notice(CODE, log.now))
    key_id = KEYS["bidder-a"].key_id
    log.act("authority", "authority", RevokeKey(key_id, "lost"))
    log.forge("bidder-a", "bidder", ObtainDocuments(CODE), "DocumentsObtained")
    log.checkpoint("manual")
    message = failure(log.bundle())
    assert f"key {key_id} was revoked" in message
    assert "DocumentsObtained" in message


def test_an_event_signed_by_an_unregistered_key_is_named_a_forgery() -> None:
    log = HandLog()
    log.registry()
    log.act("agency", "agency", notice(CODE, log.now))
    forger = Signer.from_seed(bytes([99]) * 32)
    log.forge("bidder-a", "bidder", CheckIn(CODE, "1"), "CheckedIn", signer=forger)
    log.checkpoint("manual")
    message = failure(log.bundle())
    assert f"key {forger.key_id} is not a registered signing key of bidder-a" in message
    assert f"leaf {len(log.entries) - 1} (tender {CODE} v2, CheckedIn)" in message


def test_a_bid_logged_after_the_deadline_is_refused_by_the_rules_it_broke() -> None:
    message = failure(tender_log(late_bid=True).bundle())
    assert "BidSubmitted is recorded as accepted, but the rules refuse SubmitBid" in message
    assert "§21.1" in message


def test_the_deadline_checkpoint_without_the_witness_still_verifies_but_shows_no_cosigner() -> None:
    report = verify_bundle(tender_log().bundle(cosign_deadline=False))
    assert report.checkpoints[0].cosigned_by == ()


def test_a_revealed_document_that_is_not_the_sealed_one_fails_c5(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    rewrite(of_type(bundle, "BidsRevealed"), _cheaper)
    message = failure(bundle)
    assert "the facts of BidsRevealed differ from what the rules give (T5)" in message
    assert "facts.bids.1.bidder-a.document.total_figures" in message


def _cheaper(data: dict[str, Any]) -> None:
    data["facts"]["bids"]["1"]["bidder-a"]["document"]["total_figures"] = "90.00"


def test_a_key_share_that_is_not_the_committed_one_fails_c5() -> None:
    message = failure(tender_log(bad_share=True).bundle())
    assert "the rules refuse SubmitKeyShares here: refused by C5" in message
    assert "KeySharesSubmitted" in message


def test_a_checkpoint_signed_by_an_unregistered_log_key_is_refused(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    bundle["log"]["vkey"] = NoteSigner(LOG.name, bytes([77]) * 32).verifier().vkey()
    assert "log.vkey: is not a key registered" in failure(bundle)


def test_a_forged_cosignature_is_refused(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    note = bundle["checkpoints"][0]
    body, _, line = note[:-1].rpartition("\n")
    raw = bytearray(base64.b64decode(line.split(" ")[-1]))
    raw[-1] ^= 1
    bundle["checkpoints"][0] = (
        f"{body}\n{line.rsplit(' ', 1)[0]} {base64.b64encode(raw).decode()}\n"
    )
    assert "checkpoints[0] (size 22): signature check failed" in failure(bundle)


def test_checkpoints_out_of_size_order_are_a_rolled_back_log(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    bundle["checkpoints"].reverse()
    assert "rolled-back log" in failure(bundle)


def test_a_broken_consistency_proof_is_named(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    bundle["consistency"][0]["proof"][0] = "11" * 32
    assert "consistency[0]" in failure(bundle)


def test_an_event_of_another_stream_in_the_bundle_is_refused(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    bundle["tender"] = {"code": OTHER, "stream": FOREIGN}
    assert "does not export" in failure(bundle)


def test_a_preimage_that_is_not_canonical_is_refused(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    entry = bundle["events"][0]
    data = record(entry)
    entry["preimage"] = base64.b64encode(
        b"bidledger/event/v1\n" + json.dumps(data, sort_keys=True).encode()
    ).decode()
    assert "canonical (RFC 8785)" in failure(bundle)


def test_a_file_that_is_not_a_bundle_is_an_input_error() -> None:
    with pytest.raises(InvalidInput, match="not a bundle"):
        verify_bundle(b"not json")
    with pytest.raises(InvalidInput, match="format"):
        verify_bundle({"format": "something else"})


def test_a_missing_field_is_named_with_its_place_as_an_input_error(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    del bundle["events"][3]["signed"]
    with pytest.raises(InvalidInput) as caught:
        verify_bundle(json.dumps(bundle).encode())
    assert str(caught.value) == "not a well-formed bundle: events[3]: field 'signed' is missing"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=("Cs",))), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_canonical_json_is_rfc8785(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)
    assert loads_strict(canonical_json(value), "value") == value


def test_canonical_json_refuses_what_the_ledger_never_signs() -> None:
    for value in (1.5, 2**53, {1: "x"}, "\ud800"):
        with pytest.raises(BundleFormatError):
            canonical_json(value)


def test_strict_json_refuses_duplicate_keys_and_floats() -> None:
    for text in ('{"a": 1, "a": 2}', "[1.0]", "NaN"):
        with pytest.raises(BundleFormatError):
            loads_strict(text, "x")


def test_the_verifier_imports_no_event_store_database_or_json_library() -> None:
    code = (
        "import ledger.bundle.verifier, sys; assert not any(m.startswith(("
        "'eventsourcing','sqlalchemy','commands','projections','rfc8785','py_ecc')) "
        "for m in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr.decode()


def test_the_test_vector_of_the_format_document_holds() -> None:
    document = (ROOT / "docs" / "bundle-format.md").read_text(encoding="utf-8")
    signer = Signer.from_seed(bytes([1]) * 32)
    command = sign_command(
        signer,
        command="EstablishRegistry",
        stream=REGISTRY_STREAM,
        actor="registration-authority",
        role="authority",
        args={"name": "Authority", "public_key": signer.public_key.hex()},
        command_id="00000000-0000-4000-8000-000000000001",
    )
    preimage = event_preimage(
        stream=REGISTRY_STREAM,
        version=1,
        event_type="AuthorityEstablished",
        class_version=1,
        time=datetime(2021, 1, 4, 9, 0, tzinfo=BEIJING),
        command=command,
        facts={},
        prev_hash=GENESIS_HASH,
    )
    for value in (
        signer.public_key.hex(),
        signer.key_id,
        command.signed_bytes().decode(),
        command.signature,
        preimage.decode(),
        f"({len(preimage)} bytes)",
        hashlib.sha256(preimage).hexdigest(),
        leaf_hash(preimage).hex(),
    ):
        assert value in document
