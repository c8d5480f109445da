"""What every benchmark prints for a set of timings: the median and the 90th percentile."""

from __future__ import annotations

import statistics


def pct(values: list[float], p: float) -> float:
    """The value at fraction p of the sorted values (0.95: the 95th percentile)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def ms_summary(seconds: list[float]) -> str:
    """Median and p90 of timings given in seconds, printed in milliseconds."""
    return f"median {statistics.median(seconds) * 1e3:7.2f} ms   p90 {pct(seconds, 0.9) * 1e3:7.2f} ms"
