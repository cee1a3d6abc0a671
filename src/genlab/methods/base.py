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


# What an analysis may ask of a model, and how the report says that a model lacks it.
CAPABILITIES: dict[str, str] = {
    "encode": "maps images to latent codes",
    "decode": "maps latent codes to images",
    "reconstruct": "reconstructs its input",
    "sample": "draws new images from a prior",
    "stages": "exposes encoder and decoder layer stages",
    "denoise": "is trained on noisy inputs",
    "latent_2d": "has a 2-d latent space",
}


class Method(nn.Module):
    optimizers: tuple[str, ...] = ("model",)

    def capabilities(self) -> frozenset[str]:
        """Which CAPABILITIES this model has, read from what it defines (never from its name)."""
        caps = {c for c in ("encode", "decode", "reconstruct", "sample") if callable(getattr(self, c, None))}
        encoder, decoder = getattr(self, "encoder", None), getattr(self, "decoder", None)
        if hasattr(encoder, "stages") and hasattr(decoder, "stages") and "encode" in caps:
            caps.add("stages")
        if getattr(self, "noise_factor", None) is not None:
            caps.add("denoise")
        if "encode" in caps and getattr(self, "latent_dim", None) == 2:
            caps.add("latent_2d")
        return frozenset(caps)

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        """Parameters per named optimiser (one Adam each)."""
        return {"model": list(self.parameters())}

    def loss(self, x: torch.Tensor, y: torch.Tensor, optimizer: str) -> Loss:
        raise NotImplementedError

    def after_step(self, optimizer: str) -> None:
        """Called by the trainer after each step of `optimizer` (e.g. to update an average of the
        weights); nothing by default."""

    def loss_name(self, optimizer: str) -> str:
        """The metric name of an optimiser's total loss."""
        return "loss" if len(self.optimizers) == 1 else f"{optimizer}_loss"
