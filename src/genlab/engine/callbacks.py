"""Epoch callbacks of the one trainer: sample snapshots, best-epoch keeping, early stopping.

Each reads what it needs from the run folder (metrics.jsonl, its own files), never from
memory of earlier epochs, so a resumed run behaves exactly like an uninterrupted one."""
from __future__ import annotations

import json

import numpy as np
import torch

from genlab import atomic
from genlab.errors import GenlabError
from genlab.runs import ModelDir


class SampleSnapshots:
    """Samples from a fixed noise batch at chosen epochs, kept as uint8 N×C×H×W arrays in
    models/NAME/samples/epoch_NNN.npz, so figures can show training progress (models that
    sample from a prior; others are left alone)."""

    def __init__(self, epochs: list[int], n: int = 64, seed: int = 1234):
        self.epochs, self.n, self.seed = set(epochs), n, seed

    def on_epoch_end(self, method, epoch: int, model_dir: ModelDir, logs: dict) -> dict:
        if epoch not in self.epochs or "sample" not in method.capabilities():
            return {}
        # the same generator seed every time → the same noise batch at every epoch
        device = next(method.parameters()).device
        generator = torch.Generator(device=device).manual_seed(self.seed)
        images = method.sample(self.n, generator=generator)  # n×C×H×W in [0, 1]
        pixels = (images.clamp(0, 1).cpu().numpy() * 255).round().astype(np.uint8)
        atomic.write_npz(model_dir.path / "samples" / f"epoch_{epoch:03d}.npz", images=pixels, epoch=epoch)
        return {}


def snapshot_epochs(total: int, count: int = 4) -> list[int]:
    """`count` epochs spread over training, always including the first and the last."""
    if total <= count:
        return list(range(1, total + 1))
    return sorted({1, total, *np.linspace(1, total, count).round().astype(int).tolist()})


def _metric(logs: dict, key: str) -> float:
    split, _, name = key.partition(".")
    try:
        return float(logs[split][name])
    except KeyError:
        raise GenlabError(f"cannot monitor {key!r}: the epoch record has {split}: "
                          f"{', '.join(logs.get(split, {})) or 'nothing'}") from None


class KeepBest:
    """Keep the weights of the epoch with the best `monitor` (e.g. "val.accuracy", mode
    "max"; the test split is never looked at) in best.pt, and load them at the end."""

    def __init__(self, monitor: str = "val.loss", mode: str = "min"):
        self.monitor, self.sign = monitor, (1.0 if mode == "max" else -1.0)

    def _best(self, model_dir: ModelDir) -> dict | None:
        path = model_dir.path / "best.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def on_epoch_end(self, method, epoch: int, model_dir: ModelDir, logs: dict) -> dict:
        value = _metric(logs, self.monitor)
        best = self._best(model_dir)
        if best is None or best["epoch"] >= epoch or self.sign * value > self.sign * best["value"]:
            atomic.save_torch(model_dir.path / "best.pt", method.state_dict())
            atomic.write_json(model_dir.path / "best.json", {"epoch": epoch, "value": value, "monitor": self.monitor})
        return {}

    def on_train_end(self, method, model_dir: ModelDir) -> None:
        if (model_dir.path / "best.pt").is_file():
            method.load_state_dict(torch.load(model_dir.path / "best.pt", map_location="cpu", weights_only=True))

    def best(self, model_dir: ModelDir) -> dict:
        return self._best(model_dir) or {}


class EarlyStopping:
    """Stop when `monitor` has not improved for `patience` epochs (counted from metrics.jsonl)."""

    def __init__(self, patience: int, monitor: str = "val.loss", mode: str = "min"):
        if patience < 1:
            raise GenlabError(f"early-stopping patience must be >= 1, got {patience}")
        self.patience, self.monitor, self.sign = patience, monitor, (1.0 if mode == "max" else -1.0)
        self.stop = False

    def on_epoch_end(self, method, epoch: int, model_dir: ModelDir, logs: dict) -> dict:
        history = [_metric(r, self.monitor) for r in model_dir.read_metrics() if r["epoch"] < epoch]
        history.append(_metric(logs, self.monitor))
        best_at = max(range(len(history)), key=lambda i: self.sign * history[i])
        self.stop = len(history) - 1 - best_at >= self.patience
        return {}
