"""The caller's side: a party that signs typed commands with its own key."""

from __future__ import annotations

from dataclasses import dataclass

from commands.messages import Command
from ledger.crypto.signing import Signer
from ledger.envelope import SignedCommand, sign_command
from ledger.procedure.registry_state import REGISTRY_STREAM
from ledger.procedure.state import stream_of


@dataclass(frozen=True)
class Actor:
    """A party acting in one role, holding its private signing key."""

    party: str
    role: str
    signer: Signer

    def sign(self, command: Command, *, command_id: str | None = None) -> SignedCommand:
        """Sign ``command`` for its target stream (a tender by project code, or the registry)."""
        tender = command.target()
        stream = str(REGISTRY_STREAM) if tender is None else str(stream_of(tender))
        return sign_command(
            self.signer,
            command=command.kind(),
            stream=stream,
            actor=self.party,
            role=self.role,
            args=command.args(),
            command_id=command_id,
        )
