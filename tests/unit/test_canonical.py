"""RFC 8785 (JCS) canonical bytes against the public vectors in tests/vectors/jcs."""

from __future__ import annotations

import hashlib
import json
import struct
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.canonical import _encode, canonical_bytes, domain_digest, same_value
from ledger.errors import InvalidInput

JCS = Path(__file__).resolve().parents[1] / "vectors" / "jcs"
VECTOR_NAMES = ("arrays", "french", "structures", "unicode", "values", "weird")
ES6_LINES = 2200


def exact_bytes(value: Any) -> bytes:
    """The exact (pure Python) encoder the fast path must agree with."""
    return _encode(value, "$", 0).encode("utf-8")


def _nested(depth: int) -> Any:
    """A list nested ``depth`` levels below the top value."""
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def _input(name: str) -> Any:
    return json.loads((JCS / f"{name}.input.json").read_bytes())


def _expected(name: str) -> bytes:
    """The output file's bytes without one trailing newline (the files may carry one)."""
    data = (JCS / f"{name}.output.json").read_bytes()
    return data.removesuffix(b"\n")


def _outhex(name: str) -> bytes:
    return bytes.fromhex("".join((JCS / f"{name}.outhex.txt").read_text().split()))


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_float(item) for item in value)
    return False


FLOAT_FREE = tuple(name for name in VECTOR_NAMES if not _has_float(_input(name)))
WITH_FLOATS = tuple(name for name in VECTOR_NAMES if _has_float(_input(name)))


def test_the_vector_folder_holds_exactly_the_six_upstream_cases() -> None:
    found = sorted(path.name.removesuffix(".input.json") for path in JCS.glob("*.input.json"))
    assert found == sorted(VECTOR_NAMES)
    assert FLOAT_FREE == ("arrays", "french", "unicode", "weird")
    assert WITH_FLOATS == ("structures", "values")


@pytest.mark.parametrize("name", VECTOR_NAMES)
def test_each_output_file_agrees_with_its_authoritative_hex(name: str) -> None:
    assert _expected(name) == _outhex(name)


@pytest.mark.parametrize("name", FLOAT_FREE)
def test_a_float_free_vector_canonicalises_byte_for_byte(name: str) -> None:
    assert canonical_bytes(_input(name)) == _expected(name)


@pytest.mark.parametrize("name", WITH_FLOATS)
def test_a_vector_with_floats_is_refused_by_the_ledger_but_matched_by_its_library(
    name: str,
) -> None:
    with pytest.raises(InvalidInput, match=r"floats are not allowed in signed data"):
        canonical_bytes(_input(name))
    assert bytes(rfc8785.dumps(_input(name))) == _expected(name)


def test_the_values_vector_is_refused_at_its_first_float() -> None:
    with pytest.raises(InvalidInput) as caught:
        canonical_bytes(_input("values"))
    assert str(caught.value) == (
        "$.numbers[0]: floats are not allowed in signed data; use a decimal string"
    )


def _es6_cases() -> list[tuple[float, str]]:
    cases = []
    for line in (JCS / "es6numbers_first2200.txt").read_text().splitlines():
        ieee_hex, expected = line.split(",")
        number = struct.unpack(">d", struct.pack(">Q", int(ieee_hex, 16)))[0]
        cases.append((number, expected))
    return cases


def test_the_es6_number_file_has_its_2200_lines() -> None:
    cases = _es6_cases()
    assert len(cases) == ES6_LINES
    assert cases[2] == (5e-324, "5e-324")


def test_every_es6_number_serialises_as_ecmascript_does() -> None:
    mismatches = [
        (number, expected, bytes(rfc8785.dumps(number)).decode())
        for number, expected in _es6_cases()
        if bytes(rfc8785.dumps(number)).decode() != expected
    ]
    assert mismatches == []


def test_a_float_deep_in_a_nested_value_is_refused_with_its_path() -> None:
    value = {"lots": [{"lot": "1"}, {"lot": "2", "terms": {"budget": 555460.0}}]}
    with pytest.raises(InvalidInput) as caught:
        canonical_bytes(value)
    assert str(caught.value) == (
        "$.lots[1].terms.budget: floats are not allowed in signed data; use a decimal string"
    )


def test_a_float_inside_a_tuple_is_refused_too() -> None:
    with pytest.raises(InvalidInput, match=r"^\$\.prices\[2\]: floats are not allowed"):
        canonical_bytes({"prices": ("1.00", 2, 3.5)})


def test_money_as_a_decimal_string_and_integers_canonicalise() -> None:
    value = {"z": 1, "budget": "555460.00", "a": [True, None, "€"]}
    assert canonical_bytes(value) == b'{"a":[true,null,"\xe2\x82\xac"],"budget":"555460.00","z":1}'


def test_a_domain_digest_covers_the_domain_label_and_the_canonical_bytes() -> None:
    digest = domain_digest(b"bidledger/test/v1\n", {"b": "2", "a": 1})
    assert digest == hashlib.sha256(b'bidledger/test/v1\n{"a":1,"b":"2"}').digest()


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=6)
_JSON_LEAVES = (
    st.none() | st.booleans() | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1) | _TEXT
)
_JSON = st.recursive(
    _JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_the_fast_encoder_writes_the_bytes_the_exact_encoder_and_the_library_write(
    value: Any,
) -> None:
    assert canonical_bytes(value) == exact_bytes(value) == bytes(rfc8785.dumps(value))


def test_keys_that_sort_differently_in_utf16_are_ordered_as_jcs_orders_them() -> None:
    value = {"\U0001f600": 1, "\ufb01": 2, "a": 3}  # U+1F600 sorts before U+FB01 in UTF-16
    assert canonical_bytes(value) == bytes(rfc8785.dumps(value))
    assert canonical_bytes(value).index("\U0001f600".encode()) < canonical_bytes(value).index(
        "\ufb01".encode()
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({1: "a"}, r"^\$: object keys must be strings$"),
        ({"n": 2**53}, r"^\$\.n: integer 9007199254740992 is outside"),
        ({"s": "\ud800"}, r"^\$\.s: string holds a lone surrogate$"),
        ({"d": Decimal("1.5")}, r"^\$\.d: Decimal has no canonical JSON form$"),
        (_nested(33), r"nested more than 32 levels deep$"),
    ],
)
def test_what_the_fast_path_cannot_write_is_refused_with_its_path(value: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        canonical_bytes(value)


def test_a_value_nested_exactly_to_the_limit_is_written() -> None:
    assert canonical_bytes(_nested(32)) == exact_bytes(_nested(32))


@settings(max_examples=300, deadline=None)
@given(_JSON, _JSON)
def test_values_said_to_be_the_same_have_the_same_canonical_bytes(one: Any, two: Any) -> None:
    assert same_value(one, json.loads(json.dumps(one)))
    if same_value(one, two):
        assert canonical_bytes(one) == canonical_bytes(two)


@pytest.mark.parametrize(
    ("one", "two"),
    [
        ({"n": 1}, {"n": True}),
        ([1, 2], (1, 2)),
        ({"a": "x"}, {"a": "y"}),
        ({"a": 1}, {"a": 1, "b": 2}),
        ({"a": 1.0}, {"a": 1.0}),
        ({"a": Decimal("1")}, {"a": Decimal("1")}),
        ({1: "x"}, {1: "x"}),
    ],
)
def test_values_of_other_types_or_contents_are_not_the_same(one: Any, two: Any) -> None:
    assert not same_value(one, two)
