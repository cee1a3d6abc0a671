"""Who runs the trials. Each trial is the command `genlab run CONFIG --out TRIAL`, so a
trial is an ordinary run whichever executor starts it, and its output is kept in
EXP/logs/ID.log.

local   a pool of processes on this machine: `jobs` trials at once, the CPU cores divided
        between them (threads per trial = cores // jobs, never oversubscribed), or one
        trial per GPU (CUDA_VISIBLE_DEVICES).
slurm   one submitit job array per experiment (genlab.experiments.slurm).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DONE, FAILED, SKIPPED = "done", "failed", "skipped"
GIB = 1 << 30
MEMORY_PER_TRIAL = 3 * GIB  # a Fashion-MNIST trial holds the data as float32 (~0.2 GB) plus its models and workers


@dataclass
class TrialJob:
    """One trial as the executor sees it: a command and where its output goes."""

    id: str
    argv: list[str]  # genlab's arguments (after `genlab`)
    log: Path
    out: Path  # the trial's run folder


@dataclass
class Outcome:
    id: str
    status: str  # done | failed
    seconds: float
    error: str = ""  # the trial's last error line, for the report


def cpu_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def gpu_count(device: str) -> int:
    if device == "cpu":
        return 0
    import torch

    return torch.cuda.device_count()


def default_jobs(device: str, n_trials: int) -> int:
    """What fits: one trial per GPU; on CPU one per core, within memory."""
    gpus = gpu_count(device)
    if gpus:
        return min(gpus, n_trials)
    memory = _memory_bytes()
    by_memory = max(1, memory // MEMORY_PER_TRIAL) if memory else cpu_cores()
    return max(1, min(cpu_cores(), by_memory, n_trials))


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def threads_per_trial(jobs: int) -> int:
    return max(1, cpu_cores() // jobs)


def trial_command(argv: list[str]) -> list[str]:
    return [sys.executable, "-m", "genlab", *argv]


def run_local(jobs: list[TrialJob], n_parallel: int, device: str, progress) -> list[Outcome]:
    """Run `jobs` with at most `n_parallel` at once; `progress(done, running, failed, eta)`
    is called whenever that changes. Ctrl-C stops every trial (each cleans up as after its
    own Ctrl-C) and re-raises."""
    gpus = gpu_count(device)
    threads = threads_per_trial(n_parallel)
    pending, running, outcomes = list(jobs), {}, []
    free_slots = list(range(n_parallel))
    try:
        while pending or running:
            while pending and free_slots:
                job, slot = pending.pop(0), free_slots.pop(0)
                running[job.id] = (job, slot, _start(job, threads, slot % gpus if gpus else None), time.monotonic())
                _report(progress, outcomes, running, pending, n_parallel)
            time.sleep(0.2)
            for key, (job, slot, proc, start) in list(running.items()):
                if proc.poll() is None:
                    continue
                del running[key]
                free_slots.append(slot)
                outcomes.append(finished(job, proc.returncode, time.monotonic() - start))
                _report(progress, outcomes, running, pending, n_parallel)
    except BaseException:
        _stop_all([proc for _, _, proc, _ in running.values()])
        raise
    return outcomes


def trial_env(threads: int) -> dict:
    """A trial's environment: its share of the cores for every thread pool, unbuffered output."""
    return dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), PYTHONUNBUFFERED="1")


def _start(job: TrialJob, threads: int, gpu: int | None) -> subprocess.Popen:
    env = trial_env(threads)
    if gpu is not None:
        env["CUDA_VISIBLE_DEVICES"] = str(gpu)
    job.log.parent.mkdir(parents=True, exist_ok=True)
    wait_for_writer(job.out)
    with open(job.log, "ab") as log:
        return subprocess.Popen(trial_command([*job.argv, "--threads", str(threads)]), stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                preexec_fn=die_with(os.getpid()))


def die_with(parent: int):
    """A trial ends with the experiment's process, however that ends (SIGKILL included): the
    kernel sends it SIGTERM (Linux's parent-death signal), which genlab treats as Ctrl-C, so
    the trial stays resumable instead of running on as an orphan. Elsewhere: nothing."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:  # loaded here, in the parent: the forked child only makes the call
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def arm() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(143)
    return arm


def wait_for_writer(out: Path, patience_s: float = 120.0) -> None:
    """A trial folder still written by a live process (the trial of a killed experiment, still
    cleaning up after its SIGTERM): wait for it rather than call the resumed trial failed."""
    from genlab import atomic
    from genlab.runs import LOCK_NAME

    lock, deadline = Path(out) / LOCK_NAME, time.monotonic() + patience_s
    pid = atomic.lock_holder(lock)
    if pid:
        print(f"genlab: waiting for process {pid}, still writing {out}, to finish", file=sys.stderr)
    while pid and time.monotonic() < deadline:
        time.sleep(0.2)
        pid = atomic.lock_holder(lock)


def finished(job: TrialJob, returncode, seconds: float) -> Outcome:
    """A trial whose command ended: done when it exited 0 and wrote its report, else failed
    with its own last error line (or how it ended)."""
    if returncode == 0 and (job.out / "report.html").is_file():
        return Outcome(job.id, DONE, seconds)
    return Outcome(job.id, FAILED, seconds, last_error(job.log) or _exit_text(returncode))


def _exit_text(code) -> str:
    if isinstance(code, int) and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            pass
    return f"exit code {code}"


def last_error(log: Path) -> str:
    """The trial's own one-line error, or the last line of a traceback."""
    try:
        lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    errors = [line for line in lines if line.startswith("genlab: error:") or line.startswith("genlab: interrupted")]
    return (errors or lines or [""])[-1][:500]


def _stop_all(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()  # genlab treats SIGTERM as Ctrl-C: unlock, keep finished epochs
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _report(progress, outcomes, running, pending, n_parallel) -> None:
    done = sum(o.status == DONE for o in outcomes)
    failed = sum(o.status == FAILED for o in outcomes)
    eta = None
    if outcomes:
        mean = sum(o.seconds for o in outcomes) / len(outcomes)
        eta = mean * (len(pending) + len(running)) / n_parallel
    progress(done, len(running), failed, eta)
