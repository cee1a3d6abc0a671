"""What an experiment's trials measured, gathered: results.csv (one row per trial × model
× metric), summary.csv (per setting × model × metric: n, mean, std, 95 % CI, sampling
error; every column numeric or empty) and, for a sweep of a latent
size, the linear floor (PCA reconstruction error at each size, in closed form on the same
data). Everything is written into the experiment folder, and the report is built from it.
"""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

from genlab import atomic
from genlab.experiments import run_metrics
from genlab.experiments.executors import last_error
from genlab.experiments.plan import cell_label
from genlab.experiments.stats import summarize

PCA_FLOOR = "pca_floor.json"
SUMMARY = "summary.csv"  # one row per setting × model × metric, beside results.csv
SE_SUFFIX = "_se"  # METRIC_se: METRIC's sampling standard error (generation/scores.py)


@dataclass
class TrialState:
    id: str
    seed: int
    vary: dict
    status: str  # done | failed | not run
    error: str = ""
    record: run_metrics.RunRecord | None = None

    @property
    def cell(self) -> str:
        return cell_label(self.vary)


def read_trials(exp) -> list[TrialState]:
    states = []
    for entry in exp.read_spec()["trials"]:
        tid, folder = entry["id"], exp.trial(entry["id"])
        if (folder / "report.html").is_file():
            states.append(TrialState(tid, entry["seed"], entry.get("vary") or {}, "done",
                                     record=run_metrics.read_run(folder)))
        elif exp.log(tid).is_file():
            states.append(TrialState(tid, entry["seed"], entry.get("vary") or {}, "failed", last_error(exp.log(tid))))
        else:
            states.append(TrialState(tid, entry["seed"], entry.get("vary") or {}, "not run"))
    return states


def cells(states: list[TrialState]) -> dict[str, list[TrialState]]:
    """Setting → its finished trials (one per seed), in the experiment's order."""
    out: dict[str, list[TrialState]] = {}
    for state in states:
        out.setdefault(state.cell, [])
        if state.record is not None:
            out[state.cell].append(state)
    return out


def results_csv(states: list[TrialState], vary_keys: list[str]) -> str:
    """One row per trial × model × metric: the value, its sampling standard error where the run
    measured one (a `METRIC_se` beside METRIC, e.g. generation:fid_se: then not a row of its own),
    the unit and the feature network where the record says (else empty)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["trial", "seed", *vary_keys, "model", "metric", "value", "sampling_se", "unit", "feature_network"])
    for state in states:
        if state.record is None:
            continue
        for model, metric, value, se in numbers(state.record):
            writer.writerow([state.id, state.seed, *[state.vary.get(k) for k in vary_keys], model, metric, repr(value),
                             _cell(se), _unit(state.record, metric), _feature_network(state.record, metric)])
    return buf.getvalue()


def summary_csv(states: list[TrialState], vary_keys: list[str]) -> str:
    """One row per setting × model × metric over the seeds that measured it: n, mean, std, the
    95 % CI (Student's t; empty for n = 1), and the sampling standard error of the mean where
    every trial measured one (√Σse²/n: the sampling of the generated sets alone, not the seeds)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*vary_keys, "model", "metric", "n", "mean", "std", "ci_low", "ci_high", "sampling_se", "unit",
                     "feature_network"])
    for members in cells(states).values():
        found: dict[tuple[str, str], list] = {}
        for state in members:
            for model, metric, value, se in numbers(state.record):
                found.setdefault((model, metric), []).append((value, se))
        for (model, metric), pairs in found.items():
            s = summarize([v for v, _ in pairs])
            ses = [se for _, se in pairs]
            se = math.sqrt(math.fsum(e * e for e in ses)) / len(ses) if None not in ses else None
            low, high = s.ci or (None, None)
            record = members[0].record
            writer.writerow([*[members[0].vary.get(k) for k in vary_keys], model, metric, s.n, repr(s.mean),
                             _cell(s.std if s.n > 1 else None), _cell(low), _cell(high), _cell(se),
                             _unit(record, metric), _feature_network(record, metric)])
    return buf.getvalue()


def numbers(record: run_metrics.RunRecord) -> list[tuple[str, str, float, float | None]]:
    """(model, metric, value, sampling standard error or None) for every number of a run."""
    values = {(model, metric): value for model, metric, value in run_metrics.flatten(record)}
    return [(model, metric, value, values.get((model, metric + SE_SUFFIX))) for (model, metric), value in values.items()
            if not (metric.endswith(SE_SUFFIX) and (model, metric[:-len(SE_SUFFIX)]) in values)]


def _cell(value: float | None) -> str:
    return "" if value is None else repr(value)


def _unit(record: run_metrics.RunRecord, metric: str) -> str:
    """No record states units yet: the column is kept (empty) so that readers can rely on it."""
    return ""


def _feature_network(record: run_metrics.RunRecord, metric: str) -> str:
    """The network whose features a generation metric was measured in: its name where the record
    gives one, else its weights' sha256 (the first 16 hex digits, as the report shows it)."""
    if not metric.startswith("generation:"):
        return ""
    net = (record.metrics.get("generation") or {}).get("feature_net") or {}
    return net.get("name") or (f"sha256:{net['sha256'][:16]}" if net.get("sha256") else "")


def write(exp) -> Path:
    """results.csv, summary.csv, the PCA floor where it applies, and report.html."""
    from genlab.experiments import experiment_page

    spec = exp.read_spec()
    states = read_trials(exp)
    keys = list(spec.get("vary") or {})
    atomic.write_text(exp.results, results_csv(states, keys))
    atomic.write_text(exp.path / SUMMARY, summary_csv(states, keys))
    _write_pca_floor(exp, spec, states)
    return experiment_page.write(exp, spec, states)


def latent_key(spec: dict) -> tuple[str, str] | None:
    """(varied key, model name) when the sweep varies one model's latent size, else None."""
    vary = spec.get("vary") or {}
    if len(vary) != 1:
        return None
    key = next(iter(vary))
    parts = key.split(".")
    if len(parts) == 4 and parts[0] == "models" and parts[2] == "params" and parts[3] == "latent_dim":
        return key, parts[1]
    return None


def _write_pca_floor(exp, spec: dict, states: list[TrialState]) -> None:
    found = latent_key(spec)
    done = [s for s in states if s.record is not None]
    if not found or not done or done[0].record.config.get("data", {}).get("dataset") != "fashion_mnist":
        return
    key, _ = found
    sizes = sorted({int(v) for v in spec["vary"][key] if isinstance(v, int) and v > 0})
    if not sizes or (exp.path / PCA_FLOOR).is_file():
        return
    from genlab.config import DataConfig, from_dict
    from genlab.data.splits import make_splits

    first = done[0].record.config
    splits = make_splits(from_dict(DataConfig, first["data"], "data"), first["seed"])
    from genlab.representation.linear_floor import pca_test_mse

    floor = pca_test_mse(splits.train.images, splits.test.images, sizes)
    atomic.write_json(exp.path / PCA_FLOOR, {"sizes": sizes, "test_mse": floor, "seed": first["seed"],
                                             "n_train": len(splits.train), "n_test": len(splits.test)})


def read_pca_floor(exp) -> dict | None:
    path = exp.path / PCA_FLOOR
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
