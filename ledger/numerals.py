"""Money amounts in Chinese capital numerals (大写金额), as written on bid forms.

The standard form follows the usual rules for capital amounts: the leading 拾 is written
壹拾, skipped places are marked by one 零, amounts to the yuan end in 整, and a 零 after
元 marks a zero 角 before a non-zero 分 (壹仟元零伍分).

Parsing also accepts the usual variants: a leading 人民币, 圆 for 元, 正 for 整, a bare
leading 拾, an amount below one yuan written with or without 零元, and the optional 零 the
rules allow where only the 万, 亿 or 元 place is zero (壹拾万柒仟元, 壹仟陆佰捌拾元叁角).
Anything ambiguous, such as 壹佰伍元 (105 or 150?), is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from ledger.errors import InvalidInput

__all__ = ["format_capital_amount", "parse_capital_amount"]

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = {"拾": 1, "佰": 2, "仟": 3}
_BIG_UNITS = {"万": 4, "亿": 8}
_YUAN = ("元", "圆")
_FRACTION_UNITS = {"角": -1, "分": -2}
_PREFIX = "人民币"
_ENDINGS = ("整", "正")
_SECTION_BOTTOMS = (0, 4, 8)
_LIMIT = Decimal(10) ** 12
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class _Digit:
    """One non-zero digit, at its power of ten (角 is -1, 分 is -2)."""

    value: int
    position: int
    after_zero: bool


class _Reader:
    """Reads a capital amount left to right into positioned digits."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.digits: list[_Digit] = []
        self.section: list[tuple[int, int, bool]] = []
        self.pending: int | None = None
        self.zero = False
        self.yuan_seen = False

    def fail(self, problem: str) -> InvalidInput:
        return InvalidInput(f"not a capital amount: {self.text!r}: {problem}")

    def read(self, body: str) -> list[_Digit]:
        for char in body:
            self._read_char(char)
        if self.pending is not None:
            raise self.fail(f"{_DIGITS[self.pending]} at the end has no unit")
        if self.zero:
            raise self.fail("零 at the end is not followed by a digit")
        if self.section or not (self.yuan_seen or self.digits) or self._integer_without_yuan():
            raise self.fail("元 is missing")
        return self.digits

    def _integer_without_yuan(self) -> bool:
        return not self.yuan_seen and any(digit.position >= 0 for digit in self.digits)

    def _read_char(self, char: str) -> None:
        if char == "零":
            self._read_zero()
        elif char in _DIGITS:
            if self.pending is not None:
                raise self.fail(f"{_DIGITS[self.pending]}{char}: two digits without a unit")
            self.pending = _DIGITS.index(char)
        elif char in _SMALL_UNITS:
            self._read_small_unit(char)
        elif char in _BIG_UNITS:
            self._close_section(char, _BIG_UNITS[char])
        elif char in _YUAN:
            if self.yuan_seen:
                raise self.fail(f"{char} appears twice")
            self._close_section(char, 0)
            self.yuan_seen = True
        elif char in _FRACTION_UNITS:
            self._read_fraction_unit(char)
        else:
            raise self.fail(f"unknown character {char!r}")

    def _read_zero(self) -> None:
        if self.pending is not None:
            raise self.fail(f"{_DIGITS[self.pending]}零: a digit without a unit")
        if self.zero:
            raise self.fail("零 twice in a row")
        self.zero = True

    def _read_small_unit(self, unit: str) -> None:
        if self.yuan_seen:
            raise self.fail(f"{unit} after 元")
        digit = self.pending
        if digit is None:
            if unit != "拾" or self.zero or self.section or self.digits:
                raise self.fail(f"{unit} has no digit before it")
            digit = 1
        self.section.append((digit, _SMALL_UNITS[unit], self.zero))
        self.pending, self.zero = None, False

    def _close_section(self, unit: str, base: int) -> None:
        if self.yuan_seen:
            raise self.fail(f"{unit} after 元")
        if self.zero and self.pending is None:
            raise self.fail(f"零 before {unit} is not followed by a digit")
        if self.pending is not None:
            self.section.append((self.pending, 0, self.zero))
        if not self.section and base:
            raise self.fail(f"{unit} has no digits before it")
        for value, exponent, after_zero in self.section:
            self.digits.append(_Digit(value, base + exponent, after_zero))
        self.section, self.pending, self.zero = [], None, False

    def _read_fraction_unit(self, unit: str) -> None:
        if self.section or self._integer_without_yuan():
            raise self.fail(f"{unit} comes before 元")
        if self.pending is None:
            raise self.fail(f"{unit} has no digit before it")
        self.digits.append(_Digit(self.pending, _FRACTION_UNITS[unit], self.zero))
        self.pending, self.zero = None, False


def parse_capital_amount(text: str) -> Decimal:
    """Parse a capital-numeral amount into yuan with two decimals.

    ``"叁拾叁万肆仟捌佰陆拾元整"`` gives ``Decimal("334860.00")``. Raises InvalidInput,
    quoting the text, when it is empty, holds an unknown character, or is malformed.
    """
    reader = _Reader(text)
    body = text.strip().removeprefix(_PREFIX)
    if body.endswith(_ENDINGS):
        body = body[:-1]
    if not body:
        raise reader.fail("no amount")
    if body[:2] in ("零元", "零圆"):
        body = _after_zero_yuan(reader, body[2:])
        if not body:
            return Decimal("0.00")
    digits = reader.read(body)
    _check_places(reader, digits)
    cents = sum(digit.value * 10 ** (digit.position + 2) for digit in digits)
    return Decimal(cents).scaleb(-2).quantize(_CENT)


def _after_zero_yuan(reader: _Reader, rest: str) -> str:
    """What follows 零元: nothing, or 角 and 分 only (零伍分 for a zero 角)."""
    if rest and not rest.endswith(tuple(_FRACTION_UNITS)):
        raise reader.fail("零元 can only be followed by 角 or 分")
    if len(rest) == 3 and rest[0] == "零" and rest[2] == "分":
        return rest[1:]
    return rest


def _check_places(reader: _Reader, digits: list[_Digit]) -> None:
    """Places must descend, and each skipped place be marked by one 零 where required."""
    if digits and digits[0].after_zero:
        raise reader.fail("零 before the first digit")
    for previous, digit in pairwise(digits):
        if digit.position >= previous.position:
            raise reader.fail("units out of order")
        skipped = previous.position - digit.position - 1
        if skipped == 0 and digit.after_zero:
            raise reader.fail(f"零 before {_DIGITS[digit.value]} where no place is skipped")
        optional = digit.position + 1 in _SECTION_BOTTOMS
        if skipped and not digit.after_zero and not optional:
            raise reader.fail(f"零 missing before {_DIGITS[digit.value]}: places are skipped")


def format_capital_amount(amount: Decimal) -> str:
    """Write ``amount`` (yuan, at most two decimals, below 10^12) in standard capital form.

    ``Decimal("334860.00")`` gives ``"叁拾叁万肆仟捌佰陆拾元整"``; ``Decimal("100.05")``
    gives ``"壹佰元零伍分"``. Negative amounts and more than two decimals are refused.
    """
    if not amount.is_finite() or amount < 0:
        raise InvalidInput(f"cannot write {amount} in capital numerals: negative or not a number")
    if amount != amount.quantize(_CENT):
        raise InvalidInput(f"cannot write {amount} in capital numerals: more than 2 decimals")
    if amount >= _LIMIT:
        raise InvalidInput(f"cannot write {amount} in capital numerals: 10^12 yuan or more")
    yuan, cents = divmod(int(amount * 100), 100)
    jiao, fen = divmod(cents, 10)
    if not yuan and not cents:
        return "零元整"
    text = _format_integer(yuan) + "元" if yuan else ""
    if not cents:
        return text + "整"
    if jiao:
        text += ("零" if yuan and yuan % 10 == 0 else "") + _DIGITS[jiao] + "角"
    if fen:
        text += ("零" if yuan and not jiao else "") + _DIGITS[fen] + "分"
    return text


def _format_integer(number: int) -> str:
    """Write a whole number of yuan (1 to 10^12 - 1) in sections of 亿, 万 and units."""
    sections = ((number // 10**8, "亿"), (number // 10**4 % 10**4, "万"), (number % 10**4, ""))
    parts: list[str] = []
    zero_pending = False
    for value, unit in sections:
        if not value:
            zero_pending = bool(parts)
            continue
        if parts and (zero_pending or value < 1000):
            parts.append("零")
        parts.append(_format_section(value) + unit)
        zero_pending = False
    return "".join(parts)


def _format_section(value: int) -> str:
    """Write 1 to 9999 with 仟, 佰, 拾, one 零 for each run of skipped places."""
    text = ""
    gap = False
    for exponent, unit in ((3, "仟"), (2, "佰"), (1, "拾"), (0, "")):
        digit = value // 10**exponent % 10
        if not digit:
            gap = bool(text)
            continue
        text += ("零" if gap else "") + _DIGITS[digit] + unit
        gap = False
    return text
