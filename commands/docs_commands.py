"""The parts of docs/commands.md: a command's section, its fields, the argument types."""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from commands.rule_refs import guard_rules, rules_of
from ledger.errors import Rule
from ledger.limits import MAX_ITEMS, MAX_STRING
from ledger.procedure import schema
from ledger.procedure.base import PHASES, Guard, TenderCommand

__all__ = ["PREAMBLE", "command_section", "nested_types"]

PREAMBLE = """\
# Commands

<!-- Written by `python -m commands.docgen` from the typed commands; do not edit by hand.
     tests/docs/test_commands_doc.py fails when this page differs from what it writes. -->

Every change to the ledger is one of these commands, signed by its actor (S1). A command file
for `bidledger sign` names the command, its tender (for a command on a tender) and its
arguments as listed here:

```json
{"command": "CheckIn", "tender": "XFZFCG-2020-33", "args": {"lot": "1"}}
```

`bidledger sign` reads the arguments with the command's own type: a missing, unknown or
mistyped field, or a value out of its limits, is named at once and nothing is signed. A
field with a default may be left out; what is signed is the arguments completed with their
defaults and written in canonical form. `bidledger submit` runs the signed command; a
refusal names its rule and clause and exits 3 (docs/deployment.md). Arguments that make no
sense however well formed (an unknown party or lot, a party registered twice) are an input
error (exit 2), and nothing of them is kept.

Before its own rules, every command is authenticated: its signature must hold under a
signing key the registry holds for its actor, valid and unrevoked at the time, in the role
the command needs (S1: UNSIGNED, KEY_NOT_VALID, ROLE_NOT_HELD; S2: KEY_REVOKED), and a
command id is accepted once (S3: COMMAND_ID_REUSED). A registry command is the
registration authority's alone (S2: REGISTRATION_AUTHORITY_ONLY). The time of every event
never goes back along the log (T6: CLOCK_BACKWARDS).

Types: *text* is a JSON string (not empty unless said); *decimal* a decimal string such as
`"334860.00"`, *money* one in yuan, at least 0, with at most two decimals; *time* ISO 8601
with its offset, to the second (`"2021-01-15T09:30:00+08:00"`); *date* `"2021-01-15"`; a
*list* a JSON array; an *object* a JSON object of the fields given under "Argument types".
"""

_SENDERS = {
    "any": "any party registered in that role",
    "agency": "the tender's own agency",
    "purchaser": "the tender's own purchaser",
    "regulator": "the tender's own regulator",
    "committee": "a member of the tender's evaluation committee",
    "official": "one of the opening officials the notice names",
    "authority": "the registration authority",
}
_PHASE_WORDS = {
    "bidding": "before the submission deadline",
    "awaiting_opening": "after the deadline, before the opening starts",
    "decryption": "during the decryption time",
    "key_shares": "after the decryption time, before the reveal",
    "evaluation": "after the reveal",
}


def command_section(command: type) -> str:
    """One command's section: what it does, who sends it and when, its fields, its rules."""
    name = command.__name__
    guard: Guard = command.guard  # type: ignore[attr-defined]
    on_tender = issubclass(command, TenderCommand)
    lines = [f"### {name}", "", _summary(command), ""]
    lines.append(f"- sent by: {_SENDERS[guard.sender]}, signing as `{guard.role}`")
    if on_tender:
        lines.append("- acts on: the tender named by the command file's `tender`")
        lines.append(f"- when: {_when(guard)}")
    elif name == "PublishTender":
        lines.append("- acts on: the new tender its `code` names (its stream is derived from it)")
    else:
        lines.append("- acts on: the registry")
    lines += ["", *_field_table(command), ""]
    refusing = _unique(guard_rules(guard, on_tender) + rules_of(name))
    lines += ["Rules that refuse it (besides authentication):", ""]
    lines += [_rule_line(rule) for rule in refusing] if refusing else ["- none of its own"]
    return "\n".join(lines) + "\n"


def nested_types(commands: list[type]) -> list[str]:
    """A section for each nested argument type, in the order first used."""
    seen: dict[str, type] = {}
    for command in commands:
        for nested in _nested(command):
            seen.setdefault(nested.__name__, nested)
    sections = []
    for name, nested in seen.items():
        doc = _summary(nested)
        header = [f"### {name}", ""] + ([doc, ""] if doc else [])
        sections.append("\n".join([*header, *_field_table(nested)]) + "\n")
    return sections


def _field_table(cls: type) -> list[str]:
    fields = schema.fields_of(cls)
    if not fields:
        return ["No arguments."]
    rows = ["| field | type | required | limits |", "|---|---|---|---|"]
    for field in fields:
        required = "yes" if field.required else f"no (default {_default(field.default)})"
        rows.append(
            f"| `{field.key}` | {_type(field.hint, field.meta)} | {required} | "
            f"{_limits(field.hint, field.meta, field.required)} |"
        )
    return rows


_SCALARS: dict[Any, str] = {
    str: "text",
    int: "integer",
    bool: "true or false",
    Decimal: "decimal",
    datetime: "time",
    date: "date",
}


def _type(hint: Any, meta: Mapping[str, Any]) -> str:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return f"{_type(_bare(hint), meta)} or null"
    if origin is Literal:
        return "one of " + ", ".join(f"`{choice}`" for choice in typing.get_args(hint))
    if origin is tuple:
        return f"list of {_type(typing.get_args(hint)[0], meta)}"
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return f"[{hint.__name__}](#{hint.__name__.lower()})"
    if origin is Mapping or hint is Mapping:
        return "object (any JSON)"
    return "money" if hint is Decimal and meta.get("money") else _SCALARS.get(hint, str(hint))


def _limits(hint: Any, meta: Mapping[str, Any], required: bool) -> str:
    parts = []
    if meta.get("choices"):
        parts.append("one of " + ", ".join(f"`{c}`" for c in meta["choices"]))
    if meta.get("minimum") is not None or meta.get("maximum") is not None:
        parts.append(f"from {meta.get('minimum', '-')} to {meta.get('maximum', '-')}")
    text = _innermost(hint) is str
    if text and meta.get("max_length", MAX_STRING) != MAX_STRING:
        parts.append(f"at most {meta['max_length']} characters")
    if typing.get_origin(_bare(hint)) is tuple:
        parts.append(f"at most {meta.get('max_items', MAX_ITEMS)} items")
        if required and not meta.get("empty"):
            parts.append("not empty")
    if text and meta.get("empty"):
        parts.append("may be empty")
    return "; ".join(parts) or "-"


def _innermost(hint: Any) -> Any:
    hint = _bare(hint)
    return _innermost(typing.get_args(hint)[0]) if typing.get_origin(hint) is tuple else hint


def _bare(hint: Any) -> Any:
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        return next(h for h in typing.get_args(hint) if h is not type(None))
    return hint


def _nested(cls: type) -> Iterator[type]:
    for field in schema.fields_of(cls):
        inner = _innermost(field.hint)
        if dataclasses.is_dataclass(inner) and isinstance(inner, type):
            yield inner
            yield from _nested(inner)


def _default(value: Any) -> str:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return "its fields' defaults"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == ():
        return "[]"
    if isinstance(value, dict) and not value:
        return "{}"
    return f"`{value}`"


def _when(guard: Guard) -> str:
    if set(guard.phases) == set(PHASES):
        when = "in any phase"
    else:
        when = " or ".join(_PHASE_WORDS[p] for p in PHASES if p in guard.phases)
    return when + ("; also while the procedure is suspended" if guard.while_suspended else "")


def _summary(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    generated = doc.startswith(f"{cls.__name__}(")  # dataclass's own signature, not prose
    summary = "" if generated else " ".join(doc.split("\n\n")[0].split())
    return summary.replace("``", "`")


def _rule_line(rule: Rule) -> str:
    return f"- {rule.clause} `{rule.code}`: {rule.name}"


def _unique(rules: list[Rule]) -> list[Rule]:
    out: list[Rule] = []
    for rule in rules:
        if all(rule is not other for other in out):
            out.append(rule)
    return out
