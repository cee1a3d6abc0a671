"""How many seeds a paired comparison needs: the power of the two-sided paired t-test (the test
genlab.report.stats.paired runs), from the noncentral t distribution (scipy).

With n pairs whose differences have mean δ and standard deviation σ, the t statistic follows a
noncentral t with n − 1 degrees of freedom and noncentrality δ/σ·√n; the power is the chance it
lands beyond the two-sided critical value. A comparison that found no significant difference is
told how many seeds would find the observed difference with probability POWER, and how small a
difference its own seeds could find. σ is itself estimated from the seeds run: from few of them
it could be several times larger or smaller, so the counts are given with the range its 95 %
interval implies.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from genlab.report.stats import ALPHA, PairedTest

POWER = 0.8
MAX_SEEDS = 1000  # beyond this the answer is "more than 1,000 seeds": no study runs that many
ROUGH_BELOW = 10  # a std from fewer seeds: its 95 % interval spans more than a factor of 2.6


def power(effect: float, n: int, alpha: float = ALPHA) -> float:
    """Power of the two-sided paired t-test with n pairs at the standardised effect δ/σ."""
    from scipy import stats

    df, crit = n - 1, float(stats.t.ppf(1 - alpha / 2, n - 1))
    nc = abs(effect) * math.sqrt(n)
    return float(stats.nct.sf(crit, df, nc) + stats.nct.sf(crit, df, -nc))  # P(T < −crit) = P(−T > crit): no NaN far out


def seeds_needed(effect: float, target: float = POWER, cap: int = MAX_SEEDS) -> int | None:
    """The smallest n ≥ 2 whose power at `effect` reaches `target`; None if more than `cap`."""
    if effect == 0 or power(effect, cap) < target:
        return None
    low, high = 1, cap  # power(low) < target <= power(high): power grows with n
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if power(effect, mid) >= target else (mid, high)
    return max(high, 2)


def detectable_effect(n: int, target: float = POWER) -> float:
    """The smallest standardised effect δ/σ that n pairs detect with probability `target`."""
    from scipy import optimize

    high = 1.0
    while power(high, n) < target:
        high *= 2
    return float(optimize.brentq(lambda d: power(d, n) - target, 0.0, high, xtol=1e-10))


@dataclass(frozen=True)
class SeedPower:
    n: int  # seeds (pairs) the std comes from
    difference: float  # the observed mean difference
    std: float  # of the differences
    seeds: int | None  # seeds to detect `difference` with probability POWER; None: more than MAX_SEEDS
    detectable: float  # the smallest |difference| the n seeds detect with probability POWER
    seeds_range: tuple[int | None, int | None] | None  # seeds needed at the ends of the std's 95 % interval,
    # where the std rests on fewer than ROUGH_BELOW seeds; else None

    @property
    def rough(self) -> bool:
        return self.seeds_range is not None


def analyse(test: PairedTest) -> SeedPower | None:
    """Power facts for a paired test with a p-value (n ≥ 2, differences that vary); else None."""
    d = test.difference
    if test.p_value is None or d.n < 2 or d.std == 0:
        return None
    seeds = seeds_needed(d.mean / d.std)
    spread = None
    if d.n < ROUGH_BELOW:
        low, high = std_interval(d.std, d.n)
        spread = (seeds_needed(d.mean / low), seeds_needed(d.mean / high))  # fewest, most
    return SeedPower(d.n, d.mean, d.std, seeds, detectable_effect(d.n) * d.std, spread)


def std_interval(std: float, n: int) -> tuple[float, float]:
    """95 % interval of σ from a sample std of n values (chi-square, n − 1 degrees of freedom)."""
    from scipy import stats

    df = n - 1
    return (std * math.sqrt(df / stats.chi2.ppf(1 - ALPHA / 2, df)), std * math.sqrt(df / stats.chi2.ppf(ALPHA / 2, df)))


def seeds_text(seeds: int | None) -> str:
    return f"more than {MAX_SEEDS:,} seeds" if seeds is None else f"{seeds:,} seeds"


def sentence(p: SeedPower) -> str:
    """What the seeds could and could not detect, in words."""
    size = f"{p.difference:+.3g}" if p.difference else "0"
    needs = (f"Detecting a difference of this size ({size}) with probability {POWER:g} would take "
             f"{seeds_text(p.seeds)}" if p.difference else "The observed difference is 0: no number of seeds detects it")
    text = (f"{needs} (paired t-test, std of the differences {p.std:.3g}); the {p.n} seeds run detect differences "
            f"of ±{p.detectable:.3g} or larger with that probability.")
    if p.rough and p.difference:
        fewest, most = p.seeds_range
        span = (f"range from {fewest:,} to {seeds_text(most)}" if fewest is not None
                else f"exceed {MAX_SEEDS:,} even at its low end")
        text += f" That std rests on {p.n} seeds only, so these counts are rough: across its 95 % interval the seeds needed {span}."
    return text
