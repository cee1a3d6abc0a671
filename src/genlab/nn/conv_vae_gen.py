"""Networks of the convolutional VAE for generation: a DCGAN-shaped encoder and the DCGAN
generator (nn/dcgan.py) as decoder, its tanh output mapped to [0, 1].

Report 004's conv VAE (nn/conv.py, table 2) is built to reconstruct with 8–32 channels
and a 20-d latent; this one has the capacity of the study's DCGAN, so the two families
are compared at equal decoder size.

    encoder  1×28×28 → w×14×14 → 2w×7×7 → 2w·49 features (μ/log σ² head lives in the method)
    decoder  latent → 2w×7×7 → w×14×14 → 1×28×28 in [0, 1]
"""
from __future__ import annotations

from torch import nn

from genlab.nn.dcgan import DCGANGenerator


class ConvGenEncoder(nn.Module):
    """B×1×28×28 in [0, 1] → B×(2·width·49) features."""

    def __init__(self, width: int = 32):
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be >= 1, got {width}")
        self.out_dim = 2 * width * 7 * 7
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),  # w×14×14
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=False),  # 2w×7×7
            nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2, inplace=True),
            nn.Flatten(),
        )

    def forward(self, x):
        return self.net(x)


class ConvGenDecoder(nn.Module):
    """B×latent → B×1×28×28 in [0, 1]: the DCGAN generator, (tanh + 1) / 2 = sigmoid(2·)."""

    def __init__(self, latent_dim: int = 32, width: int = 32):
        super().__init__()
        self.generator = DCGANGenerator(latent_dim, width)

    def forward(self, z):
        return (self.generator(z) + 1) / 2
