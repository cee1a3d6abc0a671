"""The contract between a method and the training engine, and how a method describes itself.

A Method names its optimisers and, for each, returns a Loss with named parts. The
engine steps the optimisers in the declared order and never asks which model it holds.

A method also says what it is, in one place, so that nothing else guesses: its
capabilities (what analyses may ask of it), how it generates (`sampling`), what it
minimises in words (`loss_sentence`) and short facts for side-by-side tables (`traits`).
Images are B×C×H×W floats in [0, 1]; the methods that have them offer
  encode(x) -> B×D, decode(z) -> B×C×H×W, reconstruct(x) -> B×C×H×W,
  sample(n, generator=None) -> n×C×H×W.
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
    "generate": "generates new images (from its prior, or through a mixture fitted to its codes)",
    "stages": "exposes encoder and decoder layer stages",
    "denoise": "is trained on noisy inputs",
    "variational": "is trained with a KL term between its codes' posterior and a prior (a VAE)",
    "latent_2d": "has a 2-d latent space",
    "iterative": "samples in a chosen number of steps",
    "conditional": "generates an image of a chosen class",
}
SAMPLING = {
    "prior": "draws from its own prior",
    "codes": "decodes draws from a Gaussian mixture fitted to its codes of the training images",
    "none": "cannot generate images",
}


class Method(nn.Module):
    optimizers: tuple[str, ...] = ("model",)
    sampling: str = "none"  # how it generates: a key of SAMPLING
    prior: str | None = None  # the latent prior a "prior" sampler draws from: normal | uniform
    prior_choice: bool = False  # sample(..., prior=...) may draw from another prior than the trained one

    def capabilities(self) -> frozenset[str]:
        """Which CAPABILITIES this model has: the one place that decides it. The base reads
        the methods a class defines; a class with more (a denoiser, a sampler that takes steps)
        adds them in its own override."""
        caps = {c for c in ("encode", "decode", "reconstruct", "sample") if _defines(self, c)}
        if self.sampling != "none":
            caps.add("generate")
        encoder, decoder = getattr(self, "encoder", None), getattr(self, "decoder", None)
        if isinstance(getattr(encoder, "stages", None), nn.Module) and isinstance(getattr(decoder, "stages", None),
                                                                                  nn.Module) and "encode" in caps:
            caps.add("stages")
        if "encode" in caps and getattr(self, "latent_dim", None) == 2:
            caps.add("latent_2d")
        return frozenset(caps)

    def loss_sentence(self) -> str:
        """What this model minimises, in words, from its own settings."""
        return f"its own objective ({', '.join(self.loss_name(o) for o in self.optimizers)})"

    def traits(self) -> dict[str, str]:
        """Short facts for side-by-side tables: objective, noise in training, loss, latent space."""
        latent = getattr(self, "latent_dim", None)
        return {"objective": type(self).__name__, "noise in training": "no", "loss": self.loss_sentence(),
                "latent space": f"{latent}-d" if latent else "—"}

    def sampler_sentence(self) -> str:
        """How it generates, in words."""
        return SAMPLING[self.sampling]

    def parameter_count(self) -> int:
        """Trainable parameters: what a run reports and a dry run predicts (an EMA copy is not one)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

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


def _defines(method: Method, name: str) -> bool:
    return callable(getattr(method, name, None))
