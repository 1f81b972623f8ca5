"""Arithmetic correction of a price sheet (§26.4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.errors import InvalidInput
from ledger.rules.correction import (
    CAPITAL_PREVAILS,
    DECIMAL_POINT_MISPLACED,
    UNIT_PRICES_PREVAIL,
    Correction,
    PriceLine,
    PriceSheet,
    correct_arithmetic,
    read_out_amount,
)

BED = "学生床(含铺板、上下铺)"


def _line(name: str, unit: str, quantity: str, total: str) -> PriceLine:
    return PriceLine(name, Decimal(unit), Decimal(quantity), Decimal(total))


def test_the_seeds_own_slips_are_corrected_from_the_unit_prices() -> None:
    # Requirement table of XFZFCG-2020-33, in 万元: 0.0130 × 222 = 2.5070, 0.0760 × 64 = 4.849.
    sheet = PriceSheet(
        Decimal("73560.00"),
        "柒万叁仟伍佰陆拾元整",
        (
            _line("铺板", "130.00", "222", "25070.00"),
            _line("宿舍储物柜", "760.00", "64", "48490.00"),
        ),
    )
    result = correct_arithmetic(sheet)
    assert result.corrections == (
        Correction(
            "line 1 (铺板) total", Decimal("25070.00"), Decimal("28860.00"), UNIT_PRICES_PREVAIL
        ),
        Correction(
            "line 2 (宿舍储物柜) total",
            Decimal("48490.00"),
            Decimal("48640.00"),
            UNIT_PRICES_PREVAIL,
        ),
        Correction("total", Decimal("73560.00"), Decimal("77500.00"), UNIT_PRICES_PREVAIL),
    )
    assert [line.total for line in result.lines] == [Decimal("28860.00"), Decimal("48640.00")]
    assert [line.unit_price for line in result.lines] == [Decimal("130.00"), Decimal("760.00")]
    assert result.corrected_total == Decimal("77500.00")
    assert result.changed is True


def test_the_capital_amount_prevails_over_the_figures() -> None:
    sheet = PriceSheet(Decimal("334680.00"), "叁拾叁万肆仟捌佰陆拾元整", ())
    result = correct_arithmetic(sheet)
    assert result.corrected_total == Decimal("334860.00")
    assert result.corrections == (
        Correction(
            "total in figures", Decimal("334680.00"), Decimal("334860.00"), CAPITAL_PREVAILS
        ),
    )
    assert "§26.4" in CAPITAL_PREVAILS
    assert "capital amount prevails" in CAPITAL_PREVAILS


def test_the_amount_read_out_is_the_capital_amount_with_its_slip() -> None:
    sheet = PriceSheet(Decimal("340000.00"), "叁拾伍万元整", ())
    assert read_out_amount(sheet) == (
        Decimal("350000.00"),
        Correction(
            "total in figures", Decimal("340000.00"), Decimal("350000.00"), CAPITAL_PREVAILS
        ),
    )


def test_figures_that_agree_with_the_capital_amount_are_read_out_without_a_slip() -> None:
    sheet = PriceSheet(Decimal("334860.00"), "人民币叁拾叁万肆仟捌佰陆拾元正", ())
    assert read_out_amount(sheet) == (Decimal("334860.00"), None)


def test_an_unreadable_capital_amount_cannot_be_read_out() -> None:
    with pytest.raises(InvalidInput, match="肆拾贰万"):
        read_out_amount(PriceSheet(Decimal("420000.00"), "肆拾贰万", ()))


def test_the_line_sum_prevails_over_a_total_already_corrected_from_capitals() -> None:
    sheet = PriceSheet(
        Decimal("6000.00"),
        "伍仟元整",
        (_line("物品摆放架", "560.00", "12", "6720.00"),),
    )
    result = correct_arithmetic(sheet)
    assert [(c.subject, c.stated, c.corrected) for c in result.corrections] == [
        ("total in figures", Decimal("6000.00"), Decimal("5000.00")),
        ("total", Decimal("5000.00"), Decimal("6720.00")),
    ]
    assert result.corrected_total == Decimal("6720.00")


def test_a_misplaced_decimal_point_in_a_unit_price_is_corrected_from_the_total() -> None:
    sheet = PriceSheet(
        Decimal("73470.00"), "柒万叁仟肆佰柒拾元整", (_line(BED, "79.0", "93", "73470.00"),)
    )
    result = correct_arithmetic(sheet)
    assert result.corrections == (
        Correction(
            f"line 1 ({BED}) unit price",
            Decimal("79.0"),
            Decimal("790.00"),
            DECIMAL_POINT_MISPLACED,
        ),
    )
    assert str(result.lines[0].unit_price) == "790.00"
    assert result.lines[0].total == Decimal("73470.00")
    assert result.corrected_total == Decimal("73470.00")


def test_a_unit_price_ten_times_too_high_is_also_a_misplaced_decimal_point() -> None:
    sheet = PriceSheet(
        Decimal("73470.00"), "柒万叁仟肆佰柒拾元整", (_line(BED, "7900", "93", "73470.00"),)
    )
    result = correct_arithmetic(sheet)
    assert result.lines[0].unit_price == Decimal("790.00")
    assert [c.subject for c in result.corrections] == [f"line 1 ({BED}) unit price"]


def test_a_unit_price_with_more_decimals_keeps_them_when_its_point_is_moved() -> None:
    sheet = PriceSheet(
        Decimal("1234.50"), "壹仟贰佰叁拾肆元伍角", (_line("螺丝", "1.2345", "100", "1234.50"),)
    )
    result = correct_arithmetic(sheet)
    assert str(result.lines[0].unit_price) == "12.345"


def test_a_line_total_is_recomputed_rounding_half_up_to_the_cent() -> None:
    sheet = PriceSheet(Decimal("0.13"), "壹角叁分", (_line("垫片", "0.125", "1", "0.12"),))
    result = correct_arithmetic(sheet)
    assert result.lines[0].total == Decimal("0.13")
    assert [c.subject for c in result.corrections] == ["line 1 (垫片) total"]


def test_a_sheet_with_nothing_to_correct_is_left_unchanged() -> None:
    lines = (
        _line(BED, "790.00", "60", "47400.00"),
        _line("物品摆放架", "560.00", "28", "15680.00"),
    )
    sheet = PriceSheet(Decimal("63080.00"), "人民币陆万叁仟零捌拾元整", lines)
    result = correct_arithmetic(sheet)
    assert result.changed is False
    assert result.corrections == ()
    assert result.lines == lines
    assert result.corrected_total == Decimal("63080.00")


def test_a_unit_price_whose_product_rounds_to_the_total_is_not_a_slip() -> None:
    sheet = PriceSheet(Decimal("0.38"), "叁角捌分", (_line("垫片", "0.125", "3", "0.38"),))
    assert correct_arithmetic(sheet).changed is False


def test_an_unreadable_capital_amount_is_refused() -> None:
    sheet = PriceSheet(Decimal("100.00"), "壹佰伍元", ())
    with pytest.raises(InvalidInput, match="零 missing before 伍"):
        correct_arithmetic(sheet)


def test_a_line_with_no_quantity_is_refused() -> None:
    with pytest.raises(InvalidInput, match="quantity of 铺板 must be positive"):
        _line("铺板", "130.00", "0", "0.00")


def test_a_total_with_more_than_two_decimals_is_refused() -> None:
    with pytest.raises(InvalidInput, match="total in figures must have at most 2 decimals"):
        PriceSheet(Decimal("2.5070"), "贰元伍角", ())
