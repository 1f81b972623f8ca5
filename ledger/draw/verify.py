"""Compare a recorded draw with its recomputation and say exactly what differs.

``difference`` walks the two records (:meth:`DrawResult.to_record`) side by side. Lists of
entries with an ``"id"`` (eligible, excluded, order, members, reserves) are matched by id,
so one extra or missing expert is reported once rather than shifting every later line;
their order is compared separately. Each difference is one line: the path, the recorded
value, the recomputed value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ledger.draw.algorithm import recompute
from ledger.draw.pool import DrawRule, Expert
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure


def difference(
    recorded: Mapping[str, Any], recomputed: Mapping[str, Any], prefix: str = "draw"
) -> tuple[str, ...]:
    """Every difference between two draw records, one line each (empty when they agree);
    paths start at ``prefix``."""
    found: list[str] = []
    _compare(prefix, recorded, recomputed, found)
    return tuple(found)


def verify_draw(recorded: Mapping[str, Any], pool: Sequence[Expert], seed: bytes) -> None:
    """Recompute the recorded draw from its rule, ``pool`` and ``seed``; raise on any difference.

    The recorded refusals to sit (``declined``) are replayed in their recorded order. A draw
    that cannot be recomputed at all (its rule refuses it) is a failure too.
    """
    try:
        rule = DrawRule.from_record(recorded["rule"])
        result = recompute(rule, pool, seed, [str(item) for item in recorded["declined"]])
    except (KeyError, TypeError) as exc:
        raise VerificationFailure("draw record", f"the record is incomplete: {exc!r}") from exc
    except (InvalidInput, RuleViolation) as exc:
        raise VerificationFailure("draw record", f"the draw cannot be recomputed: {exc}") from exc
    found = difference(recorded, result.to_record())
    if found:
        raise VerificationFailure(
            f"draw {rule.draw_id}",
            f"{len(found)} difference(s) between the record and the recomputation: "
            + "; ".join(found),
        )


def _compare(path: str, recorded: Any, recomputed: Any, found: list[str]) -> None:
    if isinstance(recorded, Mapping) and isinstance(recomputed, Mapping):
        _compare_mappings(path, recorded, recomputed, found)
    elif _keyed(recorded, recomputed):
        _compare_keyed(path, recorded, recomputed, found)
    elif isinstance(recorded, list) and isinstance(recomputed, list):
        for index, (left, right) in enumerate(zip(recorded, recomputed, strict=False)):
            _compare(f"{path}[{index}]", left, right, found)
        if len(recorded) != len(recomputed):
            found.append(f"{path}: recorded {len(recorded)} entries, recomputed {len(recomputed)}")
    elif type(recorded) is not type(recomputed) or recorded != recomputed:
        found.append(f"{path}: recorded {recorded!r}, recomputed {recomputed!r}")


def _compare_mappings(
    path: str, recorded: Mapping[str, Any], recomputed: Mapping[str, Any], found: list[str]
) -> None:
    for key in sorted(set(recorded) | set(recomputed)):
        if key not in recomputed:
            found.append(f"{path}.{key}: recorded {recorded[key]!r}, absent when recomputed")
        elif key not in recorded:
            found.append(f"{path}.{key}: absent from the record, recomputed {recomputed[key]!r}")
        else:
            _compare(f"{path}.{key}", recorded[key], recomputed[key], found)


def _keyed(*lists: Any) -> bool:
    """Both are lists of entries with distinct ids (an empty list fits), one at least not empty."""
    if not all(isinstance(value, list) for value in lists) or not any(lists):
        return False
    for value in lists:
        if not all(isinstance(item, Mapping) and "id" in item for item in value):
            return False
        if len({item["id"] for item in value}) != len(value):
            return False
    return True


def _compare_keyed(path: str, recorded: list[Any], recomputed: list[Any], found: list[str]) -> None:
    left = {item["id"]: item for item in recorded}
    right = {item["id"]: item for item in recomputed}
    for expert_id in sorted(set(left) - set(right)):
        found.append(f"{path}: {expert_id} recorded, absent when recomputed")
    for expert_id in sorted(set(right) - set(left)):
        found.append(f"{path}: {expert_id} absent from the record, recomputed")
    for expert_id in sorted(set(left) & set(right)):
        _compare(f"{path}[id={expert_id}]", left[expert_id], right[expert_id], found)
    common_left = [i for i in left if i in right]
    common_right = [i for i in right if i in left]
    if common_left != common_right:
        found.append(f"{path}: recorded in the order {common_left}, recomputed {common_right}")
