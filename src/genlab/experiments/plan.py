"""An experiment: one study run over several seeds and, in a sweep, over a grid of
settings. Each trial is an ordinary run of a fully resolved study file, so a trial can be
rerun by hand (`genlab run EXP/configs/ID.yaml --out ...`) and gives the same numbers
whichever executor runs it.

    EXP/experiment.yaml     what varies, the seeds, the executor, every trial
    EXP/configs/ID.yaml     each trial's resolved study file (seed included)
    EXP/trials/ID/          each trial's run folder
    EXP/logs/ID.log         each trial's output
    EXP/results.csv         one row per trial × model × metric
    EXP/report.html
"""
from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from genlab import config as cfgmod
from genlab import safe_yaml
from genlab.config import MAX_SEED, StudyConfig
from genlab.errors import GenlabError

EXECUTORS = ("local", "slurm")
MAX_SEEDS = 100
MAX_TRIALS = 1000


@dataclass
class ExperimentSpec:
    """What the user asked for on the command line."""

    study: str  # shipped name or YAML path
    overrides: list[str] = field(default_factory=list)
    quick: bool = False
    seeds: int = 1
    seed: int | None = None  # first seed (default: the study's); trial i gets seed + i
    vary: dict[str, list] = field(default_factory=dict)  # dotted key → values
    executor: str = "local"
    jobs: int | None = None  # trials at once (local); None: what fits
    slurm: dict[str, Any] = field(default_factory=dict)  # submitit options (slurm)

    def __post_init__(self) -> None:
        if not 1 <= self.seeds <= MAX_SEEDS:
            raise GenlabError(f"--seeds must be from 1 to {MAX_SEEDS}, got {self.seeds}")
        if self.executor not in EXECUTORS:
            raise GenlabError(f"--executor {self.executor!r}: use one of {', '.join(EXECUTORS)}")
        if self.jobs is not None and not 1 <= self.jobs <= 256:
            raise GenlabError(f"--jobs must be from 1 to 256, got {self.jobs}")
        if self.slurm and self.executor != "slurm":
            raise GenlabError("--slurm options are for --executor slurm; add it or drop --slurm")


@dataclass
class Trial:
    id: str
    seed: int
    vary: dict[str, Any]  # the varied keys' values in this trial
    config: StudyConfig

    @property
    def cell(self) -> str:
        return cell_label(self.vary)


def cell_label(vary: dict) -> str:
    """The setting a trial shares with its other seeds ('' without a sweep)."""
    return ", ".join(f"{k}={_text(v)}" for k, v in vary.items())


def parse_vary(items: list[str]) -> dict[str, list]:
    """`KEY=v1,v2,...` (repeatable; several make a grid) → {key: [values]}."""
    vary = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key or not text.strip():
            raise GenlabError(f"--vary {item!r}: expected KEY=V1,V2,..., e.g. --vary models.ae64.params.latent_dim=2,8,32")
        if key == "seed":
            raise GenlabError("--vary seed=...: seeds are given with --seeds N (and --seed for the first)")
        if key in vary:
            raise GenlabError(f"--vary {key} is given twice; list all its values in one --vary")
        values = [safe_yaml.loads(v.strip(), f"--vary {key}") for v in text.split(",")]
        if any(isinstance(v, (dict, list)) for v in values):
            raise GenlabError(f"--vary {key}: each value must be a single number or word, got {text!r}")
        if len({json.dumps(v) for v in values}) != len(values):
            raise GenlabError(f"--vary {key}: values repeat in {text!r}; list each once")
        vary[key] = values
    return vary


def make_trials(spec: ExperimentSpec) -> list[Trial]:
    """Every trial's resolved config, each validated as `genlab run` would: a bad value in
    any cell of the grid fails here, before anything is written."""
    first = cfgmod.load_study(spec.study, spec.overrides, quick=spec.quick, seed=spec.seed).seed
    if first + spec.seeds - 1 > MAX_SEED:
        raise GenlabError(f"--seed {first} with --seeds {spec.seeds} runs past the largest seed {MAX_SEED:,}")
    cells = list(itertools.product(*spec.vary.values())) or [()]
    if len(cells) * spec.seeds > MAX_TRIALS:
        raise GenlabError(f"{len(cells)} settings × {spec.seeds} seeds = {len(cells) * spec.seeds} trials; "
                          f"at most {MAX_TRIALS} per experiment")
    names = _short_names(list(spec.vary))
    trials = []
    for values in cells:
        vary = dict(zip(spec.vary, values))
        extra = [f"{k}={json.dumps(v)}" for k, v in vary.items()]
        for i in range(spec.seeds):
            seed = first + i
            try:
                config = cfgmod.load_study(spec.study, [*spec.overrides, *extra], quick=spec.quick, seed=seed)
            except GenlabError as exc:
                where = f" (with {', '.join(extra)})" if extra else ""
                raise GenlabError(f"{exc}{where}") from None
            label = "-".join(f"{names[k]}={_text(v)}" for k, v in vary.items())
            trials.append(Trial(_safe(f"{label}-seed{seed}" if label else f"seed{seed}"), seed, vary, config))
    if len({t.id for t in trials}) != len(trials):  # values that differ only in characters a file name cannot hold
        for i, trial in enumerate(trials):
            trial.id = f"trial{i:03d}-seed{trial.seed}"
    return trials


def _short_names(keys: list[str]) -> dict[str, str]:
    """The last part of each varied key, or the whole key where two would read the same."""
    last = {k: k.rsplit(".", 1)[-1] for k in keys}
    return {k: (s if list(last.values()).count(s) == 1 else k) for k, s in last.items()}


def _text(value) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=+-]", "_", name)[:120]


def describe(spec: ExperimentSpec, trials: list[Trial]) -> dict:
    """experiment.yaml: enough to rerun it, and to refuse a --resume that asks for another."""
    return {"study": spec.study, "kind": trials[0].config.study, "quick": spec.quick, "overrides": list(spec.overrides), "seeds": spec.seeds,
            "first_seed": trials[0].seed, "vary": {k: list(v) for k, v in spec.vary.items()}, "executor": spec.executor, "jobs": spec.jobs,
            "slurm": spec.slurm, "trials": [{"id": t.id, "seed": t.seed, "vary": dict(t.vary)} for t in trials]}


def study_kind(spec: dict) -> str:
    """The study kind of an experiment.yaml (`study` may be a YAML path; folders written before
    `kind` was recorded name a shipped study there)."""
    return spec.get("kind") or spec["study"]
