"""Same brand (§18): brand names compared after normalising, and bidders counted by brand."""

from __future__ import annotations

import pytest

from ledger.rules.brands import bidders_counted, brand_key


@pytest.mark.parametrize(
    ("written", "plain"),
    [
        ("Midea", "Midea"),
        ("ＭＩＤＥＡ", "Midea"),  # full-width letters
        ("  midea  ", "Midea"),  # case, surrounding space
        ("Mi dea", "Midea"),  # inner space
        ("Mi\u3000dea", "Midea"),  # ideographic space
        ("Mi-dea.", "Midea"),  # punctuation
        ("Midea®", "Midea"),  # trademark signs
        ("Midea™", "Midea"),
        ("Mi\u200bdea", "Midea"),  # zero-width space
        ("美的（Midea）", "美的 Midea"),  # full-width brackets
        ("美 的", "美的"),
    ],
)
def test_names_that_differ_only_in_form_are_one_brand(written: str, plain: str) -> None:
    assert brand_key(written) == brand_key(plain)


@pytest.mark.parametrize(("one", "other"), [("美的", "Midea"), ("Haier", "Haler"), ("A1", "Al")])
def test_names_that_differ_in_a_letter_are_two_brands(one: str, other: str) -> None:
    assert brand_key(one) != brand_key(other)


@pytest.mark.parametrize("blank", [None, "", "   ", "-", "®"])
def test_a_blank_brand_is_no_brand(blank: str | None) -> None:
    assert brand_key(blank) is None


def test_bidders_of_one_brand_count_once_and_bidders_without_a_brand_each_once() -> None:
    brands = {"甲": "Kaiyue", "乙": " kai-yue ", "丙": "海尔", "丁": None, "戊": ""}
    assert bidders_counted(brands) == 4  # Kaiyue, 海尔, 丁, 戊
    assert bidders_counted({}) == 0
    assert bidders_counted({"甲": "Midea", "乙": "ＭＩＤＥＡ", "丙": "美的"}) == 2
