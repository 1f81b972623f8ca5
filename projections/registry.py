"""Every read model the runner keeps, by name; append a projection here to have it kept."""

from __future__ import annotations

from projections.model import Projection

PROJECTIONS: list[Projection] = []
