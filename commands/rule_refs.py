"""Which catalogue rules a command's checks name: its guard's, and its rule function's.

The rule function's source is read (``ast``) for ``rules.NAME`` and directly imported rule
constants, following the functions it calls by name in the rule layer and the crypto it uses
(``ledger.procedure``, ``ledger.rules``, ``ledger.crypto``), so that a check made in a helper
is found too. It lists the rules a command's checks can refuse it by; it does not prove that
each can be reached.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from collections.abc import Callable, Iterator
from typing import Any

from ledger.errors import Rule
from ledger.procedure.base import ANY_PHASE, HANDLERS, Guard
from ledger.rules import catalogue

__all__ = ["guard_rules", "rules_of"]

_SUSPENSION = (catalogue.EMERGENCY_SUSPENSION, catalogue.SUSPENDED)
_SENDER = {
    "agency": catalogue.OWN_TENDER,
    "purchaser": catalogue.OWN_TENDER,
    "regulator": catalogue.OWN_TENDER,
    "committee": catalogue.COMMITTEE_MEMBER,
    "official": catalogue.OPENING_OFFICIAL,
}


def guard_rules(guard: Guard, on_tender: bool) -> list[Rule]:
    """The rules a command's declared guard refuses by (suspension, sender, phase)."""
    if not on_tender:
        return []
    found: list[Rule] = [] if guard.while_suspended else list(_SUSPENSION)
    if guard.sender in _SENDER:
        found.append(guard.sender_rule or _SENDER[guard.sender])
    if guard.phases != ANY_PHASE:
        found += [guard.early, guard.late]
    return _unique(found)


def rules_of(command: str) -> list[Rule]:
    """The rules named by ``command``'s rule function and the rule-layer functions it calls."""
    seen: set[Callable[..., Any]] = set()
    return _unique(list(_walk(inspect.unwrap(HANDLERS[command].decide), seen)))


def _walk(function: Callable[..., Any], seen: set[Callable[..., Any]]) -> Iterator[Rule]:
    if function in seen or not _in_rule_layer(function):
        return
    seen.add(function)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError):
        return
    names: dict[str, Any] = getattr(function, "__globals__", {})
    for node in ast.walk(tree):
        found = _named(node, names)
        if isinstance(found, Rule):
            yield found
        elif isinstance(found, types.FunctionType):
            yield from _walk(found, seen)


def _named(node: ast.AST, names: dict[str, Any]) -> Any:
    """What a name or ``module.name`` in the source refers to, if it can be told."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        owner = names.get(node.value.id)
        if isinstance(owner, types.ModuleType):
            return getattr(owner, node.attr, None)
    return None


def _in_rule_layer(function: Callable[..., Any]) -> bool:
    module = getattr(function, "__module__", "") or ""
    return module.startswith(("ledger.procedure", "ledger.rules", "ledger.crypto"))


def _unique(rules: list[Rule]) -> list[Rule]:
    out: list[Rule] = []
    for rule in rules:
        if all(rule is not other for other in out):
            out.append(rule)
    return out
