"""The words of a verdict come from the numbers: supported, contradicted, not significant,
identical, untested (one seed), missing; significance by the Holm-adjusted p, the seeds a
non-significant difference would need, and rliable's probability of improvement from 5 seeds."""
from __future__ import annotations

import csv
import io

import pytest
from run_folders import fake_run

from genlab.config import ComparisonSpec
from genlab.report import power, verdicts
from genlab.run_record import read_run
from genlab.report.stats import holm, improvement_probability
from genlab.report.export import render
from genlab.report.page import Table

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


def rendered(section) -> str:
    """Every word the section shows: its table as Markdown, then its sentences."""
    table = next(b for b in section.blocks if isinstance(b, Table))
    return render(table, "md") + " ".join(getattr(b, "body", "") for b in section.blocks)


def three_records(tmp_path, rows):
    """rows: per seed {model: accuracy}."""
    return [read_run(fake_run(tmp_path / f"s{i}", i, accs)) for i, accs in enumerate(rows)]


def test_holm_decides_significance_and_both_p_are_shown(tmp_path):
    """Raw p = 0.025 alone is significant; the smallest of three is multiplied by 3."""
    rows = [{"ae": 0.90, "dae": 0.88, "vae": 0.89}, {"ae": 0.91, "dae": 0.905, "vae": 0.92},
            {"ae": 0.905, "dae": 0.893, "vae": 0.88}, {"ae": 0.902, "dae": 0.887, "vae": 0.9}]  # p 0.025, 0.43, 0.41
    recs = three_records(tmp_path, rows)
    comps = [ComparisonSpec(ACC, "ae", "dae"), ComparisonSpec(ACC, "ae", "vae"), ComparisonSpec(ACC, "dae", "vae")]
    found = verdicts.evaluate_all(comps, recs)
    raw = [v.test.p_value for v in found]
    assert [v.judgement.p_holm for v in found] == pytest.approx(holm(raw))
    assert raw[0] < 0.05 <= holm(raw)[0]  # significant alone, not after the adjustment
    assert found[0].status == verdicts.NOT_SIGNIFICANT and "after the Holm adjustment" in found[0].sentence
    assert verdicts.evaluate(comps[0], recs).status == verdicts.SUPPORTED  # a family of one: no adjustment
    table = verdicts.section(comps, recs).blocks[0]
    assert table.header[5:7] == ["p (paired t)", "p (Holm)"] and [r[5] for r in table.rows] == raw
    assert [r[6] for r in table.rows] == pytest.approx(holm(raw))
    assert "Holm-adjusted p" in table.caption and "3 tests" in table.caption


def test_no_significant_difference_says_how_many_seeds_would_find_it(tmp_path):
    recs = records(tmp_path, [(0.90, 0.88), (0.88, 0.885), (0.905, 0.89)])
    verdict = verdicts.evaluate(ComparisonSpec(ACC, "ae", "dae"), recs)
    assert verdict.status == verdicts.NOT_SIGNIFICANT
    d = verdict.test.difference
    needed = power.seeds_needed(d.mean / d.std)
    assert verdict.judgement.seeds_cell() == needed and f"would take {needed} seeds" in verdict.sentence
    assert "the 3 seeds run detect differences of ±" in verdict.sentence and "rests on 3 seeds only" in verdict.sentence
    row = verdicts.section([ComparisonSpec(ACC, "ae", "dae")], recs).blocks[0].rows[0]
    assert row[8] == needed


def test_two_seeds_with_constant_values_never_say_p_1(tmp_path):
    recs = records(tmp_path, [(0.9, 0.9), (0.9, 0.9)])
    section = verdicts.section([ComparisonSpec(ACC, "ae", "dae", claim="AE > DAE")], recs)
    text = rendered(section)
    assert "identical in every seed" in text and "both gave 0.9 in every one of the 2 seeds" in text
    assert "p = 1" not in text and "p=1" not in text and section.blocks[0].rows[0][5] is None
    assert section.blocks[0].rows[0][-1] == verdicts.IDENTICAL and "not supported" in text


def test_a_deterministic_difference_is_named_and_has_no_p(tmp_path):
    recs = records(tmp_path, [(0.9, 0.8), (0.91, 0.81), (0.92, 0.82)])
    verdict = verdicts.evaluate(ComparisonSpec(ACC, "ae", "dae"), recs)
    assert verdict.status == verdicts.SUPPORTED and verdict.test.p_value is None
    assert "deterministic difference" in verdict.sentence and "no p-value" in verdict.sentence
    two = verdicts.evaluate(ComparisonSpec(ACC, "ae", "dae"), records(tmp_path / "two", [(0.9, 0.8), (0.9, 0.8)]))
    assert two.status == verdicts.UNTESTED and "Neither changes with the seed" in two.sentence
    same = verdicts.evaluate(ComparisonSpec(ACC, "ae", "dae"),
                             records(tmp_path / "same", [(0.9, 0.9), (0.8, 0.8), (0.85, 0.85)]))
    assert same.status == verdicts.IDENTICAL and "changes from seed to seed, never between them" in same.sentence


def test_one_constant_side_is_said(tmp_path):
    verdict = verdicts.evaluate(ComparisonSpec(ACC, "ae", "dae"), records(tmp_path, [(0.9, 0.88), (0.9, 0.87), (0.9, 0.89)]))
    assert verdict.test.p_value is not None and "AE gave 0.9 in every seed" in verdict.sentence


def test_five_seeds_give_the_probability_of_improvement(tmp_path):
    pairs = [(0.90, 0.88), (0.91, 0.885), (0.905, 0.89), (0.89, 0.892), (0.903, 0.899)]
    verdict = verdicts.evaluate(ComparisonSpec(ACC, "ae", "dae"), records(tmp_path, pairs))
    expected = improvement_probability([a for a, _ in pairs], [b for _, b in pairs])
    assert verdict.judgement.improvement == expected
    assert f"P(AE higher than DAE) = {expected.probability:.2f}" in verdict.sentence
    cell = verdict.judgement.improvement_cell()
    assert (cell.mean, cell.low, cell.high, cell.n) == (expected.probability, expected.low, expected.high, 5)
    fewer = verdicts.evaluate(ComparisonSpec(ACC, "ae", "dae"), records(tmp_path / "four", pairs[:4]))
    assert fewer.judgement.improvement is None and "Probability of improvement" not in fewer.sentence


def test_verdict_table_exports_numeric_columns(tmp_path):
    recs = records(tmp_path, [(0.90, 0.88), (0.91, 0.885), (0.905, 0.89)])
    section = verdicts.section([ComparisonSpec(ACC, "ae", "dae"), ComparisonSpec("tsne:x", "ae", "dae")], recs)
    rows = list(csv.DictReader(io.StringIO(render(section.blocks[0], "csv"))))
    for column in ("a mean", "a ci_low", "a ci_high", "a n", "a − b mean", "p (paired t)", "p (Holm)"):
        float(rows[0][column])  # numeric
    assert rows[1]["a mean"] == "" and rows[1]["p (paired t)"] == ""  # the missing comparison: empty, not "—"
    assert "—" not in render(section.blocks[0], "csv") and "±" not in render(section.blocks[0], "csv")
