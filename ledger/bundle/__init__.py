"""Audit bundles: one tender, self-contained, verifiable offline (docs/bundle-format.md).

``verify_bundle`` needs only the standard library, PyNaCl and ``cryptography``; importing
this package never imports the event store. ``ledger.bundle.export`` (which does) writes them.
"""

from __future__ import annotations

from ledger.bundle.format import FORMAT
from ledger.bundle.report import BundleReport
from ledger.bundle.verifier import verify_bundle

__all__ = ["FORMAT", "BundleReport", "verify_bundle"]
