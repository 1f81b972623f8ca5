"""OCDS release packages and record packages of one tender, straight from the log.

The record (compiled release and versioned release) is merged by ``ocdsmerge``, the Open
Contracting Partnership's reference implementation, from the release schema shipped in
``schema/`` (so no schema is fetched: ``ocdsmerge`` would download the latest one when given
none). ``publishedDate`` is the export's as-of time, or else the date of the last release:
never the time of a later, unpublished event.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from ledger.errors import InvalidInput
from ledger.procedure.registry_state import RegistryState
from ledger.store import LedgerStore
from projections.ocds.fold import Folded, tender_releases
from projections.tender_state import moment

OCDS_VERSION = "1.1"
DEFAULT_OCID_PREFIX = "ocds-bidldg"
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/"
    "v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/"
    "v1.1.5/extension.json",
)
_PREFIX = re.compile(r"ocds-[a-z0-9]{6}")
_SCHEMA = "release-schema-with-bids.json"


@dataclass(frozen=True)
class OcdsSettings:
    """The publisher's settings: its registered ocid prefix and the packages' base URI."""

    ocid_prefix: str = DEFAULT_OCID_PREFIX
    base_uri: str = "urn:bidledger"

    def __post_init__(self) -> None:
        if not _PREFIX.fullmatch(self.ocid_prefix):
            raise InvalidInput(
                f"an ocid prefix is 'ocds-' and 6 lower-case letters or digits, "
                f"not {self.ocid_prefix!r}"
            )

    @classmethod
    def from_environment(cls, ocid_prefix: str | None = None) -> OcdsSettings:
        """``ocid_prefix``, else ``$BIDLEDGER_OCID_PREFIX``, else the default."""
        prefix = ocid_prefix or os.environ.get("BIDLEDGER_OCID_PREFIX") or DEFAULT_OCID_PREFIX
        return cls(ocid_prefix=prefix)

    def ocid(self, code: str) -> str:
        return f"{self.ocid_prefix}-{code}"


def release_schema() -> dict[str, Any]:
    """The OCDS 1.1.5 release schema with the bids extension, as shipped."""
    text = resources.files("projections.ocds").joinpath("schema", _SCHEMA).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def release_package(
    store: LedgerStore, code: str, settings: OcdsSettings, at: datetime | None = None
) -> dict[str, Any]:
    """Every release of tender ``code`` published up to ``at``, as a release package."""
    ocid = settings.ocid(code)
    folded = tender_releases(store, code, ocid, at)
    return _package(folded, settings, f"{ocid}/releases", at) | {"releases": folded.releases}


def record_package(
    store: LedgerStore, code: str, settings: OcdsSettings, at: datetime | None = None
) -> dict[str, Any]:
    """The record of tender ``code``: its releases, compiled and versioned release."""
    ocid = settings.ocid(code)
    folded = tender_releases(store, code, ocid, at)
    merger = _merger()
    record = {
        "ocid": ocid,
        "releases": folded.releases,
        "compiledRelease": merger.create_compiled_release(folded.releases),
        "versionedRelease": merger.create_versioned_release(folded.releases),
    }
    package = _package(folded, settings, f"{ocid}/record", at)
    package["packages"] = [f"{settings.base_uri}:{ocid}/releases"]
    return package | {"records": [record]}


def _package(
    folded: Folded, settings: OcdsSettings, name: str, at: datetime | None
) -> dict[str, Any]:
    published = moment(at) if at is not None else folded.releases[-1]["date"]
    return {
        "uri": f"{settings.base_uri}:{name}",
        "version": OCDS_VERSION,
        "extensions": list(EXTENSIONS),
        "publishedDate": published,
        "publisher": {"name": _platform(folded.registry)},
    }


def _platform(registry: RegistryState) -> str:
    names = sorted(p.name for p in registry.parties.values() if "platform" in p.roles)
    return names[0] if names else "bidledger"


@cache
def _merger() -> Any:
    import ocdsmerge

    return ocdsmerge.Merger(schema=release_schema())
