"""Epoch callbacks that any method with the matching capability can use."""
from __future__ import annotations

import numpy as np
import torch

from genlab import atomic
from genlab.runs import ModelDir


class SampleSnapshots:
    """Samples from a fixed noise batch at chosen epochs, kept as uint8 arrays in
    models/NAME/samples/epoch_NNN.npz, so figures can show training progress."""

    def __init__(self, epochs: list[int], n: int = 64, seed: int = 1234):
        self.epochs, self.n, self.seed = set(epochs), n, seed

    def on_epoch_end(self, method, epoch: int, model_dir: ModelDir) -> dict:
        if epoch not in self.epochs or not hasattr(method, "sample"):
            return {}
        # the same generator seed every time → the same noise batch at every epoch
        device = next(method.parameters()).device
        generator = torch.Generator(device=device).manual_seed(self.seed)
        images = method.sample(self.n, generator=generator)  # n×1×28×28 in [0, 1]
        pixels = (images.clamp(0, 1).squeeze(1).cpu().numpy() * 255).round().astype(np.uint8)
        atomic.write_npz(model_dir.path / "samples" / f"epoch_{epoch:03d}.npz", images=pixels, epoch=epoch)
        return {}


def snapshot_epochs(total: int, count: int = 4) -> list[int]:
    """`count` epochs spread over training, always including the first and the last."""
    if total <= count:
        return list(range(1, total + 1))
    return sorted({1, total, *np.linspace(1, total, count).round().astype(int).tolist()})
