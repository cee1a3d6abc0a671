"""Means, 95 % CIs, the paired test and its degenerate cases, Holm–Bonferroni and rliable's
probability of improvement, against values computed independently."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from genlab.report.stats import estimate, format_mean, holm, improvement_probability, paired, summarize


def test_ci_uses_students_t():
    s = summarize([1.0, 2.0, 3.0])
    assert s.n == 3 and s.mean == 2.0 and s.std == pytest.approx(1.0)
    assert s.half_width == pytest.approx(4.302652729911275 / math.sqrt(3))  # t(0.975, 2)
    assert s.ci == pytest.approx((2.0 - s.half_width, 2.0 + s.half_width))


def test_one_value_has_no_interval():
    s = summarize([0.25])
    assert s.half_width is None and s.ci is None and format_mean(s) == "0.25"


def test_paired_matches_scipy_and_pairs_by_trial():
    a, b = [0.90, 0.91, 0.89, 0.92], [0.88, 0.90, 0.86, 0.91]
    test = paired(a, b)
    assert test.p_value == pytest.approx(sps.ttest_rel(a, b).pvalue)
    assert test.difference.mean == pytest.approx(0.0175)
    # unpaired, the same numbers overlap; paired by seed, the difference is consistent
    assert test.significant is True


@pytest.mark.parametrize("a,b,significant", [
    ([1.0], [0.0], None),  # one seed: untested
    ([1.0, 1.0], [1.0, 1.0], False),  # no difference at all
    ([2.0, 3.0, 4.0], [1.0, 2.0, 3.0], True),  # the same difference every seed (no variance)
    ([2.0, 3.0], [1.0, 2.0], None),  # the same difference from two seeds: too few to call
    ([1.0, 0.0, 1.0], [0.0, 1.0, 0.0], False),
])
def test_degenerate_cases(a, b, significant):
    assert paired(a, b).significant is significant


def test_paired_needs_pairs():
    with pytest.raises(ValueError):
        paired([1.0, 2.0], [1.0])


# --- zero variance: each case named, never p = 1 -----------------------------------------------

def test_identical_values_have_no_p_value():
    test = paired([0.9, 0.9], [0.9, 0.9])
    assert test.p_value is None and test.identical and test.a_constant and test.b_constant
    test = paired([0.9, 0.8, 0.7], [0.9, 0.8, 0.7])  # equal to each other, varying between seeds
    assert test.p_value is None and test.identical and not test.a_constant


def test_a_constant_difference_is_deterministic_up_to_rounding():
    test = paired([0.3, 0.4, 0.5], [0.2, 0.3, 0.4])  # 0.3 − 0.2 ≠ 0.4 − 0.3 in binary, by 10⁻¹⁷
    assert test.p_value is None and test.constant_difference and not test.identical
    assert test.difference.std == 0 and test.difference.mean == pytest.approx(0.1)


def test_one_constant_side_is_still_tested():
    test = paired([0.9, 0.9, 0.9], [0.88, 0.87, 0.89])
    assert test.a_constant and not test.b_constant
    assert test.p_value == pytest.approx(sps.ttest_1samp([0.88, 0.87, 0.89], 0.9).pvalue)


def test_one_pair_has_neither_p_nor_flags():
    test = paired([0.9], [0.8])
    assert test.p_value is None and not test.constant_difference and not test.a_constant


# --- Holm–Bonferroni ------------------------------------------------------------------------------

def test_holm_by_hand():
    """p = 0.01, 0.04, 0.03, 0.005 (m = 4). Sorted: 0.005·4 = 0.02; 0.01·3 = 0.03; 0.03·2 = 0.06;
    0.04·1 = 0.04 → raised to the previous 0.06. Back in input order: 0.03, 0.06, 0.06, 0.02."""
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_leaves_untested_out_caps_at_one_and_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    assert holm([0.2, None, 0.5]) == [pytest.approx(0.4), None, pytest.approx(0.5)]
    assert holm([0.6, 0.7]) == [1.0, 1.0] and holm([]) == [] and holm([None]) == [None]
    ps = [0.001, 0.2, 0.012, 0.04, 0.3, 0.0004]
    assert holm(ps) == pytest.approx(list(multipletests(ps, method="holm")[1]))


# --- probability of improvement (rliable) -------------------------------------------------------------

def _rliable_formula(x, y) -> float:
    """rliable.metrics.probability_of_improvement for one task: 0.5 for equal arrays, else
    scipy's Mann–Whitney U (alternative='greater') over the number of pairs."""
    if np.array_equal(x, y):
        return 0.5
    return sps.mannwhitneyu(x, y, alternative="greater").statistic / (len(x) * len(y))


def test_probability_of_improvement_is_rliables_estimator():
    a, b = [3.0, 5.0, 4.0, 2.0, 6.0], [1.0, 4.0, 2.0, 3.0, 2.5]
    # by hand: pairs a > b: 3→{1,2,2.5}, 5→all 5, 4→{1,2,3,2.5}, 2→{1}, 6→all 5: 18; ties (3,3), (4,4), (2,2): 3
    got = improvement_probability(a, b)
    assert got.probability == pytest.approx((18 + 3 / 2) / 25) == pytest.approx(_rliable_formula(a, b))
    assert got.low <= got.probability <= got.high and 0 <= got.low and got.high <= 1 and (got.n_a, got.n_b) == (5, 5)
    assert improvement_probability(a, b, better="lower").probability == pytest.approx(1 - 19.5 / 25)
    same = [1.0, 2.0, 3.0, 4.0, 5.0]
    assert improvement_probability(same, same).probability == _rliable_formula(np.array(same), np.array(same)) == 0.5


def test_probability_of_improvement_interval_is_an_independent_bootstrap():
    """The same interval from a hand-written stratified bootstrap (each side resampled on its
    own, as rliable's StratifiedIndependentBootstrap does), up to Monte Carlo error."""
    a, b = [0.91, 0.90, 0.93, 0.89, 0.92, 0.905], [0.90, 0.88, 0.91, 0.9, 0.87]
    got = improvement_probability(a, b)
    rng = np.random.default_rng(1)
    x, y = np.array(a)[rng.integers(0, 6, (20_000, 6))], np.array(b)[rng.integers(0, 5, (20_000, 5))]
    reps = ((np.sign(x[:, :, None] - y[:, None, :]) + 1) / 2).mean(axis=(1, 2))
    assert (got.low, got.high) == pytest.approx(tuple(np.percentile(reps, [2.5, 97.5])), abs=0.02)


def test_probability_of_improvement_needs_five_seeds_and_is_certain_when_every_pair_agrees():
    assert improvement_probability([1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 2.0, 3.0]) is None
    got = improvement_probability([5.0, 6, 7, 8, 9], [1.0, 2, 3, 4, 4.5])
    assert (got.probability, got.low, got.high) == (1.0, 1.0, 1.0)


def test_estimate_cell_renders_as_format_mean():
    for s in (summarize([1.0, 2.0, 3.5]), summarize([0.25]), summarize([0.123456, 0.123459])):
        assert estimate(s).text() == format_mean(s)
    assert format_mean(summarize([1.0, 2.0, 3.0])) == f"2 ± {4.302652729911275 / math.sqrt(3):.2g}"
