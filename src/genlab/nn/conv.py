"""Convolutional encoders and decoders of report 004 (tables 1 and 2).

Each network is a Sequential of *stages*, one per row of the report's table, so a test
can run them one by one and compare every output shape with the table. The report's
shapes are those of 1×28×28 images; the same stages serve any C×H×W (each stage's size
follows from the input's, and the decoders end at the input's size), e.g. 3×32×32. The report gives
channels, strides and output shapes only; kernel sizes and paddings here are the
smallest common choices (3×3, padding 1) that reproduce those shapes exactly, and an
activation (ReLU, or LeakyReLU 0.2) follows every hidden layer, optionally after a
BatchNorm (the report names neither activations nor normalisation).

    AE encoder   1×28×28 → 8×14×14 → 8×14×14 → 16×5×5 → 32×5×5 → 128×3×3
    AE decoder   128×3×3 → 32×5×5 → 16×5×5 → 8×14×14 → 8×14×14 → 1×28×28 (upsample + 1-ch conv) → sigmoid
    VAE encoder  1×28×28 → 8×14×14 → 16×7×7 → 32×4×4 → 512 (flatten; μ/log σ² head lives in the method)
    VAE decoder  20 → 32×4×4 → 16×7×7 → 8×14×14 → 1×28×28 → sigmoid
"""
from __future__ import annotations

import math

from torch import nn

from genlab.param_domains import NORMS, UPSAMPLE_MODES

AE_STRIDES = (2, 1, 3, 1, 2)  # table 1's encoder
VAE_STRIDES = (2, 2, 2)  # table 2's encoder


def conv_sizes(size: int, strides: tuple[int, ...]) -> list[int]:
    """A side's length after each 3×3, padding-1 convolution of `strides`, starting at `size`."""
    sizes = [size]
    for stride in strides:
        sizes.append((sizes[-1] - 1) // stride + 1)
    return sizes


ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2)}


def _finish(layer: nn.Module, c_out: int, act: str | None, norm: str) -> nn.Sequential:
    """layer → [BatchNorm] → activation for hidden layers (act=None: the bare layer)."""
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    if act is None:
        return nn.Sequential(layer)
    if act not in ACTIVATIONS:
        raise ValueError(f"act must be one of {tuple(ACTIVATIONS)}, got {act!r}")
    norm_layers = [nn.BatchNorm2d(c_out)] if norm == "batch" else []
    return nn.Sequential(layer, *norm_layers, ACTIVATIONS[act]())


def conv(c_in: int, c_out: int, stride: int, act: str | None = "relu", norm: str = "none") -> nn.Sequential:
    """3×3 convolution, padding 1: output size ⌊(n − 1)/stride⌋ + 1."""
    return _finish(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1), c_out, act, norm)


def deconv(c_in: int, c_out: int, stride: int, kernel: int = 3, output_padding: int | tuple[int, int] = 0,
           act: str | None = "relu", norm: str = "none") -> nn.Sequential:
    """Transposed convolution, padding 1: output (n − 1)·stride − 2 + kernel + output_padding."""
    layer = nn.ConvTranspose2d(c_in, c_out, kernel, stride=stride, padding=1, output_padding=output_padding)
    return _finish(layer, c_out, act, norm)


class ConvAEEncoder(nn.Module):
    """Table 1, encoder: B×C×H×W → B×128×h×w, the bottleneck (1×28×28 → 128×3×3).

    `bottleneck_act` is the activation of the last layer: ReLU (default) keeps every
    stage alike; "none" gives a linear bottleneck."""

    def __init__(self, shape: tuple[int, int, int], bottleneck_act: str = "relu", norm: str = "none",
                 act: str = "relu"):
        super().__init__()
        if bottleneck_act not in ("relu", "none"):
            raise ValueError(f"bottleneck_act must be 'relu' or 'none', got {bottleneck_act!r}")
        channels, height, width = shape
        self.out_shape = (128, conv_sizes(height, AE_STRIDES)[-1], conv_sizes(width, AE_STRIDES)[-1])
        self.stages = nn.Sequential(
            conv(channels, 8, 2, act, norm),  # 8×14×14 (at 28×28)
            conv(8, 8, 1, act, norm),     # 8×14×14
            conv(8, 16, 3, act, norm),    # 16×5×5
            conv(16, 32, 1, act, norm),   # 32×5×5
            conv(32, 128, 2, "relu" if bottleneck_act == "relu" else None),  # 128×3×3, no norm: codes keep their scale
        )

    def forward(self, x):
        return self.stages(x)  # B×128×h×w


class ConvAEDecoder(nn.Module):
    """Table 1, decoder: B×128×h×w (or the flattened code) → B×C×H×W in [0, 1].

    Row "Upsample to 28×28 → 1×28×28" is an upsampling of the 8×14×14 map to the image's
    size (2× at 28×28) followed by a 3×3 convolution to the image's channels: the table's
    output has one channel and an upsampling alone cannot change the channel count."""

    def __init__(self, shape: tuple[int, int, int], in_shape: tuple[int, int, int], upsample: str = "bilinear",
                 norm: str = "none", act: str = "relu"):
        super().__init__()
        if upsample not in UPSAMPLE_MODES:  # nn.Upsample accepts any string and fails at the first forward
            raise ValueError(f"upsample must be one of {', '.join(UPSAMPLE_MODES)}, got {upsample!r}")
        channels, height, width = shape
        self.in_shape = tuple(in_shape)
        mid = tuple(6 * side - 4 for side in in_shape[1:])  # the 8-channel map's sides after the two deconvs
        # scale 2 where it lands on the image exactly (28×28: the report's row), else the image's size
        resize = (nn.Upsample(scale_factor=2, mode=upsample) if (2 * mid[0], 2 * mid[1]) == (height, width)
                  else nn.Upsample(size=(height, width), mode=upsample))
        self.stages = nn.Sequential(
            deconv(128, 32, 2, act=act, norm=norm),          # 32×5×5:  (3−1)·2 − 2 + 3
            conv(32, 16, 1, act, norm),                      # 16×5×5
            deconv(16, 8, 3, kernel=4, act=act, norm=norm),  # 8×14×14: (5−1)·3 − 2 + 4
            conv(8, 8, 1, act, norm),                        # 8×14×14
            nn.Sequential(resize, nn.Conv2d(8, channels, 3, padding=1)),  # C×H×W
            nn.Sigmoid(),
        )

    def forward(self, z):
        return self.stages(z.view(-1, *self.in_shape))  # B×C×H×W


class ConvVAEEncoder(nn.Module):
    """Table 2, encoder: B×C×H×W → B×(32·h·w) features (1×28×28 → 32×4×4 = 512)."""

    def __init__(self, shape: tuple[int, int, int]):
        super().__init__()
        channels, height, width = shape
        self.feature_shape = (32, conv_sizes(height, VAE_STRIDES)[-1], conv_sizes(width, VAE_STRIDES)[-1])
        self.out_dim = math.prod(self.feature_shape)
        self.stages = nn.Sequential(
            conv(channels, 8, 2),  # 8×14×14 (at 28×28)
            conv(8, 16, 2),    # 16×7×7
            conv(16, 32, 2),   # 32×4×4
            nn.Flatten(),      # 512
        )

    def forward(self, x):
        return self.stages(x)  # B×(32·h·w)


class ConvVAEDecoder(nn.Module):
    """Table 2, decoder: B×latent → B×C×H×W in [0, 1]. Each transposed convolution doubles
    a side minus one, plus an output padding of 0 or 1 chosen so that the sides retrace the
    encoder's (28×28: 4 → 7 → 14 → 28, paddings 0, 1, 1)."""

    def __init__(self, shape: tuple[int, int, int], latent_dim: int = 20):
        super().__init__()
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a whole number >= 1, got {latent_dim!r}")
        channels, height, width = shape
        self.in_shape = (latent_dim,)
        rows, cols = conv_sizes(height, VAE_STRIDES)[::-1], conv_sizes(width, VAE_STRIDES)[::-1]  # 4, 7, 14, 28
        pads = [(r1 - (2 * r0 - 1), c1 - (2 * c0 - 1)) for r0, r1, c0, c1 in zip(rows, rows[1:], cols, cols[1:])]
        features = (32, rows[0], cols[0])
        self.stages = nn.Sequential(
            nn.Sequential(nn.Linear(latent_dim, math.prod(features)), nn.ReLU(), nn.Unflatten(1, features)),  # 32×4×4
            deconv(32, 16, 2, output_padding=pads[0]),                  # 16×7×7:  (4−1)·2 − 2 + 3
            deconv(16, 8, 2, output_padding=pads[1]),                   # 8×14×14: (7−1)·2 − 2 + 3 + 1
            deconv(8, channels, 2, output_padding=pads[2], act=None),   # C×28×28: (14−1)·2 − 2 + 3 + 1
            nn.Sigmoid(),
        )

    def forward(self, z):
        return self.stages(z)  # B×C×H×W
