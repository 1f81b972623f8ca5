"""The tender's commands and rules, by phase; importing this package registers them all."""

from ledger.procedure.tender import (  # noqa: F401  (each module registers its rules)
    award,
    committee,
    contract,
    corrections,
    draw_plan,
    draw_result,
    draw_secrets,
    evaluation,
    objections,
    opening,
    publication,
    questions,
    ranking,
    remedies,
    reveal,
    submission,
    suspension,
    validity,
    venues,
)
