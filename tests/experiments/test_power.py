"""Power of the paired t-test and the seeds it needs, against statsmodels and a closed form."""
from __future__ import annotations

import math

import pytest
from scipy import stats as sps

from genlab.report import power
from genlab.report.stats import paired

CASES = [(0.5, 10), (1.0, 5), (0.2, 50), (2.0, 3), (0.8, 2), (0.05, 1000)]


@pytest.mark.parametrize("effect,n", CASES)
def test_power_matches_statsmodels(effect, n):
    from statsmodels.stats.power import TTestPower

    expected = TTestPower().power(effect_size=effect, nobs=n, alpha=0.05, alternative="two-sided")
    assert power.power(effect, n) == pytest.approx(expected, rel=1e-9)
    assert power.power(-effect, n) == pytest.approx(expected, rel=1e-9)  # two-sided: the sign does not matter


def test_power_at_no_effect_is_alpha_and_large_samples_approach_the_normal_closed_form():
    assert power.power(0.0, 7) == pytest.approx(0.05, rel=1e-9)
    # n → ∞: the noncentral t tends to N(δ√n, 1): power ≈ Φ(δ√n − z) + Φ(−δ√n − z)
    d, n, z = 0.1, 1000, sps.norm.ppf(0.975)
    closed = sps.norm.cdf(d * math.sqrt(n) - z) + sps.norm.cdf(-d * math.sqrt(n) - z)
    assert power.power(d, n) == pytest.approx(closed, abs=2e-3)


@pytest.mark.parametrize("effect", [0.5, 1.0, 0.1, 3.0, 1.3])
def test_seeds_needed_is_statsmodels_solution_rounded_up(effect):
    from statsmodels.stats.power import TTestPower

    solved = TTestPower().solve_power(effect_size=effect, power=0.8, alpha=0.05)
    assert power.seeds_needed(effect) == max(2, math.ceil(solved))
    n = power.seeds_needed(effect)
    assert power.power(effect, n) >= 0.8 and (n == 2 or power.power(effect, n - 1) < 0.8)


def test_seeds_needed_is_capped():
    assert power.seeds_needed(0.05) is None  # statsmodels: 3,142 pairs
    assert power.seeds_needed(0.0) is None
    assert power.seeds_text(None) == "more than 1,000 seeds"


@pytest.mark.parametrize("n", [2, 3, 5, 10, 30])
def test_detectable_effect_matches_statsmodels(n):
    from statsmodels.stats.power import TTestPower

    expected = TTestPower().solve_power(nobs=n, power=0.8, alpha=0.05)
    assert power.detectable_effect(n) == pytest.approx(expected, rel=1e-6)


def test_analysis_of_a_test_and_its_sentence():
    test = paired([0.90, 0.88, 0.89], [0.88, 0.90, 0.895])  # p ≈ 0.9: seed noise
    found = power.analyse(test)
    d = test.difference
    assert found.seeds == power.seeds_needed(d.mean / d.std) and found.seeds is None  # a tiny mean difference
    assert found.detectable == pytest.approx(power.detectable_effect(3) * d.std)
    assert found.rough and found.seeds_range[0] is not None  # the std's low end would need fewer
    text = power.sentence(found)
    assert "more than 1,000 seeds" in text and "the 3 seeds run detect differences of ±" in text
    assert "rests on 3 seeds only" in text


def test_std_interval_and_no_analysis_without_a_p_value():
    low, high = power.std_interval(1.0, 3)
    assert (low, high) == pytest.approx((math.sqrt(2 / sps.chi2.ppf(0.975, 2)), math.sqrt(2 / sps.chi2.ppf(0.025, 2))))
    assert power.analyse(paired([1.0, 1.0], [1.0, 1.0])) is None
    assert power.analyse(paired([1.0], [0.5])) is None
    many = paired([0.9 + 0.001 * i for i in range(12)], [0.9 + 0.0013 * (i % 5) for i in range(12)])
    assert not power.analyse(many).rough  # 12 seeds: no range
