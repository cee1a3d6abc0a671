"""Flush denormal floats to zero on the CPU while genlab trains.

Adam's first moment of a parameter whose gradient has gone to zero (the weights of a dead
ReLU unit, say) decays by β₁ each step into the denormal range (< 1.2e-38 in float32),
and x86 CPUs compute on denormal numbers about 100× slower. Measured on the report's
AE-64 on 2 cores: from about step 1,000 on, a quarter of its first moments were denormal
and a training step took 850 µs instead of 520 µs; flushed, the loss is the same to four
digits. GPUs flush them already; torch's default on the CPU is not to.

The setting lives in each thread's floating-point control register, and
`torch.set_flush_denormal` sets only the calling thread's. OpenMP's worker threads copy
it when they are created, so once torch's thread pool exists (after any parallel
operator) the workers keep their old setting and do half of every operator slowly. So the
setting is made on every thread of the pool, from inside an OpenMP parallel region of
the libgomp that torch runs on (Linux builds). Where that library is not found, only
the calling thread and workers created later flush (`everywhere()` says which).
"""
from __future__ import annotations

import ctypes
import functools
import os
from contextlib import contextmanager

import torch

from genlab.engine import threads

_ON_EACH_THREAD = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


@contextmanager
def flush_denormals():
    """Inside: CPU float results below the normal range become 0, on every torch thread.
    Restored to what it was on the way out (torch's default: off)."""
    before = flushing()
    _set(True)
    try:
        yield
    finally:
        _set(before)


def flushing() -> bool:
    """Whether the calling thread flushes now (torch has a setter, no getter): 2⁻¹²⁷, a
    denormal, survives a multiplication only where denormals are not flushed."""
    tiny = torch.full((1,), 2.0**-127)
    return bool((tiny * 1.0)[0] == 0)


def everywhere() -> bool:
    """Whether the setting reaches torch's existing worker threads too (libgomp found)."""
    return _libgomp() is not None


def _set(on: bool) -> None:
    torch.set_flush_denormal(on)
    gomp, team = _libgomp(), max(torch.get_num_threads(), threads.ceiling())
    if gomp is None or team < 2:
        return
    # Every thread of the team runs the callback; the team is the pool torch's operators use
    # (libgomp keeps one pool per calling thread, and this is the thread that trains). As
    # large as the thread count may grow (engine/threads.py raises it up to its ceiling when
    # cores free up): a worker that joins later must flush too.
    callback = _ON_EACH_THREAD(lambda _: torch.set_flush_denormal(on))
    gomp.GOMP_parallel(callback, None, ctypes.c_uint(team), ctypes.c_uint(0))


@functools.cache
def _libgomp():
    """The GNU OpenMP runtime torch runs on, or None. Other libraries may load their own copy
    (scikit-learn's wheels do): a region on that copy's pool would miss torch's threads, so
    the copy in torch's own folder is preferred, and a lone one taken only if it is the only one."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "libgomp" in line.rsplit("/", 1)[-1]})
    except OSError:  # not Linux
        return None
    torch_dir = os.path.dirname(os.path.realpath(torch.__file__)) + os.sep
    own = [p for p in paths if os.path.realpath(p).startswith(torch_dir)]
    chosen = own or (paths if len(paths) == 1 else [])
    if not chosen:
        return None
    try:
        lib = ctypes.CDLL(chosen[0])
        lib.GOMP_parallel.restype = None
        return lib
    except (OSError, AttributeError):
        return None
