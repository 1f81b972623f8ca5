"""Capital-numeral amounts (大写金额): parsing, writing, and the round trip."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidInput
from ledger.numerals import format_capital_amount, parse_capital_amount


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("叁拾叁万肆仟捌佰陆拾元整", "334860.00"),
        ("人民币肆拾陆万伍仟肆佰叁拾元整", "465430.00"),
        ("壹佰零伍元陆角柒分", "105.67"),
        ("壹仟元零伍分", "1000.05"),
        ("贰亿零叁拾万元整", "200300000.00"),
        ("零元整", "0.00"),
        ("伍拾伍万伍仟肆佰陆拾元整", "555460.00"),
        ("壹拾万柒仟元零伍角叁分", "107000.53"),
        ("陆仟零柒元壹角肆分", "6007.14"),
        ("壹仟肆佰零玖元伍角", "1409.50"),
        ("壹亿零壹元整", "100000001.00"),
        ("玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分", "999999999999.99"),
    ],
)
def test_a_standard_capital_amount_is_read_to_the_cent(text: str, amount: str) -> None:
    parsed = parse_capital_amount(text)
    assert parsed == Decimal(amount)
    assert parsed.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("叁拾叁万肆仟捌佰陆拾圆正", "334860.00"),
        ("人民币壹佰元", "100.00"),
        ("拾元整", "10.00"),
        ("拾万元整", "100000.00"),
        ("壹拾万柒仟元", "107000.00"),
        ("壹拾万零柒仟元", "107000.00"),
        ("壹仟陆佰捌拾元叁角贰分", "1680.32"),
        ("壹仟陆佰捌拾元零叁角贰分", "1680.32"),
        ("壹佰元伍角整", "100.50"),
        ("伍角伍分", "0.55"),
        ("零元伍角", "0.50"),
        ("零元零伍分", "0.05"),
        ("  人民币壹元整 ", "1.00"),
    ],
)
def test_the_usual_variants_of_the_form_are_accepted(text: str, amount: str) -> None:
    assert parse_capital_amount(text) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no amount"),
        ("人民币整", "no amount"),
        ("壹佰A元", "unknown character 'A'"),
        ("壹佰", "元 is missing"),
        ("壹佰万", "元 is missing"),
        ("叁肆元", "two digits without a unit"),
        ("壹佰伍元", "零 missing before 伍"),
        ("壹仟元伍分", "零 missing before 伍"),
        ("壹佰元伍", "伍 at the end has no unit"),
        ("壹佰壹仟元", "units out of order"),
        ("伍分叁角", "units out of order"),
        ("壹佰零零伍元", "零 twice in a row"),
        ("壹佰零拾元", "拾 has no digit before it"),
        ("佰元", "佰 has no digit before it"),
        ("零壹元", "零 before the first digit"),
        ("壹仟零伍佰元", "零 before 伍 where no place is skipped"),
        ("壹拾零元", "零 before 元 is not followed by a digit"),
        ("壹元元", "元 appears twice"),
        ("壹佰伍角", "角 comes before 元"),
        ("万元", "万 has no digits before it"),
        ("零元壹元", "零元 can only be followed by 角 or 分"),
    ],
)
def test_a_malformed_amount_is_refused_quoting_the_text_and_the_problem(
    text: str, problem: str
) -> None:
    with pytest.raises(InvalidInput) as refusal:
        parse_capital_amount(text)
    assert f"{text!r}" in str(refusal.value)
    assert problem in str(refusal.value)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("334860.00", "叁拾叁万肆仟捌佰陆拾元整"),
        ("100.05", "壹佰元零伍分"),
        ("105.67", "壹佰零伍元陆角柒分"),
        ("1000.05", "壹仟元零伍分"),
        ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
        ("107000.53", "壹拾万柒仟元零伍角叁分"),
        ("200300000", "贰亿零叁拾万元整"),
        ("100007000", "壹亿零柒仟元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("10", "壹拾元整"),
        ("1409.5", "壹仟肆佰零玖元伍角"),
        ("0.55", "伍角伍分"),
        ("0.05", "伍分"),
        ("0", "零元整"),
    ],
)
def test_an_amount_is_written_in_the_standard_form(amount: str, text: str) -> None:
    assert format_capital_amount(Decimal(amount)) == text


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        ("-1.00", "negative"),
        ("1.005", "more than 2 decimals"),
        ("1000000000000", "10^12 yuan or more"),
        ("NaN", "not a number"),
    ],
)
def test_an_amount_that_cannot_be_written_is_refused(amount: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(problem)):
        format_capital_amount(Decimal(amount))


@given(st.integers(min_value=0, max_value=10**14 - 1))
def test_writing_then_reading_an_amount_gives_it_back(cents: int) -> None:
    amount = Decimal(cents).scaleb(-2)
    text = format_capital_amount(amount)
    assert parse_capital_amount(text) == amount
    assert parse_capital_amount("人民币" + text) == amount
