"""Write docs/commands.md from the typed commands themselves: ``python -m commands.docgen``.

Every command's fields (type, limits, choices, defaults) come from its dataclass and
:mod:`ledger.procedure.schema`; who may send it and when, from its :class:`Guard`; what
refuses it, from the guard's rules and the catalogue rules its rule function names (and the
functions of the rule layer it calls, read from their source). A test fails when the file
differs from what this writes, so the page cannot drift from the code.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from pathlib import Path

from commands.docs_commands import PREAMBLE, command_section, nested_types
from ledger.procedure import dispatch  # noqa: F401  (registers every command)
from ledger.procedure.base import HANDLERS, TenderCommand

DOC = Path(__file__).resolve().parents[1] / "docs" / "commands.md"

__all__ = ["DOC", "render"]


_MODULES = (  # the procedure's order: registry, publication, bids, opening, evaluation, award
    "registry",
    "publication",
    "corrections",
    "objections",
    "submission",
    "validity",
    "opening",
    "reveal",
    "unopenable",
    "evaluation",
    "committee",
    "questions",
    "ranking",
    "award",
    "contract",
    "remedies",
    "suspension",
)


def _order(command: type) -> tuple[int, int]:
    module = command.__module__.rsplit(".", 1)[-1]
    place = _MODULES.index(module) if module in _MODULES else len(_MODULES)
    return place, inspect.getsourcelines(command)[1]


def render() -> str:
    """The whole of docs/commands.md."""
    commands = sorted((handler.command for handler in HANDLERS.values()), key=_order)
    registry = [c for c in commands if not issubclass(c, TenderCommand) and c.__name__ not in _T]
    tenders = [c for c in commands if c not in registry]
    parts = [PREAMBLE, "## Registry commands\n", *_sections(registry), "## Tender commands\n"]
    parts += [*_sections(tenders), "## Argument types\n"]
    parts += nested_types(commands)
    return "\n".join(parts).rstrip("\n") + "\n"


_T = frozenset({"PublishTender"})  # a tender's first command: it names its tender itself


def _sections(commands: list[type]) -> Iterator[str]:
    for command in commands:
        yield command_section(command)


def main(argv: list[str] | None = None) -> int:
    """Write the page (or, with ``--check``, exit 1 if it is not what would be written)."""
    arguments = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in arguments:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            print(f"{DOC} is out of date: run python -m commands.docgen", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
