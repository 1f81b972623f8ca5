"""Validate OCDS packages offline against the OCDS 1.1.5 schemas in tests/vectors/ocds.

The core release schema with the bids extension applied as a JSON Merge Patch (RFC 7386),
the package schemas and the versioned release schema are registered under their public
URLs, so no ``$ref`` is ever fetched. Codelist values are checked against the CSV files:
every field the schema ties to a codelist (closed or open), and the lots extension's lot
status (the tenderStatus codelist), which the core schema does not describe.
"""

from __future__ import annotations

import copy
import csv
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "ocds"
BASE = "https://standard.open-contracting.org/schema/1__1__5/"
RELEASE_PACKAGE = "release-package-schema.json"
RECORD_PACKAGE = "record-package-schema.json"
RELEASE = "release-schema.json"
VERSIONED = "versioned-release-validation-schema.json"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: how OCDS applies an extension's schema to the core."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@cache
def release_schema_with_bids() -> dict[str, Any]:
    merged: dict[str, Any] = merge_patch(load(RELEASE), load("bids-extension/release-schema.json"))
    return merged


def _registry() -> Registry:
    resources = {
        BASE + RELEASE: release_schema_with_bids(),
        BASE + VERSIONED: load(VERSIONED),
        BASE + RELEASE_PACKAGE: load(RELEASE_PACKAGE),
        BASE + RECORD_PACKAGE: load(RECORD_PACKAGE),
    }
    return Registry().with_resources(
        (uri, Resource(schema, specification=DRAFT4)) for uri, schema in resources.items()
    )


def schema_errors(document: Any, schema_name: str) -> list[str]:
    """Every error of ``document`` against one schema, as ``path: message`` lines."""
    schema = release_schema_with_bids() if schema_name == RELEASE else load(schema_name)
    validator = Draft4Validator(schema, registry=_registry())
    return [
        f"/{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


@cache
def codelist(name: str) -> frozenset[str]:
    """The codes of a codelist CSV (the core's or the bids extension's)."""
    path = VECTORS / "codelists" / name
    if not path.exists():
        path = VECTORS / "bids-extension" / "codelists" / name
    with path.open(encoding="utf-8") as stream:
        return frozenset(row["Code"] for row in csv.DictReader(stream))


def codelist_errors(release: dict[str, Any]) -> list[str]:
    """Codes used in ``release`` that its codelist does not list."""
    schema = release_schema_with_bids()
    found = list(_coded_values(release, schema, schema, ""))
    for index, lot in enumerate(release.get("tender", {}).get("lots", [])):
        found.append((f"/tender/lots/{index}/status", "tenderStatus.csv", lot.get("status")))
    return [
        f"{path}: {value!r} is not in {name}"
        for path, name, value in found
        if value is not None and value not in codelist(name)
    ]


def closed_codelist_fields() -> list[tuple[str, str]]:
    """(JSON pointer in the schema, codelist) for every closed codelist of the release."""
    schema = release_schema_with_bids()
    fields: list[tuple[str, str]] = []

    def walk(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            if "codelist" in node and node.get("openCodelist") is False:
                fields.append((pointer, node["codelist"]))
            for key, value in node.items():
                walk(value, f"{pointer}/{key}")

    walk(schema, "")
    return fields


def _coded_values(
    data: Any, node: dict[str, Any], schema: dict[str, Any], path: str
) -> Iterator[tuple[str, str, Any]]:
    node = _resolve(node, schema)
    if "codelist" in node:
        values = data if isinstance(data, list) else [data]
        for value in values:
            yield path, node["codelist"], value
        return
    if isinstance(data, dict):
        for key, value in data.items():
            child = node.get("properties", {}).get(key)
            if child is not None:
                yield from _coded_values(value, child, schema, f"{path}/{key}")
    elif isinstance(data, list) and isinstance(node.get("items"), dict):
        for index, item in enumerate(data):
            yield from _coded_values(item, node["items"], schema, f"{path}/{index}")


def _resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = str(node["$ref"]).removeprefix("#/definitions/")
        node = schema["definitions"][name]
    return node
