"""The parties of a release, from the registry, with their OCDS roles.

Names, addresses and telephone numbers are the registry's (signed by the registration
authority); a party the registry does not know is named by its id.
"""

from __future__ import annotations

from typing import Any

from ledger.procedure.registry_state import RegistryState

ROLE_ORDER = ("buyer", "procuringEntity", "reviewBody", "enquirer", "tenderer", "supplier")


class Roles:
    """Party ids and the roles each plays in one release, in the order first named."""

    def __init__(self) -> None:
        self._roles: dict[str, set[str]] = {}

    def add(self, party: str, role: str) -> None:
        self._roles.setdefault(party, set()).add(role)

    def parties(self) -> list[str]:
        return list(self._roles)

    def with_role(self, role: str) -> list[str]:
        return [party for party, roles in self._roles.items() if role in roles]

    def roles_of(self, party: str) -> list[str]:
        return [role for role in ROLE_ORDER if role in self._roles.get(party, set())]

    def reference(self, registry: RegistryState, party: str) -> dict[str, str]:
        """An OrganizationReference: id and name."""
        return {"id": party, "name": name_of(registry, party)}


def name_of(registry: RegistryState, party: str) -> str:
    found = registry.parties.get(party)
    return found.name if found is not None else party


def parties(roles: Roles, registry: RegistryState) -> list[dict[str, Any]]:
    """Every party named in the release, as an OCDS Organization."""
    result = []
    for party in roles.parties():
        found = registry.parties.get(party)
        attributes = found.attributes if found is not None else {}
        organization: dict[str, Any] = {"id": party, "name": name_of(registry, party)}
        address = str(attributes.get("address", ""))
        if address:
            organization["address"] = {"streetAddress": address, "countryName": "中国"}
        phone = str(attributes.get("phone", ""))
        if phone:
            organization["contactPoint"] = {"telephone": phone}
        organization["roles"] = roles.roles_of(party)
        result.append(organization)
    return result
