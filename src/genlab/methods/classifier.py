"""Supervised classification on a frozen, pre-trained encoder (report 004, section 2.4).

The encoder of a trained AE / VAE / DAE becomes a fixed feature extractor: its weights
are set to requires_grad=False and it is held in eval mode whatever mode the classifier
is put in, so neither gradients nor normalisation statistics can change it. Only the
head — Flatten → Linear+ReLU(+Dropout) … → Linear(10) — is trained, with cross-entropy.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genlab.methods.base import Loss, Method


class PixelEncoder(nn.Module):
    """The raw-pixel baseline's 'encoder': B×1×28×28 → B×784, no parameters."""

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)  # B×784


def mlp_head(in_dim: int, hidden: list[int], classes: int = 10, dropout: float = 0.0) -> nn.Sequential:
    """Flatten → (Linear → ReLU → Dropout) per hidden width → Linear to class logits."""
    layers: list[nn.Module] = [nn.Flatten()]
    for width in hidden:
        layers += [nn.Linear(in_dim, width), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        in_dim = width
    layers.append(nn.Linear(in_dim, classes))
    return nn.Sequential(*layers)


class FrozenEncoderClassifier(Method):
    """logits = head(encoder.encode(x)); the encoder is anything with `encode(x) -> B×D`
    (a trained Method: AE/DAE give the flattened bottleneck, the VAE its mean μ)."""

    def __init__(self, encoder: nn.Module, feature_dim: int, hidden: list[int] = (512,), classes: int = 10,
                 dropout: float = 0.0):
        super().__init__()
        self.encoder = encoder
        for param in self.encoder.parameters():
            param.requires_grad_(False)
        self.encoder.eval()
        # Fixed (not trained) feature standardisation, set from the training features:
        # bottleneck codes can sit on any scale, which would slow the head's training.
        self.register_buffer("feature_mean", torch.zeros(feature_dim))
        self.register_buffer("feature_std", torch.ones(feature_dim))
        self.head = mlp_head(feature_dim, list(hidden), classes, dropout)

    @torch.no_grad()
    def standardize_with(self, train_features: torch.Tensor) -> None:
        """Centre and scale features by the training features' per-dimension mean and std."""
        self.feature_mean.copy_(train_features.mean(0))
        self.feature_std.copy_(train_features.std(0).clamp_min(1e-6))

    def train(self, mode: bool = True):
        super().train(mode)
        self.encoder.eval()  # frozen means frozen: no dropout/batch-norm updates either
        return self

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        return {"model": list(self.head.parameters())}  # the optimiser never sees the encoder

    @torch.no_grad()
    def features(self, x: torch.Tensor) -> torch.Tensor:
        """B×1×28×28 → B×D, without building a graph through the encoder."""
        return self.encoder.encode(x)

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        return self.head((features - self.feature_mean) / self.feature_std)  # B×classes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(self.features(x))

    def loss(self, x, y, optimizer="model"):
        return self.loss_from_features(self.features(x), y)

    def loss_from_features(self, features: torch.Tensor, y: torch.Tensor) -> Loss:
        """Cross-entropy of the head on precomputed features (identical to `loss(x, y)`:
        the frozen encoder in eval mode is a fixed function of x)."""
        logits = self.logits(features)
        accuracy = (logits.argmax(1) == y).float().mean()
        return Loss(F.cross_entropy(logits, y), {"accuracy": accuracy.detach()})
