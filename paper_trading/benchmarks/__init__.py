"""Benchmarks run by `manage.py benchmark` (figures in docs/performance.md)."""


def percentile(ordered: list[float], q: float) -> float:
    """The q-quantile (0 < q <= 1) of sorted samples: the value at or below which that share lies."""
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * q) - 1))]
