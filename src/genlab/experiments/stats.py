"""Means with 95 % confidence intervals, and paired differences tested over seeds.

Intervals use Student's t (the trials are few: 3–10 seeds), computed by scipy. A paired
difference pairs the two models' values of the same trial (same seed, same data split),
which removes the variation the seed gives both — the test the question "does A beat B
on the same data?" asks for.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

LEVEL = 0.95
ALPHA = 1 - LEVEL


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    std: float  # sample standard deviation (ddof 1); 0 for n = 1
    half_width: float | None  # mean ± half_width is the 95 % CI; None for n < 2

    @property
    def ci(self) -> tuple[float, float] | None:
        return None if self.half_width is None else (self.mean - self.half_width, self.mean + self.half_width)


def summarize(values: list[float]) -> Summary:
    from scipy import stats

    n = len(values)
    if n == 0:
        raise ValueError("no values to summarise")
    mean = math.fsum(values) / n
    if n == 1:
        return Summary(1, mean, 0.0, None)
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(1 - ALPHA / 2, n - 1)) * std / math.sqrt(n)
    return Summary(n, mean, std, half)


@dataclass(frozen=True)
class PairedTest:
    difference: Summary  # of a − b over the paired trials
    p_value: float | None  # two-sided paired t-test; None where it is undefined (n < 2, no variance)

    @property
    def significant(self) -> bool | None:
        """True/False at 5 %; None where untested (one pair) or undefined."""
        if self.difference.n < 2:
            return None
        if self.p_value is None:  # every pair differs by exactly the same amount
            return self.difference.mean != 0 if self.difference.n >= 3 else None
        return self.p_value < ALPHA


def paired(a: list[float], b: list[float]) -> PairedTest:
    from scipy import stats

    if len(a) != len(b):
        raise ValueError("paired values must come in pairs")
    diffs = [x - y for x, y in zip(a, b)]
    summary = summarize(diffs)
    if summary.n < 2:
        return PairedTest(summary, None)
    if summary.std == 0:  # the t statistic is undefined: no difference at all, or the same one every time
        return PairedTest(summary, 1.0 if summary.mean == 0 else None)
    return PairedTest(summary, float(stats.ttest_rel(a, b).pvalue))


def format_mean(s: Summary, digits: int = 4) -> str:
    """`0.9012 ± 0.0031` (95 % CI half-width) when n > 1, else the bare number."""
    if s.half_width is None:
        return f"{s.mean:.{digits}g}"
    return f"{s.mean:.{digits}g} ± {s.half_width:.2g}"
