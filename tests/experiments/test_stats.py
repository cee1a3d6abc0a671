"""Means, 95 % CIs and the paired test, against values computed independently."""
from __future__ import annotations

import math

import pytest
from scipy import stats as sps

from genlab.experiments.stats import format_mean, paired, summarize


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
