"""A sweep's values against the first one, paired by seed: the words come from the numbers."""
from __future__ import annotations

import csv
import io

import pytest
from run_folders import fake_run

from genlab.config import ComparisonSpec
from genlab.experiments import setting_effects
from genlab.experiments.trials import TrialState
from genlab.run_record import read_run
from genlab.report.stats import holm
from genlab.report.export import render

KEY = "train.precision"
HEADLINE = [("generation:fid", "FID"), ("frozen_classifiers:head.test_metrics.accuracy", "accuracy")]


def states(tmp_path, accuracies: dict[str, list[float]]) -> list[TrialState]:
    """One finished trial per (value, seed); the fake run's FID is 10 − accuracy."""
    out = []
    for value, accs in accuracies.items():
        for seed, acc in enumerate(accs):
            run = read_run(fake_run(tmp_path / f"{value}-{seed}", seed, {"ae": acc}))
            out.append(TrialState(f"{value}-{seed}", seed, {KEY: value}, "done", record=run))
    return out


def spec(*values):
    return {"vary": {KEY: list(values)}}


def text(section) -> str:
    return " ".join(getattr(b, "body", "") for b in section.blocks)


def test_a_consistent_difference_is_significant_and_named_by_direction(tmp_path):
    runs = states(tmp_path, {"float32": [0.90, 0.91, 0.905], "bfloat16": [0.80, 0.815, 0.80]})
    section = setting_effects.section(spec("float32", "bfloat16"), runs, HEADLINE, setting_effects.directions([]))
    assert section.title == f"Does {KEY} change the results?"
    fid, acc = section.blocks[0].rows
    assert fid[:3] == ["AE", "FID", "bfloat16"] and fid[10] == "float32 better" and fid[11] == 3  # FID: lower is better
    assert acc[10] == "float32 better"  # accuracy: higher is better (the default)
    assert f"{KEY}=float32 is better than {KEY}=bfloat16" in text(section)


def test_seed_noise_is_not_significant_and_a_comparison_sets_the_direction(tmp_path):
    runs = states(tmp_path, {"float32": [0.90, 0.88, 0.89], "bfloat16": [0.88, 0.90, 0.895]})
    lower = [ComparisonSpec("frozen_classifiers:head.test_metrics.accuracy", "ae", "dae", better="lower")]
    section = setting_effects.section(spec("float32", "bfloat16"), runs, HEADLINE, setting_effects.directions(lower))
    assert [row[10] for row in section.blocks[0].rows] == ["not significant", "not significant"]
    assert "no significant difference at 5%" in text(section)
    runs = states(tmp_path / "b", {"float32": [0.90, 0.91, 0.905], "bfloat16": [0.80, 0.815, 0.80]})
    section = setting_effects.section(spec("float32", "bfloat16"), runs, HEADLINE, setting_effects.directions(lower))
    assert section.blocks[0].rows[1][10] == "bfloat16 better"  # lower accuracy wins where the study says lower


def test_one_seed_is_untested_and_only_shared_seeds_are_paired(tmp_path):
    runs = states(tmp_path, {"float32": [0.90, 0.91], "bfloat16": [0.80]})  # seed 1 ran for float32 only
    section = setting_effects.section(spec("float32", "bfloat16"), runs, HEADLINE, {})
    assert section.blocks[0].rows[0][10] == "untested" and section.blocks[0].rows[0][11] == 1
    assert "untested" in text(section) and "--seeds 3" in text(section)


def test_every_value_against_the_first_and_no_section_without_one_varied_key(tmp_path):
    runs = states(tmp_path, {"a": [0.9, 0.91], "b": [0.8, 0.81], "c": [0.7, 0.72]})
    section = setting_effects.section(spec("a", "b", "c"), runs, HEADLINE[:1], {})
    assert [row[2] for row in section.blocks[0].rows] == ["b", "c"]
    assert setting_effects.section({"vary": {}}, runs, HEADLINE, {}) is None
    assert setting_effects.section({"vary": {KEY: ["a", "b"], "seed": [1, 2]}}, runs, HEADLINE, {}) is None


def test_holm_across_every_test_of_the_section_and_numeric_cells(tmp_path):
    runs = states(tmp_path, {"a": [0.90, 0.91, 0.905], "b": [0.88, 0.90, 0.89], "c": [0.90, 0.905, 0.91]})
    section = setting_effects.section(spec("a", "b", "c"), runs, HEADLINE, setting_effects.directions([]))
    table = section.blocks[0]
    assert table.header[6:10] == ["p (paired t)", "p (Holm)", "P(value better)", "seeds for power 0.8"]
    raw = [row[6] for row in table.rows]
    assert len(raw) == 4 and [row[7] for row in table.rows] == pytest.approx(holm(raw))  # 2 values × 2 metrics
    assert "Holm-adjusted p" in table.caption and "4 tests" in table.caption
    rows = list(csv.DictReader(io.StringIO(render(table, "csv"))))
    assert {float(r["difference mean"]) for r in rows} and all(r["at value n"] == "3" for r in rows)
    assert "—" not in render(table, "csv")


def test_constant_values_over_two_seeds_are_identical_not_p_1(tmp_path):
    runs = states(tmp_path, {"float32": [0.9, 0.9], "bfloat16": [0.9, 0.9]})
    section = setting_effects.section(spec("float32", "bfloat16"), runs, HEADLINE, {})
    assert [row[10] for row in section.blocks[0].rows] == ["identical", "identical"]
    assert "identical in every seed" in text(section) and "p = 1" not in text(section)
    assert "p = 1" not in render(section.blocks[0], "md")
