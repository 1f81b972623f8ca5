"""A reviewer's trust policy (T7): the keys it pinned itself and how many witnesses must cosign.

A policy is a text file of lines ``<keyword> <arguments>``, in the spirit of Sigsum's policy
files; ``#`` starts a comment line; blank lines are ignored. The format is in
``docs/policy.md``. Standard library only: the offline bundle verifier imports it.

    authority <Ed25519 public key, 64 hex> [<key id, ed25519:...>]
    log <C2SP vkey of the log (type 0x01, named after its origin)>
    witness <name> <C2SP vkey of the witness (type 0x04, cosignature/v1)>
    quorum <how many of the witnesses must cosign>
    require deadline <seconds>   # each tender's deadline checkpoint, cosigned that soon after
    require closing              # each tender's closing checkpoint (covering its last event)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field

from ledger.errors import InvalidInput

_ED25519, _COSIGNATURE_V1 = 0x01, 0x04
_KEY_SIZE = 32
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,17}")
_HEX_ID = re.compile(r"[0-9a-f]{8}")


def authority_key_id(public_key: bytes) -> str:
    """``ed25519:`` and SHA-256 of the raw key, first 16 bytes in hex (as ``key_id_of``)."""
    if len(public_key) != _KEY_SIZE:
        raise InvalidInput(f"an Ed25519 public key has 32 bytes, not {len(public_key)}")
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:32]


def vkey_name(vkey: str, algorithm: int) -> str:
    """Check a C2SP vkey ``name+id+base64(type || key)`` of this type; return its name."""
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise InvalidInput(f"a vkey has three '+'-separated parts, found {len(parts)}")
    name, hex_id, material = parts
    if not name or any(ch.isspace() or ch < " " for ch in name):
        raise InvalidInput(f"vkey name {name!r} must be non-empty, without spaces")
    if not _HEX_ID.fullmatch(hex_id):
        raise InvalidInput(f"vkey key id must be 8 lowercase hex digits, found {hex_id!r}")
    try:
        raw = base64.b64decode(material.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise InvalidInput(f"vkey key is not base64: {material!r}") from None
    if base64.b64encode(raw).decode("ascii") != material:
        raise InvalidInput(f"vkey key is not canonical base64: {material!r}")
    if len(raw) != 1 + _KEY_SIZE or raw[0] != algorithm:
        found = f"type {raw[0]:#04x} and {len(raw) - 1} bytes" if raw else "nothing"
        raise InvalidInput(f"vkey must be type {algorithm:#04x} with 32 bytes, found {found}")
    digest = hashlib.sha256(name.encode() + b"\n" + raw).digest()
    if digest[:4].hex() != hex_id:
        raise InvalidInput(f"vkey declares key id {hex_id}, its key gives {digest[:4].hex()}")
    return name


@dataclass(frozen=True)
class PolicyWitness:
    """A witness the reviewer trusts: a local name and its cosignature/v1 vkey."""

    name: str
    vkey: str

    def __post_init__(self) -> None:
        if not self.name or any(ch.isspace() or ch < " " for ch in self.name):
            raise InvalidInput(f"witness name {self.name!r} must be one word")
        vkey_name(self.vkey, _COSIGNATURE_V1)


@dataclass(frozen=True)
class TrustPolicy:
    """The roots a reviewer pinned: authority key, log key, witnesses, quorum and when it applies.

    ``deadline_within`` is None when deadline checkpoints need no cosignatures, else the
    seconds after a tender's deadline by which ``quorum`` witnesses must have cosigned its
    deadline checkpoint; ``closing`` says whether a tender's closing checkpoint needs them.
    """

    authority_key: bytes
    log_vkey: str
    witnesses: tuple[PolicyWitness, ...] = ()
    quorum: int = 0
    deadline_within: int | None = None
    closing: bool = False
    _origin: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        authority_key_id(self.authority_key)
        object.__setattr__(self, "_origin", vkey_name(self.log_vkey, _ED25519))
        _check_witnesses(self.witnesses)
        if self.deadline_within is not None and self.deadline_within < 0:
            raise InvalidInput(f"deadline seconds must not be negative: {self.deadline_within}")
        _check_quorum(self.quorum, len(self.witnesses))
        _check_requirements(self.quorum, self.deadline_within is not None or self.closing)

    @property
    def authority_key_id(self) -> str:
        return authority_key_id(self.authority_key)

    @property
    def log_origin(self) -> str:
        """The log's origin line: the name in its vkey."""
        return self._origin

    @property
    def witness_vkeys(self) -> tuple[str, ...]:
        return tuple(witness.vkey for witness in self.witnesses)

    def to_text(self) -> str:
        """The policy file text; :func:`parse_policy` reads it back to an equal policy."""
        lines = [
            f"authority {self.authority_key.hex()} {self.authority_key_id}",
            f"log {self.log_vkey}",
            *(f"witness {w.name} {w.vkey}" for w in self.witnesses),
            f"quorum {self.quorum}",
        ]
        if self.deadline_within is not None:
            lines.append(f"require deadline {self.deadline_within}")
        if self.closing:
            lines.append("require closing")
        return "".join(f"{line}\n" for line in lines)


def _check_witnesses(witnesses: tuple[PolicyWitness, ...]) -> None:
    names = [w.name for w in witnesses]
    vkeys = [w.vkey for w in witnesses]
    for kind, values in (("name", names), ("vkey", vkeys)):
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise InvalidInput(f"witness {kind} {twice[0]} is listed twice")


def _check_quorum(quorum: int, witnesses: int) -> None:
    if not 0 <= quorum <= witnesses:
        raise InvalidInput(f"quorum {quorum} must be between 0 and the {witnesses} witnesses")


def _check_requirements(quorum: int, required: bool) -> None:
    if quorum and not required:
        raise InvalidInput(f"quorum {quorum} applies to no checkpoint: add a 'require' line")
    if required and not quorum:
        raise InvalidInput("a 'require' line needs a quorum of at least 1")


@dataclass
class _Draft:
    """What the lines read so far said, and on which line each keyword came first."""

    authority: bytes | None = None
    log: str | None = None
    quorum: int | None = None
    deadline: int | None = None
    closing: bool = False
    witnesses: list[PolicyWitness] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)

    def claim(self, keyword: str, number: int) -> None:
        """Note that ``keyword`` came on line ``number``, refusing a second one."""
        if keyword in self.lines:
            raise InvalidInput(f"duplicate {keyword!r} (first on line {self.lines[keyword]})")
        self.lines[keyword] = number


def _decimal(text: str, what: str) -> int:
    if not _DECIMAL.fullmatch(text):
        raise InvalidInput(f"{what} must be a decimal number without leading zeroes: {text!r}")
    return int(text)


def _authority(draft: _Draft, args: list[str], number: int) -> None:
    if len(args) not in (1, 2):
        raise InvalidInput("expected 'authority <public key hex> [<key id>]'")
    if not re.fullmatch(r"[0-9a-f]{64}", args[0]):
        raise InvalidInput(f"authority key must be 64 lowercase hex digits, found {args[0]!r}")
    key = bytes.fromhex(args[0])
    if len(args) == 2 and args[1] != authority_key_id(key):
        raise InvalidInput(f"authority key id is {authority_key_id(key)}, not {args[1]}")
    draft.claim("authority", number)
    draft.authority = key


def _log(draft: _Draft, args: list[str], number: int) -> None:
    if len(args) != 1:
        raise InvalidInput("expected 'log <vkey>'")
    vkey_name(args[0], _ED25519)
    draft.claim("log", number)
    draft.log = args[0]


def _witness(draft: _Draft, args: list[str], number: int) -> None:
    if len(args) != 2:
        raise InvalidInput("expected 'witness <name> <vkey>'")
    witness = PolicyWitness(args[0], args[1])
    _check_witnesses((*draft.witnesses, witness))
    draft.witnesses.append(witness)


def _quorum(draft: _Draft, args: list[str], number: int) -> None:
    if len(args) != 1:
        raise InvalidInput("expected 'quorum <number of witnesses>'")
    quorum = _decimal(args[0], "quorum")
    draft.claim("quorum", number)
    draft.quorum = quorum


def _require(draft: _Draft, args: list[str], number: int) -> None:
    if args[:1] == ["deadline"] and len(args) == 2:
        seconds = _decimal(args[1], "deadline seconds")
        draft.claim("require deadline", number)
        draft.deadline = seconds
    elif args == ["closing"]:
        draft.claim("require closing", number)
        draft.closing = True
    else:
        raise InvalidInput("expected 'require deadline <seconds>' or 'require closing'")


_KEYWORDS = {
    "authority": _authority,
    "log": _log,
    "witness": _witness,
    "quorum": _quorum,
    "require": _require,
}


def parse_policy(text: str) -> TrustPolicy:
    """Read a policy file; InvalidInput names the line of the first problem."""
    draft = _Draft()
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split()
        if not words or words[0].startswith("#"):
            continue
        handler = _KEYWORDS.get(words[0])
        try:
            if handler is None:
                raise InvalidInput(f"unknown keyword {words[0]!r}")
            handler(draft, words[1:], number)
        except InvalidInput as exc:
            raise InvalidInput(f"policy line {number}: {exc}") from None
    return _build(draft)


def _build(draft: _Draft) -> TrustPolicy:
    """The policy from a draft; a problem across lines names the line it shows on."""
    if draft.authority is None or draft.log is None or draft.quorum is None:
        missing = next(k for k in ("authority", "log", "quorum") if k not in draft.lines)
        raise InvalidInput(f"policy: no {missing!r} line")
    quorum, lines = draft.quorum, draft.lines
    required = draft.deadline is not None or draft.closing
    try:
        _check_quorum(quorum, len(draft.witnesses))
    except InvalidInput as exc:
        raise InvalidInput(f"policy line {lines['quorum']}: {exc}") from None
    try:
        _check_requirements(quorum, required)
    except InvalidInput as exc:
        requires = [lines[k] for k in ("require deadline", "require closing") if k in lines]
        where = lines["quorum"] if quorum else min(requires)
        raise InvalidInput(f"policy line {where}: {exc}") from None
    return TrustPolicy(
        authority_key=draft.authority,
        log_vkey=draft.log,
        witnesses=tuple(draft.witnesses),
        quorum=quorum,
        deadline_within=draft.deadline,
        closing=draft.closing,
    )
