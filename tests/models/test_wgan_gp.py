"""WGAN-GP (registry `wgan_gp`): its loss parts are the critic's Wasserstein estimate and the
gradient penalty, each checked against a critic whose gradient is known in closed form."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from genlab import registry
from genlab.config import TrainConfig
from genlab.engine.optim import check_steps
from genlab.errors import GenlabError
from genlab.methods.wgan_gp import WGANGP


class LinearCritic(nn.Module):
    """D(x) = w·x + b: its input gradient is w everywhere, so the penalty is (‖w‖ − 1)²."""

    def __init__(self, norm: float):
        super().__init__()
        self.linear = nn.Linear(784, 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.randn(1, 784))
            self.linear.weight.mul_(norm / self.linear.weight.norm())

    def forward(self, x):
        return self.linear(x.flatten(1)).squeeze(1)


class ConstantGenerator(nn.Module):
    """G(z) = a fixed image (plus a parameter so the generator has something to train)."""

    def __init__(self):
        super().__init__()
        self.image = nn.Parameter(torch.linspace(-1, 1, 784).view(1, 1, 28, 28))

    def forward(self, z):
        return self.image.expand(len(z), 1, 28, 28)


def method(norm: float = 1.0, gp_weight: float = 10.0) -> WGANGP:
    torch.manual_seed(0)
    return WGANGP(ConstantGenerator(), LinearCritic(norm), latent_dim=4, gp_weight=gp_weight)


@pytest.mark.parametrize("norm", [1.0, 2.0, 0.5])
def test_penalty_is_the_squared_distance_of_the_gradient_norm_from_one(norm):
    x = torch.rand(16, 1, 28, 28)
    loss = method(norm).loss(x, None, "critic")
    assert loss.parts["gp"].item() == pytest.approx((norm - 1) ** 2, abs=1e-5)


def test_critic_loss_is_minus_the_wasserstein_estimate_plus_the_weighted_penalty():
    m, x = method(norm=2.0, gp_weight=3.0), torch.rand(16, 1, 28, 28)
    loss = m.loss(x, None, "critic")
    real_scores, fake_score = m.critic(x * 2 - 1), m.critic(m.generator.image)
    assert loss.parts["wasserstein"].item() == pytest.approx((real_scores.mean() - fake_score).item(), rel=1e-5)
    assert loss.total.item() == pytest.approx(-loss.parts["wasserstein"].item() + 3.0 * 1.0, rel=1e-5)


def test_generator_loss_is_minus_the_critic_score_of_its_samples():
    m = method()
    loss = m.loss(torch.rand(8, 1, 28, 28), None, "generator")
    assert loss.total.item() == pytest.approx(-m.critic(m.generator.image).item(), rel=1e-5)
    assert loss.parts == {}


def test_penalty_trains_the_critic_and_is_measured_without_grad():
    m, x = method(norm=2.0), torch.rand(8, 1, 28, 28)
    loss = m.loss(x, None, "critic")
    loss.total.backward()
    assert m.critic.linear.weight.grad is not None and m.critic.linear.weight.grad.norm() > 0
    assert m.generator.image.grad is None  # the critic's loss never reaches the generator
    with torch.no_grad():  # the trainer's validation pass
        measured = m.loss(x, None, "critic")
    assert measured.parts["gp"].item() == pytest.approx(loss.parts["gp"].item(), rel=1e-5)
    assert not measured.total.requires_grad


def test_registry_model_names_its_optimisers_and_refuses_bad_params():
    built = registry.build("wgan_gp", {"latent_dim": 8, "width": 4}, shape=(1, 28, 28), classes=10)
    assert built.optimizers == ("critic", "generator") and built.capabilities() == {"sample", "generate", "decode"}
    assert not any(isinstance(m, nn.BatchNorm2d) for m in built.critic.modules())
    check_steps(built, TrainConfig(steps={"critic": 5}), "models.w")  # the critic takes several steps
    with pytest.raises(GenlabError, match="optimisers are: critic, generator"):
        check_steps(built, TrainConfig(steps={"discriminator": 5}), "models.w")
    for params, fragment in (({"gp_weight": -1}, "gp_weight=-1"), ({"critic_norm": "batch"}, "critic_norm='batch'"),
                             ({"gp_weight": "ten"}, "gp_weight='ten'")):
        with pytest.raises(GenlabError, match=fragment):
            registry.build("wgan_gp", params, shape=(1, 28, 28), classes=10)
