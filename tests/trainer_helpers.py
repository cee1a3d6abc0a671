"""Helpers shared by the trainer tests (a uniquely named module, like cli_helpers)."""
from __future__ import annotations

import torch

from genlab.data.splits import Split
from genlab.engine.trainer import TrainData


def random_data(n_train: int = 256, n_val: int = 64, n_test: int = 64, seed: int = 0,
                shape: tuple[int, int, int] = (1, 28, 28), classes: int = 10) -> TrainData:
    """Random uint8 N×C×H×W images and labels: enough for the trainer's mechanics, not for learning."""
    g = torch.Generator().manual_seed(seed)
    make = lambda n: Split(torch.randint(0, 256, (n, *shape), generator=g, dtype=torch.uint8),
                           torch.randint(0, classes, (n,), generator=g))
    return TrainData(make(n_train), make(n_val), make(n_test))


class StopAt:
    """Simulates Ctrl-C at the end of one epoch (before its checkpoint is written)."""

    def __init__(self, epoch: int):
        self.epoch = epoch

    def on_epoch_end(self, method, epoch, model_dir, logs):
        if epoch == self.epoch:
            raise KeyboardInterrupt
        return {}
