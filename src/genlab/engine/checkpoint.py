"""Per-epoch checkpoints: weights, optimiser and schedule state, RNG state.
Each is written atomically, so an interrupted write leaves the previous checkpoint intact;
a checkpoint that is unreadable anyway (a disk fault, a truncated copy) is reported in one
line and the newest readable one is used instead.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import torch

from genlab import atomic
from genlab.engine import device as dev

PATTERN = re.compile(r"epoch_(\d{3,})\.pt$")


def path_for(directory: Path, epoch: int) -> Path:
    return Path(directory) / f"epoch_{epoch:03d}.pt"


def save(directory: Path, epoch: int, method, optimizers: dict, schedulers: dict, keep: int,
         record: dict | None = None) -> Path:
    """The epoch's checkpoint, and its metrics line (`record`, restored by a resume that lost it)."""
    state = {
        "epoch": epoch,
        "record": record,
        "model": method.state_dict(),
        "optimizers": {name: opt.state_dict() for name, opt in optimizers.items()},
        "schedulers": {name: sched.state_dict() for name, sched in schedulers.items()},
        "rng": dev.rng_state(),
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


def load_latest(directory: Path, method, optimizers: dict, schedulers: dict | None = None) -> dict | None:
    """Restore the newest readable checkpoint into method/optimizers/schedules/RNG; its dict or None."""
    for path in reversed(existing(directory)):
        try:
            state = torch.load(path, map_location="cpu", weights_only=False)
            method.load_state_dict(state["model"])
        except Exception as exc:  # noqa: BLE001 - any unreadable file: fall back to the previous one
            print(f"genlab: warning: checkpoint {path} is unreadable ({type(exc).__name__}); "
                  "using the previous one", file=sys.stderr)
            continue
        for name, opt in optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
        for name, sched in (schedulers or {}).items():
            sched.load_state_dict(state["schedulers"][name])
        dev.set_rng_state(state["rng"])
        return state
    return None


def remove_all(directory: Path) -> None:
    """Drop a finished model's epoch checkpoints (final.pt holds its weights)."""
    for path in existing(directory):
        path.unlink(missing_ok=True)
