"""Convolutional encoders and decoders of report 004 (tables 1 and 2).

Each network is a Sequential of *stages*, one per row of the report's table, so a test
can run them one by one and compare every output shape with the table. The report gives
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

from torch import nn
from genlab.param_domains import NORMS, UPSAMPLE_MODES

AE_BOTTLENECK = (128, 3, 3)
VAE_FEATURES = (32, 4, 4)


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


def deconv(c_in: int, c_out: int, stride: int, kernel: int = 3, output_padding: int = 0,
           act: str | None = "relu", norm: str = "none") -> nn.Sequential:
    """Transposed convolution, padding 1: output (n − 1)·stride − 2 + kernel + output_padding."""
    layer = nn.ConvTranspose2d(c_in, c_out, kernel, stride=stride, padding=1, output_padding=output_padding)
    return _finish(layer, c_out, act, norm)


class ConvAEEncoder(nn.Module):
    """Table 1, encoder: B×1×28×28 → B×128×3×3 (the bottleneck).

    `bottleneck_act` is the activation of the last layer: ReLU (default) keeps every
    stage alike; "none" gives a linear bottleneck."""

    def __init__(self, bottleneck_act: str = "relu", norm: str = "none", act: str = "relu"):
        super().__init__()
        if bottleneck_act not in ("relu", "none"):
            raise ValueError(f"bottleneck_act must be 'relu' or 'none', got {bottleneck_act!r}")
        self.stages = nn.Sequential(
            conv(1, 8, 2, act, norm),     # 8×14×14
            conv(8, 8, 1, act, norm),     # 8×14×14
            conv(8, 16, 3, act, norm),    # 16×5×5
            conv(16, 32, 1, act, norm),   # 32×5×5
            conv(32, 128, 2, "relu" if bottleneck_act == "relu" else None),  # 128×3×3, no norm: codes keep their scale
        )

    def forward(self, x):
        return self.stages(x)  # B×128×3×3


class ConvAEDecoder(nn.Module):
    """Table 1, decoder: B×128×3×3 (or the flattened B×1152) → B×1×28×28 in [0, 1].

    Row "Upsample to 28×28 → 1×28×28" is a 2× upsampling of the 8×14×14 map followed by
    a 3×3 convolution to one channel: the table's output has one channel and an
    upsampling alone cannot change the channel count."""

    in_shape = AE_BOTTLENECK

    def __init__(self, upsample: str = "bilinear", norm: str = "none", act: str = "relu"):
        super().__init__()
        if upsample not in UPSAMPLE_MODES:  # nn.Upsample accepts any string and fails at the first forward
            raise ValueError(f"upsample must be one of {', '.join(UPSAMPLE_MODES)}, got {upsample!r}")
        self.stages = nn.Sequential(
            deconv(128, 32, 2, act=act, norm=norm),          # 32×5×5:  (3−1)·2 − 2 + 3
            conv(32, 16, 1, act, norm),                      # 16×5×5
            deconv(16, 8, 3, kernel=4, act=act, norm=norm),  # 8×14×14: (5−1)·3 − 2 + 4
            conv(8, 8, 1, act, norm),                        # 8×14×14
            nn.Sequential(nn.Upsample(scale_factor=2, mode=upsample), nn.Conv2d(8, 1, 3, padding=1)),  # 1×28×28
            nn.Sigmoid(),
        )

    def forward(self, z):
        return self.stages(z.view(-1, *AE_BOTTLENECK))  # B×1×28×28


class ConvVAEEncoder(nn.Module):
    """Table 2, encoder: B×1×28×28 → B×512 features (32×4×4 flattened)."""

    out_dim = 32 * 4 * 4

    def __init__(self):
        super().__init__()
        self.stages = nn.Sequential(
            conv(1, 8, 2),     # 8×14×14
            conv(8, 16, 2),    # 16×7×7
            conv(16, 32, 2),   # 32×4×4
            nn.Flatten(),      # 512
        )

    def forward(self, x):
        return self.stages(x)  # B×512


class ConvVAEDecoder(nn.Module):
    """Table 2, decoder: B×latent → B×1×28×28 in [0, 1]."""

    def __init__(self, latent_dim: int = 20):
        super().__init__()
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a whole number >= 1, got {latent_dim!r}")
        self.in_shape = (latent_dim,)
        self.stages = nn.Sequential(
            nn.Sequential(nn.Linear(latent_dim, 32 * 4 * 4), nn.ReLU(), nn.Unflatten(1, VAE_FEATURES)),  # 32×4×4
            deconv(32, 16, 2),                               # 16×7×7:  (4−1)·2 − 2 + 3
            deconv(16, 8, 2, output_padding=1),              # 8×14×14: (7−1)·2 − 2 + 3 + 1
            deconv(8, 1, 2, output_padding=1, act=None),    # 1×28×28: (14−1)·2 − 2 + 3 + 1
            nn.Sigmoid(),
        )

    def forward(self, z):
        return self.stages(z)  # B×1×28×28
