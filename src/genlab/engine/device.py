"""Device placement and process setup, in one place.

Everything that decides *where* tensors live or how the process is configured happens
here, so data-parallel training (e.g. torch.distributed + DDP) can be added by changing
this module and the trainer's `wrap`, without touching any model or method.
"""
from __future__ import annotations

import os
import random
import zlib
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch

from genlab.engine import threads as thread_policy
from genlab.errors import GenlabError


def gpu_list(requested: str) -> list[int] | None:
    """`0,1` (GPU indices, comma-separated) → [0, 1]; None for auto / cpu / cuda."""
    parts = requested.split(",")
    if "," not in requested or not all(p.isdigit() and len(p) <= 3 for p in parts):
        return None
    return [int(p) for p in parts]


def select_device(requested: str = "auto") -> torch.device:
    gpus = gpu_list(requested)
    if gpus is not None:
        visible = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if len(set(gpus)) != len(gpus) or max(gpus) >= visible:
            raise GenlabError(f"--device {requested}: needs {len(gpus)} distinct GPUs numbered below the {visible} "
                              "visible here; use --device auto, cpu or cuda")
        return torch.device(f"cuda:{gpus[0]}")  # the launcher (ultralytics DDP) spreads over the rest
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested not in ("cpu", "cuda"):
        raise GenlabError(f"--device {requested!r}: use auto, cpu, cuda or GPU indices such as 0,1")
    if requested == "cuda" and not torch.cuda.is_available():
        raise GenlabError("--device cuda: no CUDA GPU is visible; use --device cpu or auto")
    return torch.device(requested)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def setup_process(deterministic: bool = True, threads: int | None = None) -> None:
    """Same seed → same numbers on CPU. (cuBLAS needs the workspace setting to be
    deterministic too; it is harmless on CPU.)

    `threads` (else $GENLAB_THREADS) pins the CPU intra-op threads; otherwise training
    uses one thread per core that other processes leave free (engine/threads.py): on a
    shared machine OpenMP workers spin-wait for cores they do not get."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
    if threads is None:
        text = os.environ.get("GENLAB_THREADS", "").strip()
        if text and not (text.isdigit() and 1 <= int(text) <= 1024):
            raise GenlabError(f"GENLAB_THREADS={text!r}: must be a whole number from 1 to 1024 (or unset)")
        threads = int(text) if text else None
    if threads is not None:
        if not 1 <= threads <= 1024:
            raise GenlabError(f"--threads must be from 1 to 1024, got {threads}")
        torch.set_num_threads(threads)
        thread_policy.pin()
    else:
        thread_policy.adapt()  # one thread per free core, following the load (engine/threads.py)


def rng_state() -> dict:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def model_seed(seed: int, name: str) -> int:
    """A per-model seed, stable across processes (unlike hash()), so models in one study
    do not share random streams and training one alone gives the same result."""
    return (seed * 1_000_003 + sum((i + 1) * ord(c) for i, c in enumerate(name))) % 2**31


def stream_seed(seed: int, purpose: str) -> int:
    """A seed of its own for one consumer of randomness (`purpose`, e.g. "callbacks/3"),
    derived from the run's seed and stable across processes."""
    return (seed * 1_000_003 + zlib.crc32(purpose.encode())) % 2**31


@contextmanager
def own_rng(seed: int) -> Iterator[None]:
    """Run a consumer of randomness on its own stream: the global generators (Python, numpy,
    torch, CUDA) seeded with `seed` inside and given their state back after, so whatever it
    draws never shifts the stream outside, and it draws the same in a fresh or resumed process."""
    state = rng_state()
    seed_everything(seed)
    try:
        yield
    finally:
        set_rng_state(state)
