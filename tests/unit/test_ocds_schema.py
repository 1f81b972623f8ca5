"""The OCDS schema the exporter ships and merges with, checked against the public copies.

The shipped release schema must be exactly the OCDS 1.1.5 core release schema with the bids
extension applied (RFC 7386); every closed codelist's enumeration must be its CSV; the
merger must take its rules from that file without touching the network.
"""

from __future__ import annotations

import socket
from typing import Any

import ocdsmerge.util
import pytest

from projections.ocds import package, release_schema
from tests.support.ocds import (
    closed_codelist_fields,
    codelist,
    load,
    merge_patch,
    release_schema_with_bids,
)


def test_the_shipped_release_schema_is_the_core_schema_with_the_bids_extension() -> None:
    shipped = release_schema()
    assert shipped == release_schema_with_bids()
    assert shipped != load("release-schema.json")  # the extension did change it
    assert "bids" in shipped["properties"]
    assert shipped["definitions"]["Award"]["properties"]["relatedBid"]["type"] == [
        "string",
        "null",
    ]


def test_a_merge_patch_replaces_merges_and_removes() -> None:
    target = {"a": 1, "b": {"c": 2, "d": 3}, "e": [1]}
    patch = {"a": None, "b": {"c": 4}, "e": [2], "f": {"g": 5}}
    assert merge_patch(target, patch) == {"b": {"c": 4, "d": 3}, "e": [2], "f": {"g": 5}}
    assert target == {"a": 1, "b": {"c": 2, "d": 3}, "e": [1]}


def _at(schema: dict[str, Any], pointer: str) -> dict[str, Any]:
    node: Any = schema
    for part in pointer.strip("/").split("/"):
        node = node[part]
    return dict(node)


def test_every_closed_codelist_enumerates_exactly_the_codes_of_its_csv() -> None:
    fields = closed_codelist_fields()
    names = {name for _, name in fields}
    assert {"releaseTag.csv", "tenderStatus.csv", "awardStatus.csv", "bidStatus.csv"} <= names
    assert {"contractStatus.csv", "method.csv", "currency.csv", "initiationType.csv"} <= names
    schema = release_schema_with_bids()
    for pointer, name in fields:
        node = _at(schema, pointer)
        enum = node.get("enum") or node["items"]["enum"]
        assert {code for code in enum if code is not None} == codelist(name), pointer


def test_the_merger_takes_its_rules_from_the_shipped_schema_offline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError("network access in an offline test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(ocdsmerge.util, "get_tags", refuse)
    package._merger.cache_clear()
    rules = package._merger().merge_rules
    assert rules[("tag",)] == "omitWhenMerged"
    assert rules[("tender", "submissionMethod")] == "wholeListMerge"
    assert ("bids", "details", "status") not in rules  # merged by identifier, field by field
    releases = [
        {
            "ocid": "ocds-a1b2c3-T",
            "id": "1",
            "date": "2021-01-01T00:00:00+08:00",
            "tag": ["tender"],
            "initiationType": "tender",
            "tender": {"id": "T", "status": "active"},
        },
        {
            "ocid": "ocds-a1b2c3-T",
            "id": "2",
            "date": "2021-01-02T00:00:00+08:00",
            "tag": ["tenderCancellation"],
            "initiationType": "tender",
            "tender": {"id": "T", "status": "cancelled"},
        },
    ]
    compiled = package._merger().create_compiled_release(releases)
    assert compiled["tender"]["status"] == "cancelled"
    assert compiled["tag"] == ["compiled"]
