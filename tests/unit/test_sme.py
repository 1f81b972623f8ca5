"""The small-or-micro declaration (声明函) against the registered enterprise size."""

from __future__ import annotations

import pytest

from ledger.rules.sme import check_declaration


@pytest.mark.parametrize(
    ("declared", "registered", "standing"),
    [
        (True, "micro", "confirmed"),
        (True, "small", "confirmed"),
        (True, "prison_enterprise", "confirmed"),
        (True, "disabled_welfare_unit", "confirmed"),
        (True, "medium", "false"),
        (True, "large", "false"),
        (True, None, "unconfirmed"),
        (True, "Small", "unconfirmed"),  # not a registered size: nothing proves it either way
        (False, "small", "none"),
        (False, "large", "none"),
        (False, None, "none"),
    ],
)
def test_a_declaration_stands_as_the_registry_shows(
    declared: bool, registered: str | None, standing: str
) -> None:
    assert check_declaration(declared, registered) == standing
