"""The words of a verdict come from the numbers: supported, contradicted, not significant,
untested (one seed), missing."""
from __future__ import annotations

import pytest
from run_folders import fake_run

from genlab.config import ComparisonSpec
from genlab.experiments import verdicts
from genlab.run_record import read_run

ACC = "frozen_classifiers:head.test_metrics.accuracy"


def records(tmp_path, pairs):
    return [read_run(fake_run(tmp_path / f"s{i}", i, {"ae": a, "dae": d})) for i, (a, d) in enumerate(pairs)]


@pytest.mark.parametrize("pairs,status", [
    ([(0.90, 0.88), (0.91, 0.885), (0.905, 0.88)], verdicts.SUPPORTED),
    ([(0.88, 0.90), (0.885, 0.91), (0.88, 0.905)], verdicts.CONTRADICTED),
    ([(0.90, 0.88), (0.88, 0.90), (0.89, 0.895)], verdicts.NOT_SIGNIFICANT),
    ([(0.90, 0.88)], verdicts.UNTESTED),
])
def test_status_follows_the_paired_test(tmp_path, pairs, status):
    comp = ComparisonSpec(ACC, "ae", "dae", claim="AE > DAE")
    verdict = verdicts.evaluate(comp, records(tmp_path, pairs))
    assert verdict.status == status
    assert "AE > DAE" in verdict.sentence
    if status == verdicts.UNTESTED:
        assert "one seed" in verdict.sentence and "untested" in verdict.sentence
    if status == verdicts.NOT_SIGNIFICANT:
        assert "not supported by these runs" in verdict.sentence


def test_lower_is_better_flips_the_direction(tmp_path):
    comp = ComparisonSpec("generation:fid", "ae", "dae", better="lower")
    verdict = verdicts.evaluate(comp, records(tmp_path, [(0.90, 0.88), (0.91, 0.885), (0.905, 0.88)]))
    assert verdict.status == verdicts.SUPPORTED  # higher accuracy → lower fake FID for ae


def test_missing_metric_says_so(tmp_path):
    verdict = verdicts.evaluate(ComparisonSpec("tsne:x", "ae", "dae"), records(tmp_path, [(0.9, 0.8)]))
    assert verdict.status == verdicts.MISSING and "cannot be made" in verdict.sentence


def test_single_run_section_says_untested(tmp_path):
    section = verdicts.section([ComparisonSpec(ACC, "ae", "dae")], records(tmp_path, [(0.9, 0.8)]))
    text = " ".join(getattr(b, "body", "") for b in section.blocks)
    assert "untested" in text and "--seeds 3" in text
