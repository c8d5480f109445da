"""What every benchmark prints for a set of timings: the median and the 90th percentile."""

from __future__ import annotations

import statistics


def ms_summary(seconds: list[float]) -> str:
    """Median and p90 of timings given in seconds, printed in milliseconds."""
    ordered = sorted(seconds)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {statistics.median(ordered) * 1e3:7.2f} ms   p90 {p90 * 1e3:7.2f} ms"
