"""The JSON Schema of each typed command says what the parser accepts (json_schema.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from commands.messages import CheckIn, LotTerms, RecordCalendar, ScoreSheet, SubmitScores
from ledger.errors import InvalidInput
from ledger.procedure import dispatch  # noqa: F401  (registers every command)
from ledger.procedure.base import HANDLERS
from ledger.procedure.json_schema import args_schema
from ledger.procedure.schema import parse

VALIDATOR = jsonschema.Draft202012Validator


@pytest.mark.parametrize("name", sorted(HANDLERS))
def test_every_command_has_a_valid_schema_refusing_unknown_fields(name: str) -> None:
    schema = args_schema(HANDLERS[name].command)
    VALIDATOR.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert not VALIDATOR(schema).is_valid({"no such field": 1})


def _valid(command: Any) -> bool:
    return VALIDATOR(args_schema(type(command))).is_valid(command.args())


def test_canonical_arguments_validate_and_the_parser_agrees() -> None:
    scores = SubmitScores("T", "1", (ScoreSheet("a", Decimal("26.00"), Decimal("34.50")),))
    for command in (CheckIn("T", "1"), scores):
        assert _valid(command)
        assert parse(type(command), command.args()).args() == command.args()


def test_a_field_with_a_default_must_be_given_and_none_may_be_null() -> None:
    schema = args_schema(RecordCalendar)
    assert "make_up_days" in schema["required"]  # default (): written, so required
    args = RecordCalendar(2021, (date(2021, 1, 1),), "source").args()
    del args["make_up_days"]
    assert not VALIDATOR(schema).is_valid(args)
    with pytest.raises(InvalidInput, match="make_up_days"):
        parse(RecordCalendar, args)


@pytest.mark.parametrize("budget", ["555460.001", "1e5", "-1.00", "0555460.00", 555460])
def test_money_that_the_parser_refuses_breaks_the_schema_too(budget: Any) -> None:
    schema = args_schema(LotTerms)
    args = {"lot": "1", "name": "食堂设备", "budget": budget, "ceiling": "555460.00"}
    assert not VALIDATOR(schema).is_valid(args)
    with pytest.raises(InvalidInput):
        parse(LotTerms, args)


def test_a_lone_surrogate_in_a_string_is_refused_naming_its_field() -> None:
    args = RecordCalendar(2021, (date(2021, 1, 1),), "source").args()
    args["source"] = "State Council \ud800 notice"
    with pytest.raises(InvalidInput, match=r"args\.source: the string holds a lone surrogate"):
        parse(RecordCalendar, args)
