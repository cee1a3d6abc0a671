"""WGAN-GP (Gulrajani et al. 2017): a critic estimates the Wasserstein-1 distance between
real and generated images, kept 1-Lipschitz by a penalty on its gradient norm at random
points between real and generated images; the generator minimises the estimate.

The critic takes several steps per generator step through the trainer's `train.steps`
(e.g. `steps: {critic: 5}` in a study file; each of them on the same batch of real images
with fresh noise). Logged parts: `wasserstein` (E[D(x)] − E[D(G(z))], the critic's
estimate of the distance, on the critic's steps) and `gp` (the penalty before its weight).
"""
from __future__ import annotations

import torch
from torch import nn

from genlab.methods.base import Loss
from genlab.methods.gan import GAN


class WGANGP(GAN):
    """The generator ends in tanh (pixels in [-1, 1]) and real images are scaled to match,
    as in the GAN this inherits its prior, sampling and generator from."""

    optimizers = ("critic", "generator")

    def __init__(self, generator: nn.Module, critic: nn.Module, latent_dim: int, prior: str = "normal",
                 gp_weight: float = 10.0):
        super().__init__(generator, critic, latent_dim, prior)
        if isinstance(gp_weight, bool) or not isinstance(gp_weight, (int, float)) or not 0 <= gp_weight < float("inf"):
            raise ValueError(f"gp_weight must be a finite number >= 0, got {gp_weight!r}")
        self.gp_weight = float(gp_weight)

    @property
    def critic(self) -> nn.Module:
        return self.discriminator  # one module, stored under the GAN's name

    def loss_sentence(self) -> str:
        return (f"critic: E[D(G(z))] − E[D(x)] + {self.gp_weight:g}·(‖∇D(x̂)‖ − 1)² at points x̂ between real and "
                "generated images; generator: −E[D(G(z))]")

    def traits(self) -> dict[str, str]:
        return {**super().traits(), "loss": f"Wasserstein estimate + gradient penalty (λ = {self.gp_weight:g})"}

    def parameter_groups(self):
        return {"critic": list(self.critic.parameters()), "generator": list(self.generator.parameters())}

    def gradient_penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """E[(‖∇D(x̂)‖₂ − 1)²] at x̂ = εx + (1 − ε)G(z), ε ~ U(0, 1) per image. Works under
        torch.no_grad too (validation), where the penalty is measured but not trained."""
        training = torch.is_grad_enabled()
        eps = torch.rand(len(real), 1, 1, 1, device=real.device)
        with torch.enable_grad():
            mixed = (eps * real + (1 - eps) * fake.detach()).requires_grad_(True)
            grad, = torch.autograd.grad(self.discriminate(mixed).sum(), mixed, create_graph=training)
        return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()

    def loss(self, x, y, optimizer):
        real = x * 2 - 1  # B×C×H×W in [-1, 1]
        fake = self.generator(self.noise(len(x)))
        if optimizer == "critic":
            wasserstein = self.discriminate(real).mean() - self.discriminate(fake.detach()).mean()
            gp = self.gradient_penalty(real, fake)
            return Loss(-wasserstein + self.gp_weight * gp, {"wasserstein": wasserstein.detach(), "gp": gp.detach()})
        return Loss(-self.discriminate(fake).mean())
