"""What an experiment's trials measured, gathered: results.csv (one row per trial × model
× metric), summary.csv (per setting × model × metric: n, mean, std, 95 % CI, sampling
error; every column numeric or empty) and, for a sweep the study can put a floor under
(e.g. PCA's error at each latent size), that floor. Everything is written into the
experiment folder, and the report is built from it.
"""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from genlab import atomic, run_record
from genlab.experiments import experiment_page
from genlab.experiments.plan import study_kind
from genlab.experiments.trials import TrialState, cells, read_trials
from genlab.generation.shipped import network_name
from genlab.report.stats import summarize
from genlab.studies import get_study

SWEEP_FLOOR = "sweep_floor.json"


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
        for model, metric, value, se in run_record.numbers(state.record):
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
            for model, metric, value, se in run_record.numbers(state.record):
                found.setdefault((model, metric), []).append((value, se))
        for (model, metric), pairs in found.items():
            s = summarize([v for v, _ in pairs])
            ses = [se for _, se in pairs]
            se = math.sqrt(math.fsum(e * e for e in ses)) / len(ses) if None not in ses else None
            low, high = s.ci or (None, None)
            record = members[0].record
            writer.writerow([*[members[0].vary.get(k) for k in vary_keys], model, metric, s.n, repr(s.mean),
                             _cell(s.std if s.n > 1 else None), _cell(low), _cell(high), _cell(se),
                             _unit(record, metric), _feature_networks([m.record for m in members], metric)])
    return buf.getvalue()


def _cell(value: float | None) -> str:
    return "" if value is None else repr(value)


def _unit(record: run_record.RunRecord, metric: str) -> str:
    """No record states units yet: the column is kept (empty) so that readers can rely on it."""
    return ""


def _feature_network(record: run_record.RunRecord, metric: str) -> str:
    """The network whose features a generation metric was measured in (generation:fid with
    fmnist-v1 is FID-fmnist-v1): its name where the record gives one, else the shipped network
    with its hash, else its weights' sha256 (the first 16 hex digits, as the report shows it)."""
    if not metric.startswith("generation:"):
        return ""
    return network_name((record.metrics.get("generation") or {}).get("feature_net") or {})


def _feature_networks(records: list, metric: str) -> str:
    """Every network behind one summary row, in trial order: one name, or several joined by ' + '
    (trials measured in different feature spaces, e.g. each machine of a cluster training its own)."""
    names = [_feature_network(r, metric) for r in records]
    return " + ".join(dict.fromkeys(n for n in names if n))


def write(exp) -> Path:
    """results.csv, summary.csv, the sweep's floor where the study gives one, and report.html."""
    spec = exp.read_spec()
    states = read_trials(exp)
    keys = list(spec.get("vary") or {})
    atomic.write_text(exp.results, results_csv(states, keys))
    atomic.write_text(exp.summary, summary_csv(states, keys))
    _write_sweep_floor(exp, spec, states)
    return experiment_page.write(exp, spec, states, read_sweep_floor(exp))


def _write_sweep_floor(exp, spec: dict, states: list[TrialState]) -> None:
    """The study's floor under a one-setting sweep (computed once: it needs the data)."""
    done = [s for s in states if s.record is not None]
    vary = spec.get("vary") or {}
    if len(vary) != 1 or not done or (exp.path / SWEEP_FLOOR).is_file():
        return
    floor = get_study(study_kind(spec)).sweep_floor(vary, done[0].record.config)
    if floor:
        atomic.write_json(exp.path / SWEEP_FLOOR, floor)


def read_sweep_floor(exp) -> dict | None:
    path = exp.path / SWEEP_FLOOR
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
