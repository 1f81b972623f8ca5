"""One error hierarchy for the ledger; every refusal says which rule it broke."""

from __future__ import annotations

from dataclasses import dataclass

Reason = dict[str, str]  # a stored reason: {"rule": a catalogue code, "detail": what was found}


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""


@dataclass(frozen=True)
class Rule:
    """A rule of the tender process or of the ledger, with the clause it comes from.

    ``clause`` is the tender document's own clause (``§21.1``) or a ledger property
    (``S1``, ``C4``) where the rule is the ledger's rather than the seed's.
    """

    clause: str
    name: str
    code: str = ""  # the catalogue's constant name, set by the catalogue

    def __str__(self) -> str:
        return f"{self.clause} {self.name}"


class RuleViolation(LedgerError):
    """A command was refused because it breaks ``rule``; nothing was written."""

    def __init__(self, rule: Rule, detail: str) -> None:
        self.rule = rule
        self.detail = detail
        super().__init__(f"refused by {rule.clause} ({rule.name}): {detail}")

    def reason(self) -> Reason:
        """The refusal as stored: the rule's catalogue code and the detail."""
        return {"rule": self.rule.code, "detail": self.detail}


class InvalidInput(LedgerError):
    """A command or file is malformed: a field is missing, mistyped or out of range."""


class NotFound(LedgerError):
    """The tender, party, key or bid named does not exist."""


class ConcurrencyConflict(LedgerError):
    """Another writer changed the same stream first; reload and retry."""


class VerificationFailure(LedgerError):
    """A stored event, chain, signature or sealed bid does not check out.

    ``position`` names where (stream and version, or log index); the message says
    what was expected and what was found.
    """

    def __init__(self, position: str, detail: str) -> None:
        self.position = position
        self.detail = detail
        super().__init__(f"{position}: {detail}")


class NotAuthenticated(LedgerError):
    """A signed request (a read) does not prove who sent it: missing, stale, replayed or
    not signed by a registered key of the party and role it names."""


class NotPermitted(LedgerError):
    """The sender is authenticated, but what it asks for is not for its role (V1)."""
