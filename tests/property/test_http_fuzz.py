"""Property-based fuzzing of the served API from its own OpenAPI document (schemathesis).

Every operation gets a bounded number of generated requests, valid and invalid by its
schema, against a real server on loopback over a ledger with the seed's parties and
tender: no answer may be a 5xx, every answer must match its documented status, media
type and schema, and what the schema calls invalid must be refused with a 4xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.modes import GenerationMode

from commands import seed
from tests.support.http import Served, register_over_http, served_ledger

READS = 15  # generated requests per read operation and mode
COMMANDS = 4  # per command: random bodies all fail at the signature, bounded for time
CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {
            "examples": {"enabled": False},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
        "generation": {"deterministic": True},
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("fuzz")
    with served_ledger(f"sqlite:///{folder / 'ledger.db'}", folder) as served:
        register_over_http(served)
        served.world.act(
            seed.AGENCY,
            "agency",
            seed.invitation(served.world),
            at=seed.beijing("2020-12-25 09:00"),
        )
        yield served


def _fuzz(operation: Any, mode: GenerationMode, **fixed: Any) -> None:
    """Generated requests to one operation; the checks raise on the first failure."""
    examples = COMMANDS if operation.path.startswith("/commands/") else READS

    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # a negative case cannot be made where every value is valid (no parameters)


def test_no_request_makes_the_api_fail_or_break_its_own_schema(served: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{served.url}/openapi.json", config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode)
        if "{tender}" in operation.path:  # the seed's tender, at generated times
            _fuzz(operation, GenerationMode.POSITIVE, path_parameters={"tender": seed.CODE})
