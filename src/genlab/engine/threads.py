"""CPU threads on a machine shared with other work: use the cores nobody else is using.

torch's OpenMP threads wait for each other at the end of every operator. With one thread
per core and one busy process beside genlab, the thread that shares its core with that
process arrives late at every barrier, and the whole step waits: measured 2–5× slower
(AE-64 and the dense VAE on 2 cores), not the 2× a fair share would cost. Passive waiting
(OMP_WAIT_POLICY=PASSIVE) survives the competitor but makes a quiet machine 3× slower,
and a spin count in between loses on both sides (benchmarks/README.md has the table).

So genlab keeps torch's active waiting and chooses the thread count: every second it
reads how much CPU other processes used on this process's cores (/proc/stat minus this
process's own CPU time) and runs with the cores left free, between 1 and the ceiling
(one per core, or what an experiment gave the trial). A change needs two readings that
agree, so a short burst elsewhere does not make it flap.

Only runs started through the study runner adapt (`setup_process`), and only when the
thread count was not pinned (--threads, $GENLAB_THREADS). The dense models' numbers are
bit-identical at any thread count (tests/test_threads.py) because genlab puts MKL in its
strict reproducible mode (genlab/__init__.py; without it, AVX-512 CPUs split a product's
inner dimension across threads and the last bits differ); convolutions on CPU are not
(≈1e-3 apart after an epoch), nor are bfloat16 products (train.precision, oneDNN), so pin
--threads to reproduce a conv run or a bfloat16 model to the last digit.
"""
from __future__ import annotations

import math
import os
import time

import torch

_STAT = "/proc/stat"
_governor: "ThreadGovernor | None" = None


def adapt(ceiling: int | None = None, interval_s: float = 1.0) -> None:
    """Let the thread count follow the load from now on (no-op where /proc/stat is missing)."""
    global _governor
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if not cores or _cpu_busy(cores) is None:
        _governor = None
        return
    _governor = ThreadGovernor(cores, ceiling or torch.get_num_threads(), interval_s)


def pin() -> None:
    """A fixed thread count from now on (the user's --threads, or a test)."""
    global _governor
    _governor = None


def poll() -> None:
    """Called every training step; reads the load once per interval."""
    if _governor is not None:
        _governor.poll()


def ceiling() -> int:
    """The most threads training may use from now on: the policy's ceiling while it adapts,
    else the count set now."""
    return _governor.ceiling if _governor is not None else torch.get_num_threads()


def used() -> list[int]:
    """Thread counts used since the last call (for the epoch's record)."""
    if _governor is None:
        return [torch.get_num_threads()]
    return _governor.take_used()


class ThreadGovernor:
    def __init__(self, cores: list[int], ceiling: int, interval_s: float):
        self.cores, self.ceiling, self.interval_s = cores, max(1, ceiling), interval_s
        self._pending: int | None = None
        self._used = {torch.get_num_threads()}
        self._mark = self._sample()
        time.sleep(0.25)  # a first reading before training starts, so a busy machine is seen at once
        self._decide(force=True)

    def poll(self) -> None:
        if time.monotonic() - self._mark[0] >= self.interval_s:
            self._decide()

    def take_used(self) -> list[int]:
        used, self._used = sorted(self._used), {torch.get_num_threads()}
        return used

    def _sample(self) -> tuple[float, float, float]:
        return time.monotonic(), _cpu_busy(self.cores) or 0.0, time.process_time()

    def _decide(self, force: bool = False) -> None:
        now = self._sample()
        wall = now[0] - self._mark[0]
        others = max(0.0, (now[1] - self._mark[1]) - (now[2] - self._mark[2])) / max(wall, 1e-9)  # cores' worth
        self._mark = now
        wanted = min(self.ceiling, max(1, len(self.cores) - math.floor(others + 0.5)))
        if wanted == torch.get_num_threads():
            self._pending = None
        elif force or self._pending == wanted:
            torch.set_num_threads(wanted)
            self._used.add(wanted)
            self._pending = None
        else:
            self._pending = wanted


def _cpu_busy(cores: list[int]) -> float | None:
    """CPU seconds spent busy on `cores` since boot (all processes), from /proc/stat."""
    try:
        with open(_STAT) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    wanted = {f"cpu{c}" for c in cores}
    ticks = 0
    found = 0
    for line in lines:
        fields = line.split()
        if fields and fields[0] in wanted:
            user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
            ticks += user + nice + system + irq + softirq + steal
            found += 1
    if found != len(wanted):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")
