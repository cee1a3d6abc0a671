"""Per-epoch checkpoints: weights, optimiser state, RNG state, and the epoch's records.

Each is written atomically, so an interrupted write leaves the previous checkpoint intact.
"""
from __future__ import annotations

import re
from pathlib import Path

import torch

from genlab import atomic
from genlab.engine import device as dev

PATTERN = re.compile(r"epoch_(\d{3,})\.pt$")


def path_for(directory: Path, epoch: int) -> Path:
    return Path(directory) / f"epoch_{epoch:03d}.pt"


def save(directory: Path, epoch: int, method, optimizers: dict, extra: dict, keep: int) -> Path:
    state = {
        "epoch": epoch,
        "model": method.state_dict(),
        "optimizers": {name: opt.state_dict() for name, opt in optimizers.items()},
        "rng": dev.rng_state(),
        **extra,
    }
    path = atomic.save_torch(path_for(directory, epoch), state)
    for old in existing(directory)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def existing(directory: Path) -> list[Path]:
    """Checkpoint files, oldest first."""
    if not Path(directory).is_dir():
        return []
    found = [(int(m.group(1)), p) for p in Path(directory).iterdir() if (m := PATTERN.search(p.name))]
    return [p for _, p in sorted(found)]


def load_latest(directory: Path, method, optimizers: dict) -> dict | None:
    """Restore the newest checkpoint into method/optimizers/RNG; return its dict or None."""
    paths = existing(directory)
    if not paths:
        return None
    state = torch.load(paths[-1], map_location="cpu", weights_only=False)
    method.load_state_dict(state["model"])
    for name, opt in optimizers.items():
        opt.load_state_dict(state["optimizers"][name])
    dev.set_rng_state(state["rng"])
    return state
