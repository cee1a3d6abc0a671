"""Non-saturating GAN (Goodfellow et al. 2014) with two named optimisers."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genlab.methods.base import Loss, Method
from genlab.param_domains import PRIORS



def prior_noise(n: int, dim: int, prior: str, generator=None, device=None) -> torch.Tensor:
    """n×dim latent noise: N(0, I) or U(-1, 1)^dim."""
    if prior == "normal":
        return torch.randn(n, dim, generator=generator, device=device)
    if prior == "uniform":
        return torch.rand(n, dim, generator=generator, device=device) * 2 - 1
    raise ValueError(f"prior must be one of {PRIORS}, got {prior!r}")


class GAN(Method):
    """The generator ends in tanh (pixels in [-1, 1]); real images are scaled to match
    so the discriminator never sees a range difference it could exploit."""

    optimizers = ("discriminator", "generator")
    sampling = "prior"
    prior_choice = True  # any of PRIORS, whatever it trained with (genlab sample --prior)

    def __init__(self, generator: nn.Module, discriminator: nn.Module, latent_dim: int, prior: str = "normal"):
        super().__init__()
        if prior not in PRIORS:
            raise ValueError(f"prior must be one of {PRIORS}, got {prior!r}")
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a whole number >= 1, got {latent_dim!r}")
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim, self.prior = latent_dim, prior

    def loss_sentence(self) -> str:
        return ("the discriminator's logistic loss on real and generated images; the generator's non-saturating "
                "loss, −log D(G(z))")

    def traits(self) -> dict[str, str]:
        return {"objective": "adversarial", "noise in training": "no", "loss": "non-saturating GAN loss",
                "latent space": f"{self.prior} prior, {self.latent_dim}-d"}

    def parameter_groups(self):
        return {"discriminator": list(self.discriminator.parameters()),
                "generator": list(self.generator.parameters())}

    def noise(self, n: int, generator=None, prior: str | None = None) -> torch.Tensor:
        """n×latent_dim draws from `prior` (normal or uniform; default the trained one)."""
        device = next(self.generator.parameters()).device
        return prior_noise(n, self.latent_dim, prior or self.prior, generator, device)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """B×latent codes → B×C×H×W images in [0, 1]: the generator, rescaled from [-1, 1]."""
        return (self.generator(z) + 1) / 2

    def sample(self, n: int, generator: torch.Generator | None = None, prior: str | None = None):
        """n new images, n×C×H×W in [0, 1], from latent draws of `prior` (default: the one it trained with)."""
        return self.decode(self.noise(n, generator, prior))

    def loss(self, x, y, optimizer):
        real = x * 2 - 1  # B×C×H×W in [-1, 1]
        fake = self.generator(self.noise(len(x)))
        if optimizer == "discriminator":
            real_logits, fake_logits = self.discriminate(real), self.discriminate(fake.detach())
            loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                    + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
            return Loss(loss, {"d_real": torch.sigmoid(real_logits).mean().detach(),
                               "d_fake": torch.sigmoid(fake_logits).mean().detach()})
        # non-saturating generator loss: maximise log D(G(z)) rather than minimise log(1 - D(G(z)))
        logits = self.discriminate(fake)
        loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        return Loss(loss)

    def discriminate(self, images: torch.Tensor) -> torch.Tensor:
        """B discriminator outputs (logits; a WGAN critic's scores), float32 for the losses
        whatever the networks compute in (train.precision: engine/precision.py)."""
        return self.discriminator(images).float()
