"""Run an experiment: validate every trial, write the experiment folder, hand the trials to
an executor, then aggregate what finished into results.csv and report.html.

Validation comes first and writes nothing: every trial's config is loaded, and every
distinct setting of the grid gets the checks `genlab run` makes (device, data, models
built on the meta device, the study's own preflight). `--resume` skips finished trials
and continues unfinished ones; a failed trial is reported with its error line and the
others go on.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

from genlab import atomic, runs, safe_yaml
from genlab import config as cfgmod
from genlab.errors import GenlabError
from genlab.experiments import executors
from genlab.experiments.plan import ExperimentSpec, Trial, describe, make_trials
from genlab.runs import RunDir
from genlab.studies.base import Runtime

# how and where, not what: may change between sessions (a trial's numbers depend on its
# threads, which --jobs sets; finished trials keep theirs, recorded in environment.json)
SETTINGS_ON_RESUME = ("jobs", "executor", "slurm")


class ExperimentDir:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.spec = self.path / "experiment.yaml"
        self.results = self.path / "results.csv"
        self.summary = self.path / "summary.csv"  # per setting × model × metric (experiments/aggregate.py)
        self.report = self.path / "report.html"

    def config(self, trial_id: str) -> Path:
        return self.path / "configs" / f"{trial_id}.yaml"

    def trial(self, trial_id: str) -> Path:
        return self.path / "trials" / trial_id

    def log(self, trial_id: str) -> Path:
        return self.path / "logs" / f"{trial_id}.log"

    def read_spec(self) -> dict:
        raw = safe_yaml.load_file(self.spec, "experiment file")
        if not isinstance(raw, dict) or not isinstance(raw.get("trials"), list):
            raise GenlabError(f"{self.spec} is not a genlab experiment file (no trials list); the folder is damaged")
        return raw


def is_experiment(path: Path) -> bool:
    return (Path(path) / "experiment.yaml").is_file()


def run_experiment(spec: ExperimentSpec, out: Path | None, runtime: Runtime) -> tuple[Path, list]:
    trials = make_trials(spec)
    out = Path(out) if out else runs.default_out(f"{Path(trials[0].config.study).stem}-experiment")
    exp = ExperimentDir(out)
    _check_out(exp, spec, trials, runtime.resume)
    if spec.executor == "slurm":  # cheap, before the per-setting checks
        from genlab.experiments import slurm

        slurm.check_available(spec.slurm)
    _check_trials(trials, runtime)
    n_parallel = spec.jobs or executors.default_jobs(runtime.device, len(trials))
    if runtime.mlflow:
        import os

        from genlab import tracking

        os.environ.setdefault(tracking.EXPERIMENT_ENV, f"genlab-{exp.path.resolve().name}")
        os.environ.setdefault("MLFLOW_TRACKING_URI", tracking.tracking_uri())  # trials share the store
        tracking.create_experiment(os.environ[tracking.EXPERIMENT_ENV])
    created = _create(exp, spec, trials, runtime.resume)
    try:
        outcomes = _execute(exp, spec, trials, runtime, n_parallel)
    except BaseException:
        if created and not any(exp.trial(t.id).exists() for t in trials):
            shutil.rmtree(created, ignore_errors=True)  # no trial got far enough to resume: leave nothing
            print(f"genlab: removed {created}: no trial finished an epoch", file=sys.stderr)
        raise
    finally:
        runs.unlock(RunDir(exp.path))
    from genlab.experiments import aggregate

    aggregate.write(exp)
    return exp.report, outcomes


def _check_out(exp: ExperimentDir, spec: ExperimentSpec, trials: list[Trial], resume: bool) -> None:
    if not resume:
        runs.check_out(exp.path, False)
        return
    if not exp.spec.is_file():
        raise GenlabError(f"--resume: {exp.path} holds no experiment to continue (no experiment.yaml); "
                          "drop --resume to start one")
    old, new = exp.read_spec(), describe(spec, trials)
    diffs = [d for d in runs.config_diff(old, new) if d.split(".")[0] not in SETTINGS_ON_RESUME]
    if diffs:
        raise GenlabError(f"--resume: this experiment differs from the one in {exp.path} in {', '.join(diffs)}; "
                          "give the same study, seeds, --vary and --set values, or start a new experiment with another --out")


def _check_trials(trials: list[Trial], runtime: Runtime) -> None:
    """`genlab run`'s checks, once per distinct setting (seeds change no check)."""
    from genlab.studies.runner import check_study

    seen = set()
    for trial in trials:
        if trial.cell in seen:
            continue
        seen.add(trial.cell)
        try:
            check_study(trial.config, runtime)
        except GenlabError as exc:
            raise GenlabError(f"{exc} (in the setting {trial.cell})" if trial.cell else str(exc)) from None


def _create(exp: ExperimentDir, spec: ExperimentSpec, trials: list[Trial], resume: bool) -> Path | None:
    """The folder, locked; experiment.yaml and every trial's study file. Returns the
    outermost folder this call created (None on resume)."""
    created = runs.outermost_missing(exp.path) if not resume and not exp.path.exists() else None
    exp.path.mkdir(parents=True, exist_ok=True)
    runs.lock(RunDir(exp.path))
    try:
        atomic.write_text(exp.spec, yaml.safe_dump(describe(spec, trials), sort_keys=False))
        for trial in trials:
            exp.config(trial.id).parent.mkdir(exist_ok=True)
            atomic.write_text(exp.config(trial.id), yaml.safe_dump(cfgmod.to_dict(trial.config), sort_keys=False))
    except BaseException:
        runs.unlock(RunDir(exp.path))
        if created:
            shutil.rmtree(created, ignore_errors=True)
        raise
    return created


def trial_argv(exp: ExperimentDir, trial: Trial, runtime: Runtime) -> list[str]:
    out = exp.trial(trial.id)
    argv = ["run", str(exp.config(trial.id)), "--out", str(out), "--device", runtime.device, "--no-progress"]
    if (out / "config.yaml").is_file():
        argv.append("--resume")
    if runtime.keep_checkpoints:
        argv.append("--keep-checkpoints")
    if runtime.mlflow:  # each trial logs itself; they share one MLflow experiment named after this folder
        argv.append("--mlflow")
    return argv


def _execute(exp: ExperimentDir, spec: ExperimentSpec, trials: list[Trial], runtime: Runtime, n_parallel: int) -> list:
    todo = [t for t in trials if not (exp.trial(t.id) / "report.html").is_file()]
    if len(todo) < len(trials):
        print(f"genlab: experiment: {len(trials) - len(todo)} of {len(trials)} trials already finished; "
              f"running the other {len(todo)}", file=sys.stderr)
    for trial in todo:  # a trial that failed before any epoch left nothing; one that failed later resumes
        if exp.trial(trial.id).exists() and not (exp.trial(trial.id) / "config.yaml").is_file():
            shutil.rmtree(exp.trial(trial.id))
    jobs = [executors.TrialJob(t.id, trial_argv(exp, t, runtime), exp.log(t.id), exp.trial(t.id)) for t in todo]
    how = "slurm job array" if spec.executor == "slurm" else f"local, {min(n_parallel, max(1, len(jobs)))} at once"
    print(f"genlab: experiment {exp.path}: {len(trials)} trials ({how})", file=sys.stderr)
    progress = _progress_line(len(todo))
    if spec.executor == "slurm":
        from genlab.experiments import slurm

        return slurm.run(jobs, spec.slurm, exp.path / "logs" / "slurm", progress)
    return executors.run_local(jobs, n_parallel, runtime.device, progress)


def _progress_line(total: int):
    last = []

    def show(done: int, running: int, failed: int, eta: float | None) -> None:
        if last == [done, running, failed]:
            return
        last[:] = [done, running, failed]
        when = f" · ETA {_duration(eta)}" if eta is not None and running else ""
        print(f"genlab: experiment: {done}/{total} done, {running} running, {failed} failed{when}",
              file=sys.stderr, flush=True)
    return show


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
