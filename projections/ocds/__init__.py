"""Open data: OCDS 1.1 releases and records of a tender, straight from the ledger's log.

Each published step of a tender is a release naming the ledger events behind it; records
are merged by ``ocdsmerge``. See ``docs/ocds.md``.
"""

from __future__ import annotations

from projections.ocds.package import (
    DEFAULT_OCID_PREFIX,
    EXTENSIONS,
    OcdsSettings,
    record_package,
    release_package,
    release_schema,
)

__all__ = [
    "DEFAULT_OCID_PREFIX",
    "EXTENSIONS",
    "OcdsSettings",
    "record_package",
    "release_package",
    "release_schema",
]
