"""An exponential moving average of a network's weights (Polyak averaging), what diffusion and
flow models sample from: the raw weights of a noise predictor jump from step to step, and
their average gives visibly cleaner samples (Ho et al. 2020 used a decay of 0.9999).

The average is a copy of the network held as a submodule, so it is part of the owner's
state_dict: the trainer's checkpoints and final.pt carry it, and a resumed run continues the
same average (the same bits as an uninterrupted run). Its parameters never require grad and
an owner leaves them out of its optimiser's groups.

Decay warm-up: update n (from 0) uses min(decay, (1 + n) / (10 + n)) (TensorFlow's
ExponentialMovingAverage with num_updates). Without it the average of a short run is mostly
the random initial weights (after 400 steps at 0.999, 0.999^400 = 67 % of them); with it the
first updates follow the network closely and the full decay is reached after about
10 / (1 − decay) steps. The step count is a tensor and the update is made of tensor
operations only, so it also runs inside a captured CUDA graph (train.step=cuda_graph).
"""
from __future__ import annotations

import copy

import torch
from torch import nn


class EMA(nn.Module):
    """`EMA(net, decay)`; `update(net)` after each optimiser step; `average` is the averaged copy."""

    def __init__(self, net: nn.Module, decay: float = 0.999):
        super().__init__()
        if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 <= decay < 1:
            raise ValueError(f"ema_decay must be a number in [0, 1), got {decay!r}")
        self.decay = float(decay)
        self.average = copy.deepcopy(net).requires_grad_(False).eval()
        self.register_buffer("updates", torch.zeros((), dtype=torch.float32))  # n, saved with the weights

    def current_decay(self) -> torch.Tensor:
        """The decay the next update uses: a 0-d tensor (no host sync)."""
        warm = (1 + self.updates) / (10 + self.updates)
        return torch.clamp(warm, max=self.decay)

    @torch.no_grad()
    def update(self, net: nn.Module) -> None:
        """average ← d·average + (1 − d)·net for every parameter; buffers are copied as they are."""
        d = self.current_decay()
        averaged = list(self.average.parameters())
        live = [p.detach() for p in net.parameters()]
        if averaged:
            torch._foreach_mul_(averaged, d)  # one kernel per list, not one per tensor
            torch._foreach_add_(averaged, torch._foreach_mul(live, 1 - d))
        for mine, theirs in zip(self.average.buffers(), net.buffers()):
            mine.copy_(theirs)
        self.updates.add_(1)

    def train(self, mode: bool = True) -> "EMA":
        """The average always runs in eval mode (no dropout in sampling), whatever its owner's mode."""
        super().train(mode)
        self.average.eval()
        return self

    def extra_repr(self) -> str:
        return f"decay={self.decay}"
