"""The rule catalogue is the one place a clause number is written, and every rule in it is used.

A clause half-remembered in a message is wrong twice: the message and the catalogue drift
apart. Code outside the catalogue names a clause through its rule (``rules.LATE_BID.clause``);
only docstrings and comments may cite one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ledger.rules import catalogue

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "ledger" / "rules" / "catalogue.py"
CLAUSE = re.compile(r"§\d")


def _sources() -> list[Path]:
    packages = ("ledger", "commands", "projections")
    return [path for name in packages for path in sorted((ROOT / name).rglob("*.py"))]


def _docstrings(tree: ast.AST) -> set[int]:
    owners = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, owners)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def clause_literals(path: Path, root: Path = ROOT) -> list[str]:
    """Every string in ``path`` (docstrings aside) that writes a clause number."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    return [
        f"{path.relative_to(root)}:{node.lineno}: {node.value[:80]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and CLAUSE.search(node.value)
    ]


def test_the_check_finds_a_clause_written_in_a_string(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('"""Cites §21.1 in a docstring."""\nLATE = "refused (§21.1)"\n', "utf-8")
    assert clause_literals(sample, tmp_path) == ["sample.py:2: 'refused (§21.1)'"]


def test_no_clause_is_written_outside_the_catalogue() -> None:
    found = [hit for path in _sources() if path != CATALOGUE for hit in clause_literals(path)]
    assert not found, "name the rule instead:\n" + "\n".join(found)


def test_every_rule_in_the_catalogue_is_used() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in _sources() if p != CATALOGUE)
    names = [name for name, value in vars(catalogue).items() if isinstance(value, catalogue.Rule)]
    assert "LATE_BID" in names
    unused = [name for name in names if not re.search(rf"\b{name}\b", text)]
    assert not unused, f"rules no code checks or names: {unused}"


def test_every_rule_has_its_code_and_a_clause() -> None:
    for name, value in vars(catalogue).items():
        if isinstance(value, catalogue.Rule):
            assert value.code == name
            assert catalogue.by_code(name) is value
            assert value.clause
