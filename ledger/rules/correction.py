"""Arithmetic correction of a bid's price sheet (§26.4).

投标文件的大写金额和小写金额不一致的,以大写金额为准;总价金额与单价汇总金额不一致的,
以单价汇总金额计算结果为准;单价金额小数点有明显错位的,应以总价为准,并修改单价。

Three steps, in order: the capital amount prevails over the figures; each line is put
right (a unit price whose decimal point is clearly misplaced is corrected from the line
total, any other mismatch corrects the line total from the unit price); the sum of the
line totals prevails over the sheet's total. A bidder who refuses the result has its bid
invalidated (ARITHMETIC_CORRECTION); that decision is the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from ledger.errors import InvalidInput
from ledger.numerals import parse_capital_amount
from ledger.rules.catalogue import ARITHMETIC_CORRECTION

__all__ = [
    "CAPITAL_PREVAILS",
    "DECIMAL_POINT_MISPLACED",
    "UNIT_PRICES_PREVAIL",
    "Correction",
    "CorrectionResult",
    "PriceLine",
    "PriceSheet",
    "correct_arithmetic",
    "read_out_amount",
]

_CENT = Decimal("0.01")
_CLAUSE = ARITHMETIC_CORRECTION.clause
CAPITAL_PREVAILS = (
    f"{_CLAUSE}: where the capital amount and the amount in figures differ, "
    "the capital amount prevails."
)
DECIMAL_POINT_MISPLACED = (
    f"{_CLAUSE}: a unit price with a clearly misplaced decimal point is corrected from the total."
)
UNIT_PRICES_PREVAIL = (
    f"{_CLAUSE}: where a total differs from the sum computed from the unit prices, "
    "the unit prices prevail."
)


def _money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _check_money(what: str, value: Decimal) -> None:
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"{what} must be a non-negative amount, found {value}")
    if value != value.quantize(_CENT):
        raise InvalidInput(f"{what} must have at most 2 decimals, found {value}")


@dataclass(frozen=True)
class PriceLine:
    """One line of a price sheet, as stated: yuan, unit price may have more decimals."""

    name: str
    unit_price: Decimal
    quantity: Decimal
    total: Decimal

    def __post_init__(self) -> None:
        if not self.unit_price.is_finite() or self.unit_price < 0:
            raise InvalidInput(f"unit price of {self.name} must be non-negative")
        if not self.quantity.is_finite() or self.quantity <= 0:
            raise InvalidInput(f"quantity of {self.name} must be positive")
        _check_money(f"total of {self.name}", self.total)


@dataclass(frozen=True)
class PriceSheet:
    """A bid's price sheet: the total in figures and in capital numerals, and its lines."""

    total_figures: Decimal
    total_capital: str
    lines: tuple[PriceLine, ...]

    def __post_init__(self) -> None:
        _check_money("total in figures", self.total_figures)


@dataclass(frozen=True)
class Correction:
    """One corrected figure: what was stated, what it became, and the rule applied."""

    subject: str
    stated: Decimal
    corrected: Decimal
    reason: str


@dataclass(frozen=True)
class CorrectionResult:
    """The corrected total and lines, with every correction made, in order."""

    corrected_total: Decimal
    lines: tuple[PriceLine, ...]
    corrections: tuple[Correction, ...]

    @property
    def changed(self) -> bool:
        """Whether anything was corrected."""
        return bool(self.corrections)


def read_out_amount(sheet: PriceSheet) -> tuple[Decimal, Correction | None]:
    """The amount read out at the opening (唱标): the capital amount, which prevails.

    Returns it with the slip it corrects (None when the figures agree). Raises
    InvalidInput if the capital amount cannot be parsed.
    """
    capital = parse_capital_amount(sheet.total_capital)
    if capital == sheet.total_figures:
        return capital, None
    return capital, Correction("total in figures", sheet.total_figures, capital, CAPITAL_PREVAILS)


def correct_arithmetic(sheet: PriceSheet) -> CorrectionResult:
    """Apply §26.4 to ``sheet``: capital over figures, line slips, then the line sum.

    Raises InvalidInput if the capital amount cannot be parsed.
    """
    total, slip = read_out_amount(sheet)
    corrections: list[Correction] = [slip] if slip is not None else []
    lines: list[PriceLine] = []
    for number, line in enumerate(sheet.lines, start=1):
        corrected, made = _correct_line(number, line)
        lines.append(corrected)
        corrections.extend(made)
    if lines:
        line_sum = sum((line.total for line in lines), Decimal("0.00"))
        if line_sum != total:
            corrections.append(Correction("total", total, line_sum, UNIT_PRICES_PREVAIL))
            total = line_sum
    return CorrectionResult(_money(total), tuple(lines), tuple(corrections))


def _correct_line(number: int, line: PriceLine) -> tuple[PriceLine, list[Correction]]:
    """Correct one line: a misplaced decimal point in the unit price, else the total."""
    product = line.unit_price * line.quantity
    if _money(product) == line.total:
        return line, []
    label = f"line {number} ({line.name})"
    shift = _decimal_shift(product, line.total)
    if shift is not None:
        unit = _shifted_unit_price(line.unit_price, shift)
        correction = Correction(
            f"{label} unit price", line.unit_price, unit, DECIMAL_POINT_MISPLACED
        )
        return replace(line, unit_price=unit), [correction]
    total = _money(product)
    correction = Correction(f"{label} total", line.total, total, UNIT_PRICES_PREVAIL)
    return replace(line, total=total), [correction]


def _decimal_shift(product: Decimal, total: Decimal) -> int | None:
    """The k != 0 with product × 10^k exactly equal to the total, or None.

    Only a factor that is exactly a power of ten (10, 100, 1/10 ...) is a misplaced
    decimal point; then the corrected unit price times the quantity is the total.
    """
    if not product or not total:
        return None
    shift = total.adjusted() - product.adjusted()
    if shift and product.scaleb(shift) == total:
        return shift
    return None


def _shifted_unit_price(unit_price: Decimal, shift: int) -> Decimal:
    """Move the unit price's decimal point ``shift`` places, keeping at least 2 decimals."""
    unit = unit_price.scaleb(shift)
    in_cents = unit.quantize(_CENT)
    return in_cents if in_cents == unit else unit
