"""Means with 95 % confidence intervals, paired differences tested over seeds, the Holm–
Bonferroni adjustment across the tests one report draws, and rliable's probability of
improvement.

Intervals use Student's t (the trials are few: 3–10 seeds), computed by scipy. A paired
difference pairs the two models' values of the same trial (same seed, same data split),
which removes the variation the seed gives both — the test the question "does A beat B
on the same data?" asks for. Where the differences do not vary at all there is no t
statistic and no p-value: the test says which degenerate case it is instead of a p = 1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from genlab.report.page import Estimate

LEVEL = 0.95
ALPHA = 1 - LEVEL
MIN_SEEDS_IMPROVEMENT = 5  # rliable's P(A > B) from fewer runs is too coarse (5 × 5 = 25 pairs)
RESAMPLES = 10_000  # bootstrap resamples of P(A > B): its interval's ends move by < 0.01 between seeds


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
    p_value: float | None  # two-sided paired t-test; None where undefined: one pair, or no spread in a − b
    a: tuple[float, ...] = ()  # the paired values themselves
    b: tuple[float, ...] = ()

    @property
    def constant_difference(self) -> bool:
        """Two pairs or more, and a − b the same in every one (rounding aside): no t statistic."""
        return self.difference.n >= 2 and self.p_value is None

    @property
    def identical(self) -> bool:
        """a and b equal in every seed."""
        return self.constant_difference and self.difference.mean == 0

    @property
    def a_constant(self) -> bool:
        return len(self.a) >= 2 and _constant(self.a, _scale(self.a, self.b))

    @property
    def b_constant(self) -> bool:
        return len(self.b) >= 2 and _constant(self.b, _scale(self.a, self.b))

    @property
    def significant(self) -> bool | None:
        """True/False at 5 % by the unadjusted p; None where untested (one pair, or the same
        non-zero difference from only two pairs)."""
        if self.difference.n < 2:
            return None
        if self.p_value is None:  # a deterministic difference: real from 3 seeds on, none if identical
            return self.difference.mean != 0 if self.difference.n >= 3 or self.identical else None
        return self.p_value < ALPHA


def _scale(a, b) -> float:
    return max([abs(v) for v in (*a, *b)] + [1e-300])


def _constant(values, scale: float) -> bool:
    """Equal up to rounding: a spread below 10⁻¹² of the values' size (float64 rounds at ~10⁻¹⁶)."""
    return max(values) - min(values) <= 1e-12 * scale


def paired(a: list[float], b: list[float]) -> PairedTest:
    from scipy import stats

    if len(a) != len(b):
        raise ValueError("paired values must come in pairs")
    diffs = [x - y for x, y in zip(a, b)]
    summary = summarize(diffs)
    if summary.n < 2:
        return PairedTest(summary, None, tuple(a), tuple(b))
    if _constant(diffs, _scale(a, b)):  # the t statistic is undefined: no difference, or the same one every time
        mean = 0.0 if abs(summary.mean) <= 1e-12 * _scale(a, b) else summary.mean
        return PairedTest(Summary(summary.n, mean, 0.0, 0.0), None, tuple(a), tuple(b))
    return PairedTest(summary, float(stats.ttest_rel(a, b).pvalue), tuple(a), tuple(b))


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm–Bonferroni adjusted p-values, in the input's order: the i-th smallest of m is
    multiplied by m − i + 1, kept at least as large as the one before it and capped at 1
    (Holm 1979). A difference is significant where its adjusted p is below ALPHA; this keeps
    the chance of any false "significant" among the m tests at ALPHA. None (no test) stays
    None and is not counted in m."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (len(tested) - rank) * p))
        out[i] = running
    return out


@dataclass(frozen=True)
class Improvement:
    """P(A better than B) over every pair of one run of A and one run of B, ties counting ½."""

    probability: float
    low: float  # 95 % percentile-bootstrap interval, each side's runs resampled independently
    high: float
    n_a: int
    n_b: int


def improvement_probability(a: list[float], b: list[float], better: str = "higher",
                            seed: int = 0) -> Improvement | None:
    """rliable's probability of improvement (Agarwal et al. 2021) for one task: the Mann–Whitney
    statistic P(A > B) + ½ P(A = B) over all n_a × n_b pairs of runs, with rliable's stratified
    bootstrap interval (each side resampled on its own, percentile method) drawn by
    scipy.stats.bootstrap. It ignores the pairing by seed, as rliable does. None below
    MIN_SEEDS_IMPROVEMENT runs a side."""
    import numpy as np
    from scipy import stats

    if min(len(a), len(b)) < MIN_SEEDS_IMPROVEMENT:
        return None
    sign = 1.0 if better == "higher" else -1.0
    x, y = sign * np.asarray(a, dtype=float), sign * np.asarray(b, dtype=float)
    point = float(_mann_whitney(x, y))
    if np.all(x[:, None] > y[None]) or np.all(x[:, None] < y[None]):  # every resample agrees: no spread
        return Improvement(point, point, point, len(x), len(y))
    res = stats.bootstrap((x, y), _mann_whitney, n_resamples=RESAMPLES, paired=False, vectorized=True,
                          confidence_level=LEVEL, method="percentile", rng=np.random.default_rng(seed))
    low, high = res.confidence_interval
    return Improvement(point, float(low), float(high), len(x), len(y))


def _mann_whitney(x, y, axis: int = -1):
    """P(X > Y) + ½ P(X = Y) along `axis` (any leading batch dimensions: scipy's resamples)."""
    import numpy as np

    x, y = np.moveaxis(x, axis, -1), np.moveaxis(y, axis, -1)
    return ((np.sign(x[..., :, None] - y[..., None, :]) + 1) / 2).mean(axis=(-2, -1))


def estimate(s: Summary) -> Estimate:
    """A report table's number cell: mean, its 95 % CI and n (report.page.Estimate)."""
    low, high = s.ci if s.ci else (None, None)
    return Estimate(s.mean, low, high, s.n)


def format_mean(s: Summary, digits: int = 4) -> str:
    """`0.9012 ± 0.0031` (95 % CI half-width) when n > 1, else the bare number."""
    return estimate(s).text(digits)
