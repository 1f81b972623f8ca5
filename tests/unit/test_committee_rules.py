"""The committee's majority, a decision's digest, and a member's ties to a bidder (回避)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from ledger.rules.committee import decision_digest, majority_of, tie_to_bidder


@pytest.mark.parametrize(("seated", "needed"), [(5, 3), (4, 3), (3, 2), (7, 4), (1, 1)])
def test_a_decision_needs_more_than_half_of_the_seated_members(seated: int, needed: int) -> None:
    assert majority_of(seated) == needed
    assert needed * 2 > seated  # a majority
    assert (needed - 1) * 2 <= seated  # and no more than one


def test_the_digest_is_sha256_of_the_canonical_command_tender_and_args() -> None:
    args = {"lot": "1", "bidder": "demo-a"}
    canonical = '{"args":{"bidder":"demo-a","lot":"1"},"command":"ProposeCorrection","tender":"t"}'
    expected = hashlib.sha256(canonical.encode()).hexdigest()
    assert decision_digest("ProposeCorrection", "t", args) == expected
    assert decision_digest("ProposeCorrection", "t", {**args, "lot": "2"}) != expected


@pytest.mark.parametrize(
    ("member", "bidder", "why"),
    [
        ({"employer": "qxd"}, {}, "expert is employed by qxd"),
        ({"recent_work": ["x", "qxd"]}, {}, "expert worked for qxd in the last three years"),
        ({"recent_work": "qxd"}, {}, "expert worked for qxd in the last three years"),
        ({"controls": ["qxd"]}, {}, "expert controls qxd"),
        ({}, {"legal_representative": "expert"}, "expert is the legal representative of qxd"),
        ({}, {"controller": "expert"}, "qxd is controlled by expert"),
        (
            {"employer": "group"},
            {"controller": "group"},
            "qxd is controlled by expert's employer group",
        ),
    ],
)
def test_a_member_tied_to_a_bidder_is_named_with_the_tie(
    member: dict[str, Any], bidder: dict[str, Any], why: str
) -> None:
    assert tie_to_bidder("expert", member, "qxd", bidder) == why


def test_a_member_without_ties_to_the_bidder_is_free() -> None:
    member = {"employer": "university", "recent_work": ["runhua"], "controls": []}
    bidder = {"controller": "holding", "legal_representative": "rep-qxd"}
    assert tie_to_bidder("expert", member, "qxd", bidder) is None
    assert tie_to_bidder("expert", {}, "qxd", {}) is None
