"""Every read model the runner keeps, by name; append a projection here to have it kept."""

from __future__ import annotations

from projections.model import Projection

PROJECTIONS: list[Projection] = []


def projection_named(name: str) -> Projection | None:
    """The registered projection called ``name``, if any."""
    return next((projection for projection in PROJECTIONS if projection.name == name), None)
