"""Autoencoder objectives. AE, DAE and VAE take the same kind of encoder/decoder
networks and differ only here, in what they optimise."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genlab.methods.base import Loss, Method
from genlab.methods.gaussian_sample import gaussian_sample
from genlab.param_domains import RECONSTRUCTIONS

RECONSTRUCTION_FORMS = {"bce": "binary cross-entropy", "mse": "squared error"}  # a VAE's `reconstruction`

def _require_number(name: str, value, low: float = 0.0) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value < float("inf"):
        raise ValueError(f"{name} must be a finite number >= {low:g}, got {value!r}")


def reconstruction_error(x_hat: torch.Tensor, x: torch.Tensor, kind: str) -> torch.Tensor:
    """Per-image reconstruction error summed over pixels: B. In float32 whatever x_hat's
    dtype (a bfloat16 decoder under train.precision=bfloat16: engine/precision.py)."""
    x_hat = x_hat.float()
    if kind == "mse":
        return (x_hat - x).pow(2).flatten(1).sum(1)
    if kind == "bce":
        return F.binary_cross_entropy(x_hat.clamp(1e-6, 1 - 1e-6), x, reduction="none").flatten(1).sum(1)
    raise ValueError(f"unknown reconstruction loss {kind!r}")


class Autoencoder(Method):
    """Deterministic AE: minimise the mean per-pixel MSE between x and decode(encode(x)).
    It has no prior of its own: it generates through a mixture fitted to its codes."""

    sampling = "codes"

    def __init__(self, encoder: nn.Module, decoder: nn.Module, latent_dim: int):
        super().__init__()
        self.encoder, self.decoder, self.latent_dim = encoder, decoder, latent_dim

    def loss_sentence(self) -> str:
        return "mean squared error per pixel"

    def traits(self) -> dict[str, str]:
        return {"objective": "reconstruction", "noise in training": "no", "loss": "MSE",
                "latent space": f"deterministic, {self.latent_dim}-d"}

    def encode(self, x):
        """B×C×H×W float images in [0, 1] → B×latent_dim codes."""
        return self.encoder(x).flatten(1)  # B×D

    def decode(self, z):
        """B×latent_dim codes → B×C×H×W images in [0, 1] (the decoder ends in a sigmoid)."""
        return self.decoder(z)

    def reconstruct(self, x):
        """B×C×H×W float images in [0, 1] → their reconstructions, same shape, in [0, 1]."""
        return self.decoder(self.encoder(x))

    def corrupt(self, x: torch.Tensor) -> torch.Tensor:
        return x  # the plain AE sees clean inputs

    def loss(self, x, y, optimizer):
        return Loss(F.mse_loss(self.reconstruct(self.corrupt(x)), x))  # the target is always the clean x


class DenoisingAutoencoder(Autoencoder):
    """DAE: the AE's networks trained on x + noise_factor·N(0, 1) to give back x.

    The noisy input is not clipped, as in the source report's `data + noise_factor *
    torch.randn_like(data)`."""

    def __init__(self, encoder, decoder, latent_dim: int, noise_factor: float = 0.5):
        super().__init__(encoder, decoder, latent_dim)
        _require_number("noise_factor", noise_factor)
        self.noise_factor = noise_factor

    def capabilities(self) -> frozenset[str]:
        return super().capabilities() | {"denoise"}

    def loss_sentence(self) -> str:
        return (f"mean squared error per pixel against the clean image, from a freshly noised input "
                f"x + {self.noise_factor:g}·N(0, 1) (not clipped to [0, 1]), on validation too")

    def traits(self) -> dict[str, str]:
        return {**super().traits(), "objective": "denoising",
                "noise in training": f"yes, x + {self.noise_factor:g}·N(0, 1)"}

    def corrupt(self, x):
        # also at validation: the DAE's validation loss is its denoising loss (as the report's)
        return x + self.noise_factor * torch.randn_like(x)


class VariationalAutoencoder(Method):
    """VAE: the encoder network gives features, a linear head gives (μ, log σ²),
    z = μ + σ·ε, and the loss is per-image reconstruction + β·KL(q(z|x) ‖ N(0, I))."""

    sampling = "prior"
    prior = "normal"

    def __init__(self, encoder: nn.Module, decoder: nn.Module, feature_dim: int, latent_dim: int,
                 reconstruction: str = "bce", beta: float = 1.0):
        super().__init__()
        if reconstruction not in RECONSTRUCTIONS:
            raise ValueError(f"reconstruction must be one of {', '.join(RECONSTRUCTIONS)}, got {reconstruction!r}")
        _require_number("beta", beta)
        self.encoder, self.decoder = encoder, decoder
        self.head = nn.Linear(feature_dim, 2 * latent_dim)
        self.latent_dim, self.reconstruction, self.beta = latent_dim, reconstruction, beta

    def capabilities(self) -> frozenset[str]:
        return super().capabilities() | {"variational"}

    @property
    def reconstruction_form(self) -> str:
        return RECONSTRUCTION_FORMS[self.reconstruction]

    def loss_sentence(self) -> str:
        beta = "" if self.beta == 1 else f"{self.beta:g}·"
        return (f"per-image {self.reconstruction_form} summed over the pixels + {beta}KL(q(z|x) ‖ N(0, I)) in nats "
                f"over its {self.latent_dim}-d latent, averaged over images")

    def traits(self) -> dict[str, str]:
        return {"objective": "probabilistic (reconstruction + KL)", "noise in training": "no",
                "loss": f"{self.reconstruction.upper()} + KL divergence",
                "latent space": f"probabilistic (μ, σ), {self.latent_dim}-d"}

    def posterior(self, x):
        mu, logvar = self.head(self.encoder(x).flatten(1)).float().chunk(2, dim=1)  # B×D each, float32 for the KL
        return mu, logvar

    def encode(self, x):
        """B×C×H×W float images in [0, 1] → B×latent_dim codes: the posterior's mean μ (deterministic)."""
        return self.posterior(x)[0]  # the mean: a deterministic code for probes and plots

    def decode(self, z):
        """B×latent_dim codes → B×C×H×W images in [0, 1]."""
        return self.decoder(z)

    def reconstruct(self, x):
        """B×C×H×W float images in [0, 1] → decode(μ(x)), same shape, in [0, 1]."""
        return self.decoder(self.encode(x))

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n×latent draws from the prior N(0, I)."""
        return torch.randn(n, self.latent_dim, generator=generator, device=self.head.weight.device)

    def sample(self, n: int, generator: torch.Generator | None = None):
        """n new images, n×C×H×W in [0, 1]: decoded draws from the prior N(0, I) (`generator` seeds them)."""
        return self.decoder(self.noise(n, generator))

    def _total_reconstruction_error(self, z, x):
        """Scalar: the reconstruction error of decode(z) against x, summed over images and pixels.
        Cross-entropy from the decoder's logits where it has them: the same loss, one fused kernel
        instead of sigmoid, clamp and log (the dense VAE's step 3.4 → 2.4 ms on 2 cores), and no
        clamp that zeroes the gradient of a saturated pixel."""
        if self.reconstruction == "bce" and hasattr(self.decoder, "logits"):
            return F.binary_cross_entropy_with_logits(self.decoder.logits(z), x, reduction="sum")
        return reconstruction_error(self.decoder(z), x, self.reconstruction).sum()

    def loss(self, x, y, optimizer):
        mu, logvar = self.posterior(x)  # B×D each
        # reparameterisation z = μ + σ·ε and the KL's batch sum in one autograd node
        # (methods/gaussian_sample.py: the dense VAE's step is bound by its operator count)
        z, kl_sum = gaussian_sample(mu, logvar, torch.randn_like(mu))
        # means over the batch of per-image sums, taken as batch sums ÷ B: the same numbers in
        # fewer operators
        per_image = 1 / len(x)
        recon = self._total_reconstruction_error(z, x) * per_image
        kl = kl_sum * (0.5 * per_image)  # KL(q ‖ N(0, I)), per image
        return Loss(recon + self.beta * kl, {"reconstruction": recon.detach(), "kl": kl.detach()})
