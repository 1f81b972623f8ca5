"""Every limit on input that comes from outside, in one place (docs/design.md, "Input limits").

A JSON text is refused when it arrives if it is larger than the limit of its kind, nests
arrays and objects deeper than :data:`MAX_DEPTH`, holds an integer beyond ±(2**53 - 1), a
float, NaN or Infinity, a duplicate key or a lone surrogate (:func:`ledger.canonical.loads_strict`).
Typed command arguments are further bounded field by field (``ledger.procedure.schema.arg``),
by default to :data:`MAX_STRING` characters and :data:`MAX_ITEMS` list items.
"""

from __future__ import annotations

KIB = 1024
MIB = 1024 * KIB

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer a JSON number may hold (RFC 8785 / I-JSON)."""

MAX_DEPTH = 32
"""Nesting of arrays and objects in any JSON value (the outermost value is depth 0)."""

MAX_STRING = 20_000
"""Characters of a typed string argument, unless its field says fewer."""

MAX_ITEMS = 1_000
"""Items of a typed list argument, unless its field says fewer."""

MAX_TEXT_BYTES = 16 * MIB
"""A JSON text of no more specific kind."""

MAX_BID_DOCUMENT_BYTES = 1 * MIB
"""A bid document (the plaintext that is sealed), as a file or as canonical bytes."""

MAX_SEALED_BID_BYTES = 2 * MIB
"""A sealed bid (``bidledger/sealed-bid/v1``): the ciphertext of a bid document and its shares."""

MAX_COMMAND_BYTES = 4 * MIB
"""A signed command, its sealed bid included."""

MAX_NOTE_BYTES = 64 * KIB
"""A signed note read from a file (a checkpoint given with ``--against``)."""

MAX_BUNDLE_BYTES = 256 * MIB
"""An audit bundle file."""
