"""Networks that take a class label besides their input, for class-conditional GANs and VAEs:
the label enters the generator and the VAE's decoder and head as a one-hot vector appended to
their input, and the discriminator as a projection (Miyato & Koyama 2018): its logit is
ψ(φ(x)) + ⟨e_y, φ(x)⟩, a class embedding e_y dotted with the image's features φ(x)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genlab.nn.dcgan import DCGANGenerator, downsampling_trunk, quarter


class LabelledGenerator(nn.Module):
    """B×latent (+ B labels) → B×C×H×W in [-1, 1]: the DCGAN generator fed z ⊕ one-hot(y)."""

    def __init__(self, shape: tuple[int, int, int], latent_dim: int, classes: int, width: int = 64):
        super().__init__()
        self.classes = classes
        self.net = DCGANGenerator(shape, latent_dim + classes, width)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z, F.one_hot(labels, self.classes).to(z.dtype)], dim=1))


class ProjectionDiscriminator(nn.Module):
    """B×C×H×W in [-1, 1] and B labels → B logits: the DCGAN discriminator's trunk φ, a linear
    read-out ψ and the projection ⟨e_y, φ(x)⟩."""

    def __init__(self, shape: tuple[int, int, int], classes: int, width: int = 64):
        super().__init__()
        rows, cols = quarter(shape)
        features = 2 * width * rows * cols
        self.trunk = nn.Sequential(*downsampling_trunk(shape[0], width, nn.BatchNorm2d(2 * width), bias=False),
                                   nn.Flatten())
        self.read_out = nn.Linear(features, 1)
        self.embed = nn.Embedding(classes, features)
        # small, as DCGAN initialises (N(0, 0.02)): N(0, 1) would make ⟨e_y, φ⟩ over thousands of features the
        # whole logit from the first step
        nn.init.normal_(self.embed.weight, std=0.02)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        phi = self.trunk(x)  # B×F
        return self.read_out(phi).squeeze(1) + (self.embed(labels) * phi).sum(1)


class LabelledDecoder(nn.Module):
    """B×latent (+ B labels) → B×C×H×W in [0, 1]: the DCGAN generator fed z ⊕ one-hot(y), rescaled."""

    def __init__(self, shape: tuple[int, int, int], latent_dim: int, classes: int, width: int = 32):
        super().__init__()
        self.generator = LabelledGenerator(shape, latent_dim, classes, width)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return (self.generator(z, labels) + 1) / 2
