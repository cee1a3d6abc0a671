"""results.csv and summary.csv: numbers in numeric columns (never '0.9 ± 0.1' or '—'), the
sampling error beside the value it belongs to, the feature network in its own column."""
from __future__ import annotations

import csv
import io
import json
import math

import pytest
from run_folders import fake_run

from genlab.experiments.aggregate import results_csv, summary_csv
from genlab.experiments.trials import TrialState
from genlab.run_record import read_run
from genlab.report.stats import summarize

FID, ACC = "generation:fid", "frozen_classifiers:head.test_metrics.accuracy"


def trial(tmp_path, name: str, seed: int, acc: float, vary: dict, fid_se: float | None = 0.2) -> TrialState:
    path = fake_run(tmp_path / name, seed, {"ae": acc})
    metrics = json.loads((path / "metrics.json").read_text())
    if fid_se is not None:
        metrics["generation"]["models"]["ae"]["fid_se"] = fid_se
    metrics["generation"]["feature_net"] = {"sha256": "ab" * 32, "feature_dim": 128}
    (path / "metrics.json").write_text(json.dumps(metrics))
    return TrialState(name, seed, vary, "done", record=read_run(path))


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_results_csv_puts_the_sampling_error_beside_its_value(tmp_path):
    states = [trial(tmp_path, "s0", 0, 0.9, {"k": 1}), trial(tmp_path, "s1", 1, 0.8, {"k": 1}, fid_se=None)]
    found = rows(results_csv(states, ["k"]))
    fid = [r for r in found if r["metric"] == FID]
    assert [(r["trial"], float(r["value"]), r["sampling_se"]) for r in fid] == [("s0", 10 - 0.9, "0.2"), ("s1", 10 - 0.8, "")]
    assert not any(r["metric"] == FID + "_se" for r in found)  # an error bar, not a metric of its own
    assert {r["feature_network"] for r in fid} == {"sha256:" + "ab" * 8}
    assert {r["feature_network"] for r in found if r["metric"] == ACC} == {""} and {r["unit"] for r in found} == {""}


def test_summary_csv_is_numeric_per_setting_model_and_metric(tmp_path):
    states = [trial(tmp_path, f"a{s}", s, acc, {"k": "a"}) for s, acc in enumerate([0.90, 0.91, 0.905])]
    states += [trial(tmp_path, "b0", 0, 0.8, {"k": "b"}, fid_se=0.3)]
    found = rows(summary_csv(states, ["k"]))
    acc = next(r for r in found if r["k"] == "a" and r["metric"] == ACC)
    s = summarize([0.90, 0.91, 0.905])
    assert (int(acc["n"]), float(acc["mean"]), float(acc["std"])) == (3, pytest.approx(s.mean), pytest.approx(s.std))
    assert (float(acc["ci_low"]), float(acc["ci_high"])) == pytest.approx(s.ci) and acc["sampling_se"] == ""
    fid = next(r for r in found if r["k"] == "a" and r["metric"] == FID)
    assert float(fid["sampling_se"]) == pytest.approx(math.sqrt(3 * 0.2 ** 2) / 3)  # of the mean of 3 sets
    one = next(r for r in found if r["k"] == "b" and r["metric"] == FID)
    assert one["n"] == "1" and one["std"] == one["ci_low"] == one["ci_high"] == "" and float(one["sampling_se"]) == 0.3
    for r in found:  # every statistic parses as a number or is empty
        for column in ("n", "mean", "std", "ci_low", "ci_high", "sampling_se"):
            assert r[column] == "" or math.isfinite(float(r[column]))
    assert "—" not in summary_csv(states, ["k"]) and "±" not in summary_csv(states, ["k"])
