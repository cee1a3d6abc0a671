"""The SLURM executor: one submitit job array per experiment. Each array task runs the same
command a local trial runs (`genlab run CONFIG --out TRIAL`), so a trial's numbers do not
depend on where it ran; submitit's own logs go to EXP/logs/slurm/, each trial's output to
EXP/logs/ID.log.

`--slurm KEY=VALUE,...` passes options through: submitit's common ones (timeout_min,
gpus_per_node, cpus_per_task, mem_gb, nodes, tasks_per_node) as they are, any other as
slurm_KEY (partition, account, qos, constraint, array_parallelism, ...).

Before anything is written, the options go through submitit's checks and then the
cluster's own (`sbatch --test-only`: unknown partition, account or QOS, a time or CPU count
the partition refuses). While the array runs, a task is finished when submitit's result
file exists; where it is and whether it ended comes from `squeue` (one call per poll), so
clusters without accounting (no `sacct`) work too, and a task that ended without a result
(time limit, scancel, node failure) is reported failed instead of waited for.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from genlab import safe_yaml
from genlab.errors import GenlabError
from genlab.experiments.executors import DONE, FAILED, Outcome, TrialJob, finished, last_error, trial_command, trial_env

COMMON = ("timeout_min", "gpus_per_node", "cpus_per_task", "mem_gb", "nodes", "tasks_per_node", "name")
SLURM_NAMES_OF_COMMON = {"job_name", "time", "cpus_per_task", "gpus_per_node", "mem", "nodes", "ntasks_per_node"}
POLL_S = 2.0
RESULT_GRACE_S = 15.0  # a task that left the queue may still be writing its result (slow shared filesystems)
ENDED = {"BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY",
         "TIMEOUT", "SPECIAL_EXIT", "REVOKED"}  # squeue's states of a job that will not run again
RUNNING = {"RUNNING", "COMPLETING"}


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
    """submitit installed, sbatch on PATH, options that submitit and the cluster accept —
    before anything is written."""
    try:
        import submitit
    except ImportError:
        raise GenlabError("--executor slurm needs submitit: `uv sync --extra slurm` (or pip install submitit)") from None
    for command in ("sbatch", "squeue", "srun"):
        if shutil.which(command) is None:
            raise GenlabError(f"--executor slurm: no `{command}` on PATH; run on a machine of the SLURM cluster "
                              "(or use --executor local)")
    with tempfile.TemporaryDirectory() as folder:
        try:
            executor = submitit.AutoExecutor(folder=folder, cluster="slurm")
            executor.update_parameters(**_parameters(options))
        # submitit refuses with NameError (unknown key), AssertionError (wrong type), ValueError, TypeError
        except (NameError, AssertionError, ValueError, TypeError, RuntimeError) as exc:
            raise GenlabError(f"--slurm: {_refusal(exc)}") from None
        _test_only(executor, Path(folder))


def _test_only(executor, folder: Path) -> None:
    """`sbatch --test-only` with the script submitit would submit: the cluster checks the
    partition, account, QOS, time and resources, and runs nothing."""
    make = getattr(getattr(executor, "_executor", None), "_make_submission_file_text", None)
    if make is None:  # a submitit without this (private) method: the cluster checks at submission
        return
    script = folder / "test_only.sh"
    script.write_text(make("true", "test"))
    try:
        result = subprocess.run(["sbatch", "--test-only", str(script)], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GenlabError(f"--executor slurm: `sbatch --test-only` failed: {exc}") from None
    if result.returncode != 0:
        raise GenlabError(f"--executor slurm: the cluster refuses the job: {_first_line(result.stderr or result.stdout)}")


def _refusal(exc: Exception) -> str:
    """submitit's refusal in one line; an unknown key names the keys there are, sorted."""
    line = _first_line(exc)
    unknown = re.match(r"Unknown argument '(\w+)'.*Valid arguments: (.*)$", line)
    if unknown:
        others = sorted({name.strip() for name in unknown[2].split(",")} - SLURM_NAMES_OF_COMMON)
        line = f"unknown option {unknown[1]!r}; options are {', '.join(COMMON)} and SLURM's {', '.join(others)}"
    return line[:500]


def _first_line(text) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return (lines or ["(no message)"])[0][:500]


def run_trial(argv: list[str], log: str, threads: int) -> int:
    """What each array task runs (on the compute node). A task that SLURM requeued
    (preemption) finds its trial folder started: it continues it (--resume)."""
    if "--out" in argv and "--resume" not in argv and (Path(argv[argv.index("--out") + 1]) / "config.yaml").is_file():
        argv = [*argv, "--resume"]
    with open(log, "ab") as out:
        return subprocess.run(trial_command([*argv, "--threads", str(threads)]), stdout=out,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=trial_env(threads)).returncode


def run(jobs: list[TrialJob], options: dict, folder: Path, progress) -> list[Outcome]:
    import submitit
    from submitit.core.utils import UncompletedJobError

    if not jobs:  # --resume with every trial finished
        return []
    params = _parameters(options)
    executor = submitit.AutoExecutor(folder=folder, cluster="slurm")
    executor.update_parameters(**params)
    for job in jobs:
        job.log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    try:
        with executor.batch():  # one job array
            submitted = [(job, executor.submit(run_trial, job.argv, str(job.log), int(params["cpus_per_task"])))
                         for job in jobs]
    except UncompletedJobError as exc:  # sbatch refused the array
        raise GenlabError(f"--executor slurm: sbatch refused the job array: {_first_line(exc)}") from None
    outcomes: dict[str, Outcome] = {}
    ended_at: dict[str, float] = {}  # when squeue first showed the task ended, its result not (yet) there
    states: dict[str, str] = {}
    try:
        while len(outcomes) < len(submitted):
            answer = _queue_states([handle.job_id for _, handle in submitted])
            states = states if answer is None else answer
            for job, handle in submitted:
                if job.id in outcomes:
                    continue
                if _has_result(handle):
                    outcomes[job.id] = _outcome(job, handle, time.monotonic() - start)
                elif answer is not None and answer.get(handle.job_id, "GONE") in ENDED | {"GONE"}:
                    first = ended_at.setdefault(job.id, time.monotonic())
                    if time.monotonic() - first >= RESULT_GRACE_S:
                        outcomes[job.id] = Outcome(job.id, FAILED, time.monotonic() - start,
                                                   _ended_without_result(job, handle, answer.get(handle.job_id)))
                elif answer is not None:
                    ended_at.pop(job.id, None)  # requeued
            running = sum(1 for j, h in submitted if j.id not in outcomes and states.get(h.job_id) in RUNNING)
            done = sum(o.status == DONE for o in outcomes.values())
            progress(done, running, len(outcomes) - done, None)
            if len(outcomes) < len(submitted):
                time.sleep(POLL_S)
    except BaseException:
        for job, handle in submitted:
            if job.id not in outcomes:
                handle.cancel(check=False)
        raise
    return [outcomes[job.id] for job, _ in submitted]


def _queue_states(task_ids: list[str]) -> dict[str, str] | None:
    """{"123_0": "RUNNING", ...} for the arrays' tasks that SLURM still knows (finished ones
    stay MinJobAge seconds); None when squeue could not answer (controller busy or down)."""
    arrays = sorted({task.split("_")[0] for task in task_ids})
    try:
        result = subprocess.run(["squeue", "--noheader", "--array", "--states=all", "--jobs", ",".join(arrays),
                                 "--format=%i|%T"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        # every listed job purged already: squeue refuses the ids
        return {} if "invalid job id" in result.stderr.lower() else None
    states = {}
    for line in result.stdout.splitlines():
        task, _, state = line.strip().partition("|")
        if task:
            states[task] = state.strip().split()[0] if state.strip() else ""
    return states


def _has_result(handle) -> bool:
    folder = handle.paths.folder
    try:
        folder.chmod(folder.stat().st_mode)  # refreshes the attribute cache of network filesystems
    except OSError:
        pass
    return handle.paths.result_pickle.exists()


def _outcome(job: TrialJob, handle, seconds: float) -> Outcome:
    try:
        code = handle.result()  # the result file exists: no waiting, no sacct
    except Exception as exc:  # run_trial itself raised on the node: the last line of its traceback
        line = _trace_line(exc)
        if "timed-out" in line:  # submitit's own stop, 90 s before the time limit
            line = ("stopped at the SLURM time limit (--slurm timeout_min; submitit stops a task 90 s before it); "
                    f"its output is in {job.log}")
        return Outcome(job.id, FAILED, seconds, line)
    return finished(job, code, seconds)


def _trace_line(exc: Exception) -> str:
    """submitit's FailedJobError holds the task's traceback between dashed lines."""
    text = str(exc)
    parts = text.split("-" * 22)
    lines = [line.strip() for line in (parts[1] if len(parts) >= 3 else text).splitlines() if line.strip()]
    return (lines or ["failed"])[-1][:500]


def _ended_without_result(job: TrialJob, handle, state: str | None) -> str:
    """The array task left the queue without a result: SLURM's reason (its log's last line,
    e.g. `*** JOB 12 CANCELLED ... DUE TO TIME LIMIT ***`), else the trial's own error."""
    try:
        log = handle.paths.stderr.read_text(encoding="utf-8", errors="replace")
    except OSError:
        log = ""
    slurm_lines = [line.strip() for line in log.splitlines() if "slurmstepd" in line or "***" in line]
    reason = slurm_lines[-1] if slurm_lines else last_error(job.log)
    where = f"SLURM task {handle.job_id} ended without a result ({state or 'no longer in the queue'})"
    return f"{where}: {reason}"[:500] if reason else where
