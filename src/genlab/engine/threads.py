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

A seed must give the same numbers whatever else the machine is doing, so the count adapts
only where that provably changes no bit: while a model trains whose every layer is a matrix
product (MKL in its strict reproducible mode, genlab/__init__.py) or elementwise, in float32
on the CPU — the dense models, tested at 1–4 threads (tests/test_threads.py). Convolutions
reduce in an order that depends on the thread count (≈1e-3 apart after an epoch), and so do
bfloat16 products (oneDNN): such a model trains at the ceiling, fixed from its first step to
its last, and so does everything outside training (evaluation, analyses, the feature
network, ultralytics). `invariant` says which case a model is in, and why; the trainer
records it (summary.json "reproducible", environment.json of the run).

Only runs started through the study runner adapt (`setup_process`), and only when the
thread count was not pinned (--threads, $GENLAB_THREADS).
"""
from __future__ import annotations

import math
import os
import time
from contextlib import contextmanager
from typing import Iterator

import torch

_STAT = "/proc/stat"
_governor: "ThreadGovernor | None" = None


# layers whose CPU kernels give the same bits at any thread count (with MKL's reproducible mode)
INVARIANT_LAYERS = frozenset({"Linear", "Identity", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "ELU", "GELU", "SiLU",
                              "Softplus", "Dropout", "Flatten", "Unflatten"})


def adapt(ceiling: int | None = None, interval_s: float = 1.0) -> None:
    """Let the thread count follow the load from now on, while a thread-invariant model trains
    (`training`); no-op where /proc/stat is missing."""
    global _governor
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if not cores or _cpu_busy(cores) is None:
        _governor = None
        return
    _governor = ThreadGovernor(cores, ceiling or torch.get_num_threads(), interval_s)


def invariant(method, device: torch.device, precision_name: str) -> tuple[bool, str]:
    """Does training `method` give the same bits at any thread count? (yes/no, why)"""
    if device.type != "cpu":
        return False, (f"trained on {device.type}: its kernels are not guaranteed bit-identical from run to run "
                       "(torch's deterministic algorithms cover most, not all)")
    if precision_name != "float32":
        return False, f"{precision_name} products (oneDNN) round differently at different thread counts"
    if "STRICT" not in os.environ.get("MKL_CBWR", ""):
        return False, "MKL's reproducible mode is off (MKL_CBWR was set to something else before genlab started)"
    layers = {type(m).__name__ for m in method.modules() if not list(m.children())}
    other = sorted(layers - INVARIANT_LAYERS)
    if other:
        return False, f"its {', '.join(other)} layers reduce in an order that depends on the thread count"
    return True, "matrix products (MKL's reproducible mode) and elementwise layers only: the same bits at any thread count"


@contextmanager
def training(is_invariant: bool) -> Iterator[None]:
    """The threads while one model trains: following the load if its numbers cannot change,
    else the ceiling, fixed for the whole model; the ceiling again afterwards."""
    if _governor is None:
        yield
        return
    torch.set_num_threads(_governor.ceiling)
    _governor.active = is_invariant
    try:
        yield
    finally:
        _governor.active = False
        torch.set_num_threads(_governor.ceiling)


def pin() -> None:
    """A fixed thread count from now on (the user's --threads, or a test)."""
    global _governor
    _governor = None


def poll() -> None:
    """Called every training step; reads the load once per interval (while a model that may adapt trains)."""
    if _governor is not None and _governor.active:
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
        self.active = True  # False while a model trains whose numbers depend on the thread count
        self._pending: int | None = None
        torch.set_num_threads(self.ceiling)
        self._used = {self.ceiling}
        self._mark = self._sample()

    def poll(self) -> None:
        if time.monotonic() - self._mark[0] >= self.interval_s:
            self._decide()

    def take_used(self) -> list[int]:
        used, self._used = sorted(self._used), {torch.get_num_threads()}
        return used

    def _sample(self) -> tuple[float, float, float]:
        return time.monotonic(), _cpu_busy(self.cores) or 0.0, time.process_time()

    def _decide(self) -> None:
        now = self._sample()
        wall = now[0] - self._mark[0]
        others = max(0.0, (now[1] - self._mark[1]) - (now[2] - self._mark[2])) / max(wall, 1e-9)  # cores' worth
        self._mark = now
        wanted = min(self.ceiling, max(1, len(self.cores) - math.floor(others + 0.5)))
        if wanted == torch.get_num_threads():
            self._pending = None
        elif self._pending == wanted:
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
