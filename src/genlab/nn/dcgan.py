"""DCGAN networks for 28×28 images (Radford et al. 2016, scaled to Fashion-MNIST):
strided (transposed) convolutions instead of pooling, BatchNorm in both networks except
the generator's output and the discriminator's input, ReLU in the generator, LeakyReLU(0.2)
in the discriminator, tanh output."""
from __future__ import annotations

from torch import nn


class DCGANGenerator(nn.Module):
    """B×latent_dim → B×1×28×28 in [-1, 1]."""

    def __init__(self, latent_dim: int = 64, width: int = 64):
        super().__init__()
        if latent_dim < 1 or width < 1:
            raise ValueError(f"latent_dim and width must be >= 1, got {latent_dim} and {width}")
        self.width = width
        self.project = nn.Sequential(nn.Linear(latent_dim, 2 * width * 7 * 7, bias=False),
                                     nn.BatchNorm1d(2 * width * 7 * 7), nn.ReLU(inplace=True))
        self.net = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False),  # 2w×7×7 → w×14×14
            nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),  # w×14×14 → 1×28×28
            nn.Tanh(),
        )

    def forward(self, z):
        return self.net(self.project(z).view(-1, 2 * self.width, 7, 7))


class DCGANDiscriminator(nn.Module):
    """B×1×28×28 in [-1, 1] → B logits (real vs fake)."""

    def __init__(self, width: int = 64):
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be >= 1, got {width}")
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),  # w×14×14
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=False),  # 2w×7×7
            nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2, inplace=True),
            nn.Flatten(), nn.Linear(2 * width * 7 * 7, 1),
        )

    def forward(self, x):
        return self.net(x).squeeze(1)
