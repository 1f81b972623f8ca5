"""Submission commands: sealed bids, withdrawals, check-in (§19-§23.1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from commands.messages.base import Command


@dataclass(frozen=True)
class SubmitBid(Command):
    tender: str
    lot: str
    sealed: Mapping[str, Any]


@dataclass(frozen=True)
class WithdrawBid(Command):
    tender: str
    lot: str


@dataclass(frozen=True)
class CheckIn(Command):
    tender: str
    lot: str
