"""Dense (MLP) encoders, decoders, generator and discriminator for images of any shape
(C, H, W): an image enters and leaves as its C·H·W values, flattened."""
from __future__ import annotations

import math

from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "none": nn.Identity,
               "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def mlp(sizes: list[int], hidden_act: str = "relu", out_act: str = "none") -> nn.Sequential:
    """Linear layers between consecutive sizes; `hidden_act` between them, `out_act` last."""
    bad = [n for n in sizes if isinstance(n, bool) or not isinstance(n, int) or n < 1]
    if bad:
        raise ValueError(f"layer sizes must be whole numbers >= 1, got {bad[0]!r} in {list(sizes)}")
    for act in (hidden_act, out_act):
        _check_activation(act)
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        last = i == len(sizes) - 2
        layers.append(ACTIVATIONS[out_act if last else hidden_act]())
    return nn.Sequential(*layers)


def _check_activation(name: str) -> None:
    if name not in ACTIVATIONS:
        raise ValueError(f"activation {name!r} is not one of {', '.join(ACTIVATIONS)}")


class DenseEncoder(nn.Module):
    """B×C×H×W → B×out_dim."""

    def __init__(self, shape: tuple[int, int, int], out_dim: int, hidden: list[int] = (), out_act: str = "none",
                 hidden_act: str = "relu"):
        super().__init__()
        self.out_dim = out_dim
        self.net = mlp([math.prod(shape), *hidden, out_dim], hidden_act, out_act)

    def forward(self, x):
        return self.net(x.flatten(1))  # B×(C·H·W) → B×out_dim


class DenseDecoder(nn.Module):
    """B×in_dim → B×C×H×W (activation `out_act`, sigmoid for pixels in [0, 1]).

    `logits` is the output before that activation, for losses that take it (a VAE's
    cross-entropy from logits is one fused kernel, and exact where the sigmoid saturates)."""

    def __init__(self, shape: tuple[int, int, int], in_dim: int, hidden: list[int] = (), out_act: str = "sigmoid",
                 hidden_act: str = "relu"):
        super().__init__()
        _check_activation(out_act)
        self.shape = tuple(shape)
        self.net = mlp([in_dim, *hidden, math.prod(shape)], hidden_act, "none")  # no parameters in the activation:
        self.out = ACTIVATIONS[out_act]()  # the state_dict keys are those of one Sequential ending in it

    def logits(self, z):
        return self.net(z).view(-1, *self.shape)  # B×C×H×W, before the output activation

    def forward(self, z):
        return self.out(self.logits(z))


class DenseDiscriminator(nn.Module):
    """B×C×H×W → B logits (real vs fake)."""

    def __init__(self, shape: tuple[int, int, int], hidden: list[int] = (512, 256)):
        super().__init__()
        self.net = mlp([math.prod(shape), *hidden, 1], "leaky_relu", "none")

    def forward(self, x):
        return self.net(x.flatten(1)).squeeze(1)
