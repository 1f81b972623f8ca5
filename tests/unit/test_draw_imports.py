"""The draw package imports only the standard library, three ledger modules and py_ecc (once)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "ledger" / "draw"
LEDGER_ALLOWED = {"ledger.errors", "ledger.canonical", "ledger.rules", "ledger.rules.catalogue"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _allowed(module: str, path: Path) -> bool:
    top = module.split(".", maxsplit=1)[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return True
    if module in LEDGER_ALLOWED or module == "ledger.draw" or module.startswith("ledger.draw."):
        return True
    return top == "py_ecc" and path.name == "bls.py"


def test_the_draw_package_imports_nothing_else() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 8
    for path in modules:
        strays = sorted(m for m in _imports(path) if not _allowed(m, path))
        assert not strays, f"{path.name} imports {strays}"
    assert _imports(PACKAGE / "bls.py") >= {"py_ecc.bls.ciphersuites"}
    assert not {m for m in _imports(PACKAGE / "bls.py") if m.startswith("py_ecc")} - {
        "py_ecc.bls.ciphersuites"
    }, "bls.py uses py_ecc's ready-made ciphersuite only"
