"""The HTTP API (``bidledger serve``) and its Python client (docs/http.md)."""

from __future__ import annotations

from commands.http.app import create_app
from commands.http.client import HttpProblem, LedgerClient, submit_signed_http
from commands.http.client_tools import open_shares, seal_bid, submit_bid, tender_state
from commands.http.ledger_access import HttpLedger, LiveViews
from commands.http.server import BackgroundServer
from commands.http.signed_reads import ReadGate, SignedRead, sign_read

__all__ = [
    "BackgroundServer",
    "HttpLedger",
    "HttpProblem",
    "LedgerClient",
    "LiveViews",
    "ReadGate",
    "SignedRead",
    "create_app",
    "open_shares",
    "seal_bid",
    "sign_read",
    "submit_bid",
    "submit_signed_http",
    "tender_state",
]
