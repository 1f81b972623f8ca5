"""Benchmarks: each figure beside its baseline, measured in the same run (``python -m bench``)."""

__all__: list[str] = []
