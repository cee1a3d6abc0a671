"""DCGAN networks (Radford et al. 2016, scaled to small images): strided (transposed)
convolutions instead of pooling, BatchNorm in both networks except the generator's output
and the discriminator's input, ReLU in the generator, LeakyReLU(0.2) in the
discriminator, tanh output. Two stride-2 stages: an image side must be a multiple of 4
(1×28×28: 7 → 14 → 28; 3×32×32: 8 → 16 → 32)."""
from __future__ import annotations

from torch import nn


def quarter(shape: tuple[int, int, int]) -> tuple[int, int]:
    """The sides of the smallest feature map, a quarter of the image's; refuses sides that two
    stride-2 stages cannot reach exactly."""
    _, height, width = shape
    if height % 4 or width % 4 or height < 4 or width < 4:
        raise ValueError(f"the DCGAN networks need image sides that are multiples of 4 (two stride-2 stages), "
                         f"got {height}×{width}")
    return height // 4, width // 4


class DCGANGenerator(nn.Module):
    """B×latent_dim → B×C×H×W in [-1, 1]."""

    def __init__(self, shape: tuple[int, int, int], latent_dim: int = 64, width: int = 64):
        super().__init__()
        if latent_dim < 1 or width < 1:
            raise ValueError(f"latent_dim and width must be >= 1, got {latent_dim} and {width}")
        self.width, self.start = width, quarter(shape)
        rows, cols = self.start
        self.project = nn.Sequential(nn.Linear(latent_dim, 2 * width * rows * cols, bias=False),
                                     nn.BatchNorm1d(2 * width * rows * cols), nn.ReLU(inplace=True))
        self.net = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False),  # 2w×7×7 → w×14×14
            nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(width, shape[0], 4, stride=2, padding=1),  # w×14×14 → C×28×28
            nn.Tanh(),
        )

    def forward(self, z):
        return self.net(self.project(z).view(-1, 2 * self.width, *self.start))  # B×C×H×W


def downsampling_trunk(channels: int, width: int, norm: nn.Module | None, bias: bool) -> list[nn.Module]:
    """C×H×W → 2w×(H/4)×(W/4) by two stride-2 4×4 convolutions, `norm` (if any) after the
    second; `bias` of the second (a BatchNorm after it makes a bias redundant)."""
    return [nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),  # w×14×14
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=bias),  # 2w×7×7
            *([norm] if norm is not None else []), nn.LeakyReLU(0.2, inplace=True)]


class DCGANDiscriminator(nn.Module):
    """B×C×H×W in [-1, 1] → B logits (real vs fake)."""

    def __init__(self, shape: tuple[int, int, int], width: int = 64):
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be >= 1, got {width}")
        rows, cols = quarter(shape)
        self.net = nn.Sequential(*downsampling_trunk(shape[0], width, nn.BatchNorm2d(2 * width), bias=False),
                                 nn.Flatten(), nn.Linear(2 * width * rows * cols, 1))

    def forward(self, x):
        return self.net(x).squeeze(1)
