"""Opening commands: start, decrypt, close, hand in key shares, reveal, sign (§23, C1-C5)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from commands.messages.base import Command


@dataclass(frozen=True)
class StartOpening(Command):
    """The agency opens at the deadline and announces the bidders who checked in."""

    tender: str


@dataclass(frozen=True)
class AuthoriseDecryption(Command):
    """A bidder decrypts (authorises the opening of) its own bid within the decryption time."""

    tender: str
    lot: str


@dataclass(frozen=True)
class RecordDecryptionFailure(Command):
    """The agency records a failure not of the bidder's making (撤回)."""

    tender: str
    lot: str
    bidder: str
    cause: str


@dataclass(frozen=True)
class CloseDecryption(Command):
    """The agency closes the decryption time; bids still sealed are returned (撤销)."""

    tender: str


@dataclass(frozen=True)
class SubmitKeyShares(Command):
    """An official hands in ``{lot, bidder, share}`` for every authorised bid at once."""

    tender: str
    shares: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class RevealBids(Command):
    """The agency asks the ledger to open every authorised bid at once."""

    tender: str


@dataclass(frozen=True)
class SignOpeningRecord(Command):
    """A bidder with a revealed bid signs the lot's opening record (§23.2(7))."""

    tender: str
    lot: str
