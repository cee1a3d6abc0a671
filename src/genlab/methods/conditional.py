"""Class-conditional GAN and VAE: the same objectives as genlab.methods.gan and
genlab.methods.autoencoders, given each image's label, and sampled for a chosen class
(`sample(n, labels=...)`; labels drawn uniformly when none are given). They exist so every
family of the generation benchmark has a conditional member beside the diffusion and flow
models' classifier-free guidance."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genlab.methods.autoencoders import VariationalAutoencoder, reconstruction_error
from genlab.methods.base import Loss
from genlab.methods.gan import GAN
from genlab.methods.gaussian_sample import gaussian_sample


def draw_labels(n: int, classes: int, labels, generator, device) -> torch.Tensor:
    """n class indices: the given ones (checked), else uniform draws from `generator`."""
    if labels is None:
        where = generator.device if generator is not None else "cpu"
        return torch.randint(0, classes, (n,), generator=generator, device=where).to(device)
    labels = torch.as_tensor(labels, dtype=torch.long, device=device)
    if labels.shape != (n,) or bool(((labels < 0) | (labels >= classes)).any()):
        raise ValueError(f"labels must be {n} class indices from 0 to {classes - 1}")
    return labels


class ConditionalGAN(GAN):
    """A GAN whose generator and (projection) discriminator see the label; fakes are made for
    the batch's own labels, so the discriminator judges image and class together."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, latent_dim: int, classes: int,
                 prior: str = "normal"):
        super().__init__(generator, discriminator, latent_dim, prior)
        self.classes = classes

    def capabilities(self) -> frozenset[str]:
        # its decoding needs a label: no latent interpolation or probing of codes without one
        return (super().capabilities() - {"decode"}) | {"conditional"}

    def loss_sentence(self) -> str:
        return super().loss_sentence() + ", both given the image's class (a projection discriminator)"

    def traits(self) -> dict[str, str]:
        return {**super().traits(), "conditioning": f"class-conditional ({self.classes} classes)"}

    def sample(self, n: int, generator: torch.Generator | None = None, prior: str | None = None,
               labels=None) -> torch.Tensor:
        z = self.noise(n, generator, prior)
        y = draw_labels(n, self.classes, labels, generator, z.device)
        return (self.generator(z, y) + 1) / 2  # n×C×H×W in [0, 1]

    def discriminate(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.discriminator(images, labels).float()

    def loss(self, x, y, optimizer):
        real = x * 2 - 1  # B×C×H×W in [-1, 1]
        fake = self.generator(self.noise(len(x)), y)
        if optimizer == "discriminator":
            real_logits, fake_logits = self.discriminate(real, y), self.discriminate(fake.detach(), y)
            loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                    + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
            return Loss(loss, {"d_real": torch.sigmoid(real_logits).mean().detach(),
                               "d_fake": torch.sigmoid(fake_logits).mean().detach()})
        logits = self.discriminate(fake, y)
        return Loss(F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits)))


class ConditionalVAE(VariationalAutoencoder):
    """A VAE whose posterior head and decoder see the label (Sohn et al. 2015): q(z | x, y),
    p(x | z, y); its codes need the label to be decoded, so it samples but offers no codes."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, feature_dim: int, latent_dim: int, classes: int,
                 reconstruction: str = "bce", beta: float = 1.0):
        super().__init__(encoder, decoder, feature_dim + classes, latent_dim, reconstruction, beta)
        self.classes = classes

    def capabilities(self) -> frozenset[str]:
        return frozenset({"sample", "generate", "conditional", "variational"})

    def loss_sentence(self) -> str:
        return super().loss_sentence() + ", encoder head and decoder given the image's class"

    def traits(self) -> dict[str, str]:
        return {**super().traits(), "conditioning": f"class-conditional ({self.classes} classes)"}

    def posterior(self, x, y=None):
        features = torch.cat([self.encoder(x).flatten(1), F.one_hot(y, self.classes).to(x.dtype)], dim=1)
        mu, logvar = self.head(features).float().chunk(2, dim=1)  # B×D each
        return mu, logvar

    def sample(self, n: int, generator: torch.Generator | None = None, labels=None) -> torch.Tensor:
        z = self.noise(n, generator)
        return self.decoder(z, draw_labels(n, self.classes, labels, generator, z.device))

    def loss(self, x, y, optimizer):
        mu, logvar = self.posterior(x, y)  # B×D each
        z, kl_sum = gaussian_sample(mu, logvar, torch.randn_like(mu))
        per_image = 1 / len(x)
        recon = reconstruction_error(self.decoder(z, y), x, self.reconstruction).sum() * per_image
        kl = kl_sum * (0.5 * per_image)
        return Loss(recon + self.beta * kl, {"reconstruction": recon.detach(), "kl": kl.detach()})
