"""The tender procedure as pure functions: typed commands, guards, rules and appliers.

Nothing here touches storage or a clock, so the service that accepts commands, ``verify``
and the offline bundle verifier all run the very same rules (T5). Import
:mod:`ledger.procedure.dispatch` for :func:`decide` and :func:`apply`.
"""
