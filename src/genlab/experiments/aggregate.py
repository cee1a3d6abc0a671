"""What an experiment's trials measured, gathered: results.csv (one row per trial × model
× metric), the per-setting summaries (n, mean, std, 95 % CI) and, for a sweep of a latent
size, the linear floor (PCA reconstruction error at each size, in closed form on the same
data). Everything is written into the experiment folder, and the report is built from it.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from genlab import atomic
from genlab import run_record
from genlab.experiments.executors import last_error
from genlab.experiments.plan import cell_label

PCA_FLOOR = "pca_floor.json"


@dataclass
class TrialState:
    id: str
    seed: int
    vary: dict
    status: str  # done | failed | not run
    error: str = ""
    record: run_record.RunRecord | None = None

    @property
    def cell(self) -> str:
        return cell_label(self.vary)


def read_trials(exp) -> list[TrialState]:
    states = []
    for entry in exp.read_spec()["trials"]:
        tid, folder = entry["id"], exp.trial(entry["id"])
        if (folder / "report.html").is_file():
            states.append(TrialState(tid, entry["seed"], entry.get("vary") or {}, "done",
                                     record=run_record.read_run(folder)))
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
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["trial", "seed", *vary_keys, "model", "metric", "value"])
    for state in states:
        if state.record is None:
            continue
        for model, metric, value in run_record.flatten(state.record):
            writer.writerow([state.id, state.seed, *[state.vary.get(k) for k in vary_keys], model, metric, repr(value)])
    return buf.getvalue()


def write(exp) -> Path:
    """results.csv, the PCA floor where it applies, and report.html."""
    from genlab.experiments import experiment_page

    spec = exp.read_spec()
    states = read_trials(exp)
    atomic.write_text(exp.results, results_csv(states, list(spec.get("vary") or {})))
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
