"""The input limits stated in docs/design.md are those of ``ledger/limits.py``, one by one."""

from __future__ import annotations

import re
from pathlib import Path

from ledger import limits

DESIGN = Path(__file__).resolve().parents[2] / "docs" / "design.md"
STATED = {
    "nesting of arrays and objects, any JSON value": f"{limits.MAX_DEPTH} levels",
    "a typed string argument": f"{limits.MAX_STRING:,} characters".replace(",", " "),
    "a typed list argument": f"{limits.MAX_ITEMS:,} items".replace(",", " "),
    "a bid document (plaintext)": f"{limits.MAX_BID_DOCUMENT_BYTES // limits.MIB} MiB",
    "a sealed bid, a key share": f"{limits.MAX_SEALED_BID_BYTES // limits.MIB} MiB",
    "a signed command, sealed bid included": f"{limits.MAX_COMMAND_BYTES // limits.MIB} MiB",
    "a checkpoint note file (`verify --against`)": f"{limits.MAX_NOTE_BYTES // limits.KIB} KiB",
    "a bundle file": f"{limits.MAX_BUNDLE_BYTES // limits.MIB} MiB",
    "any other JSON text": f"{limits.MAX_TEXT_BYTES // limits.MIB} MiB",
}


def _table() -> dict[str, str]:
    section = DESIGN.read_text(encoding="utf-8").split("## Input limits", 1)[1].split("\n## ")[0]
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", section, re.MULTILINE)
    return {name: value for name, value in rows if not set(name) <= {"-", "|", " "}}


def test_every_limit_of_the_code_is_stated_in_the_design_document() -> None:
    table = _table()
    for name, value in STATED.items():
        assert value in table.get(name, ""), (
            f"{name}: the code says {value}, the document {table.get(name)!r}"
        )


def test_the_integer_bound_is_the_one_the_code_enforces() -> None:
    assert limits.MAX_SAFE_INTEGER == 2**53 - 1
    assert _table()["integers"] == "±(2^53−1)"


def test_the_design_document_states_no_limit_the_code_does_not_have() -> None:
    assert set(_table()) - {"input", "integers"} == set(STATED)
