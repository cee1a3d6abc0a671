"""Supervised classification on a frozen, pre-trained encoder (report 004, section 2.4).

`ClassifierHead` is the trainable part: fixed feature standardisation and an MLP
(Flatten → Linear+ReLU(+Dropout) … → Linear(classes)), trained with cross-entropy on
precomputed features through the one trainer. `FrozenEncoderClassifier` puts a trained
encoder in front of a head: the encoder's weights are set to requires_grad=False and it
is held in eval mode whatever mode the classifier is put in, so neither gradients nor
normalisation statistics can change it.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genlab.methods.base import Loss, Method


class PixelEncoder(nn.Module):
    """The raw-pixel baseline's 'encoder': B×C×H×W → B×(C·H·W), no parameters."""

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)  # B×(C·H·W)


def mlp_head(in_dim: int, hidden: list[int], classes: int, dropout: float = 0.0) -> nn.Sequential:
    """Flatten → (Linear → ReLU → Dropout) per hidden width → Linear to class logits."""
    layers: list[nn.Module] = [nn.Flatten()]
    for width in hidden:
        layers += [nn.Linear(in_dim, width), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        in_dim = width
    layers.append(nn.Linear(in_dim, classes))
    return nn.Sequential(*layers)


def describe_layers(network: nn.Sequential) -> str:
    """'Linear 1152→512 → ReLU → Dropout(0.3) → Linear 512→10', read from the layers themselves."""
    parts = []
    for layer in network:
        if isinstance(layer, nn.Flatten):
            continue
        if isinstance(layer, nn.Linear):
            parts.append(f"Linear {layer.in_features}→{layer.out_features}")
        elif isinstance(layer, nn.Dropout):
            parts.append(f"Dropout({layer.p:g})")
        else:
            parts.append(type(layer).__name__)
    return " → ".join(parts)


class ClassifierHead(Method):
    """logits = mlp((features − mean) / std); trained on N×D features by the one trainer.

    The standardisation is fixed (buffers, not parameters), set from the training features:
    bottleneck codes can sit on any scale, which would slow the head's training."""

    def __init__(self, feature_dim: int, classes: int, hidden: list[int] = (512,), dropout: float = 0.0):
        super().__init__()
        self.register_buffer("feature_mean", torch.zeros(feature_dim))
        self.register_buffer("feature_std", torch.ones(feature_dim))
        self.mlp = mlp_head(feature_dim, list(hidden), classes, dropout)

    @torch.no_grad()
    def standardize_with(self, train_features: torch.Tensor) -> None:
        """Centre and scale features by the training features' per-dimension mean and std."""
        self.feature_mean.copy_(train_features.mean(0))
        self.feature_std.copy_(train_features.std(0).nan_to_num(1.0).clamp_min(1e-6))

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        return self.mlp((features - self.feature_mean) / self.feature_std)  # B×classes

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.logits(features)

    def loss(self, features: torch.Tensor, y: torch.Tensor, optimizer: str = "model") -> Loss:
        logits = self.logits(features)
        accuracy = (logits.argmax(1) == y).float().mean()
        return Loss(F.cross_entropy(logits, y), {"accuracy": accuracy.detach()})

    def describe(self) -> str:
        return describe_layers(self.mlp)


class FrozenEncoderClassifier(Method):
    """logits = head(encoder.encode(x)); the encoder is anything with `encode(x) -> B×D`
    (a trained Method: AE/DAE give the flattened bottleneck, the VAE its mean μ)."""

    def __init__(self, encoder: nn.Module, head: ClassifierHead):
        super().__init__()
        self.encoder, self.head = encoder, head
        for param in self.encoder.parameters():
            param.requires_grad_(False)
        self.encoder.eval()

    def train(self, mode: bool = True):
        super().train(mode)
        self.encoder.eval()  # frozen means frozen: no dropout/batch-norm updates either
        return self

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        return {"model": list(self.head.parameters())}  # the optimiser never sees the encoder

    @torch.no_grad()
    def features(self, x: torch.Tensor) -> torch.Tensor:
        """B×C×H×W → B×D, without building a graph through the encoder."""
        return self.encoder.encode(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head.logits(self.features(x))

    def loss(self, x, y, optimizer="model"):
        # identical to the head's loss on precomputed features: the frozen encoder in
        # eval mode is a fixed function of x
        return self.head.loss(self.features(x), y)
