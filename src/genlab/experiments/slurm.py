"""The SLURM executor: one submitit job array per experiment. Each array task runs the same
command a local trial runs (`genlab run CONFIG --out TRIAL`), so a trial's numbers do not
depend on where it ran; submitit's own logs go to EXP/logs/slurm/, each trial's output to
EXP/logs/ID.log.

`--slurm KEY=VALUE,...` passes options through: submitit's common ones (timeout_min,
gpus_per_node, cpus_per_task, mem_gb, nodes, tasks_per_node) as they are, any other as
slurm_KEY (partition, account, qos, constraint, array_parallelism, ...).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from genlab import safe_yaml
from genlab.errors import GenlabError
from genlab.experiments.executors import DONE, FAILED, Outcome, TrialJob, last_error, trial_command

COMMON = ("timeout_min", "gpus_per_node", "cpus_per_task", "mem_gb", "nodes", "tasks_per_node", "name")
POLL_S = 2.0


def parse_options(text: str | None) -> dict:
    """`partition=gpu,gpus_per_node=1` → {"partition": "gpu", "gpus_per_node": 1}."""
    options = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise GenlabError(f"--slurm {item!r}: expected KEY=VALUE pairs separated by commas, "
                              "e.g. --slurm partition=gpu,gpus_per_node=1,timeout_min=60")
        options[key.strip()] = safe_yaml.loads(value.strip(), f"--slurm {key}") if value.strip() else ""
    return options


def _parameters(options: dict) -> dict:
    params = {(k if k in COMMON or k.startswith("slurm_") else f"slurm_{k}"): v for k, v in options.items()}
    params.setdefault("cpus_per_task", 1)
    params.setdefault("timeout_min", 60)
    return params


def check_available(options: dict) -> None:
    """submitit installed, sbatch on PATH, options that submitit accepts — before anything is written."""
    try:
        import submitit
    except ImportError:
        raise GenlabError("--executor slurm needs submitit: `uv sync --extra slurm` (or pip install submitit)") from None
    if shutil.which("sbatch") is None:
        raise GenlabError("--executor slurm: no `sbatch` on PATH; run on a machine of the SLURM cluster "
                          "(or use --executor local)")
    with tempfile.TemporaryDirectory() as folder:
        try:
            submitit.AutoExecutor(folder=folder, cluster="slurm").update_parameters(**_parameters(options))
        except (ValueError, TypeError) as exc:
            raise GenlabError(f"--slurm: {exc}") from None


def run_trial(argv: list[str], log: str, threads: int) -> int:
    """What each array task runs (on the compute node)."""
    import os

    env = dict(os.environ, OMP_NUM_THREADS=str(threads), PYTHONUNBUFFERED="1")
    with open(log, "ab") as out:
        return subprocess.run(trial_command([*argv, "--threads", str(threads)]), stdout=out,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env).returncode


def run(jobs: list[TrialJob], options: dict, folder: Path, progress) -> list[Outcome]:
    import submitit

    params = _parameters(options)
    executor = submitit.AutoExecutor(folder=folder, cluster="slurm")
    executor.update_parameters(**params)
    for job in jobs:
        job.log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with executor.batch():  # one job array
        submitted = [(job, executor.submit(run_trial, job.argv, str(job.log), int(params["cpus_per_task"])))
                     for job in jobs]
    outcomes: dict[str, Outcome] = {}
    try:
        while len(outcomes) < len(submitted):
            for job, handle in submitted:
                if job.id not in outcomes and handle.done():
                    outcomes[job.id] = _outcome(job, handle, time.monotonic() - start)
            running = sum(1 for j, h in submitted if j.id not in outcomes and h.state in ("RUNNING", "COMPLETING"))
            done = sum(o.status == DONE for o in outcomes.values())
            progress(done, running, len(outcomes) - done, None)
            time.sleep(POLL_S)
    except BaseException:
        for _, handle in submitted:
            handle.cancel(check=False)
        raise
    return [outcomes[job.id] for job, _ in submitted]


def _outcome(job: TrialJob, handle, seconds: float) -> Outcome:
    try:
        code = handle.result()
    except Exception as exc:  # the array task itself failed (node lost, time limit): its message is the error
        return Outcome(job.id, FAILED, seconds, str(exc).strip().splitlines()[-1][:500] if str(exc).strip() else "failed")
    if code == 0 and (job.out / "report.html").is_file():
        return Outcome(job.id, DONE, seconds)
    return Outcome(job.id, FAILED, seconds, last_error(job.log) or f"exit code {code}")
