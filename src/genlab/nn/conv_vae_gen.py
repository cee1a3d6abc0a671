"""Networks of the convolutional VAE for generation: the DCGAN discriminator's trunk as
encoder and the DCGAN generator (nn/dcgan.py) as decoder, its tanh output mapped to [0, 1].

Report 004's conv VAE (nn/conv.py, table 2) is built to reconstruct with 8–32 channels
and a 20-d latent; this one has the capacity of the study's DCGAN, so the two families
are compared at equal decoder size.

    encoder  C×H×W → w×(H/2)×(W/2) → 2w×(H/4)×(W/4) features (μ/log σ² head lives in the method)
    decoder  latent → 2w×(H/4)×(W/4) → w×(H/2)×(W/2) → C×H×W in [0, 1]
"""
from __future__ import annotations

from torch import nn

from genlab.nn.dcgan import DCGANGenerator, downsampling_trunk, quarter


class ConvGenEncoder(nn.Module):
    """B×C×H×W in [0, 1] → B×(2·width·H/4·W/4) features."""

    def __init__(self, shape: tuple[int, int, int], width: int = 32):
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be >= 1, got {width}")
        rows, cols = quarter(shape)
        self.out_dim = 2 * width * rows * cols
        self.net = nn.Sequential(*downsampling_trunk(shape[0], width, nn.BatchNorm2d(2 * width), bias=False),
                                 nn.Flatten())

    def forward(self, x):
        return self.net(x)


class ConvGenDecoder(nn.Module):
    """B×latent → B×C×H×W in [0, 1]: the DCGAN generator, (tanh + 1) / 2 = sigmoid(2·)."""

    def __init__(self, shape: tuple[int, int, int], latent_dim: int = 32, width: int = 32):
        super().__init__()
        self.generator = DCGANGenerator(shape, latent_dim, width)

    def forward(self, z):
        return (self.generator(z) + 1) / 2
