"""The contract between a method and the training engine.

A Method names its optimisers and, for each, returns a Loss with named parts. The
engine steps the optimisers in the declared order and never asks which model it holds.
Capabilities that analyses use are plain methods, present or not:
  encode(x) -> B×D, decode(z) -> B×1×28×28, reconstruct(x) -> B×1×28×28,
  sample(n, generator=None) -> n×1×28×28 in [0, 1].
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass
class Loss:
    total: torch.Tensor  # scalar, what the optimiser minimises
    parts: dict[str, torch.Tensor] = field(default_factory=dict)  # named scalars, logged


class Method(nn.Module):
    optimizers: tuple[str, ...] = ("model",)

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        """Parameters per named optimiser (one Adam each)."""
        return {"model": list(self.parameters())}

    def loss(self, x: torch.Tensor, y: torch.Tensor, optimizer: str) -> Loss:
        raise NotImplementedError

    def loss_name(self, optimizer: str) -> str:
        """The metric name of an optimiser's total loss."""
        return "loss" if len(self.optimizers) == 1 else f"{optimizer}_loss"
