"""Flow matching (methods/flow_matching.py): the velocity loss against a hand computation,
Euler and Heun exact or convergent on distributions whose velocity field is known in closed
form, deterministic sampling, guidance, the builder's parameter domains, and resume through
genlab's trainer equal to an uninterrupted run."""
from __future__ import annotations

import inspect
import math

import pytest
import torch
from torch import nn

from genlab.config import TrainConfig
from genlab.engine.trainer import TrainerOptions, train
from genlab import registry
from genlab.builtin_models import flow_matching
from genlab.methods.flow_matching import FlowMatching, band_probabilities

PARAM_DOMAINS = registry.entry("flow_matching").domains
from genlab.runs import ModelDir
from trainer_helpers import StopAt, random_data

CLASSES = 3  # genlab passes builders the class count



def small(shape=(1, 28, 28), **params) -> FlowMatching:
    torch.manual_seed(0)
    return flow_matching(shape=shape, classes=CLASSES, **{"width": 4, "levels": 2, **params})


class Echo(nn.Module):
    def forward(self, x, t, labels=None):
        return x


class GaussianVelocity(nn.Module):
    """The exact velocity when the data is N(μ, s²) per pixel: x_t = m(t) + σ(t)·z with
    m = (1 − t)·μ and σ² = (1 − t)²·s² + t², so v = −μ + σ'/σ·(x − m), σ'σ = t − (1 − t)·s².
    Its flow sends noise ε at t = 1 to μ + s·ε at t = 0; s = 0 is a point mass."""

    def __init__(self, mu: float, s: float):
        super().__init__()
        self.mu, self.s = mu, s

    def forward(self, x, t, labels=None):
        t = (t / 1000).view(-1, 1, 1, 1).to(x.dtype)
        var = (1 - t) ** 2 * self.s ** 2 + t ** 2
        return -self.mu + (t - (1 - t) * self.s ** 2) / var * (x - (1 - t) * self.mu)


def integrate(mu, s, steps, sampler, eps):
    m = FlowMatching(GaussianVelocity(mu, s), (1, 4, 4), sample_steps=steps, sampler=sampler)
    return m.integrate(eps, None, steps, 1.0, None)


def test_velocity_loss_by_hand():
    m = FlowMatching(Echo(), (1, 4, 4))
    x = torch.rand(6, 1, 4, 4)
    torch.manual_seed(5)
    loss = m.loss(x, torch.zeros(6, dtype=torch.long), "model")
    torch.manual_seed(5)  # the loss's draws, in its order: t, then ε
    t, eps = torch.rand(6).view(-1, 1, 1, 1), torch.randn(6, 1, 4, 4)
    x0 = 2 * x - 1
    xt = (1 - t) * x0 + t * eps
    assert loss.total.item() == pytest.approx(((xt - (eps - x0)) ** 2).mean().item(), rel=1e-5)


def test_logit_normal_times_and_their_band_probabilities():
    m = FlowMatching(Echo(), (1, 4, 4), time_sampling="logit_normal")
    torch.manual_seed(0)
    t = m.draw_time(40_000, "cpu")
    torch.manual_seed(0)
    assert torch.equal(t, torch.sigmoid(torch.randn(40_000)))
    probs = band_probabilities("logit_normal")
    observed = torch.bincount((t * 4).long(), minlength=4) / len(t)
    assert torch.allclose(observed, probs, atol=0.01) and probs.sum().item() == pytest.approx(1)
    assert probs[0].item() == pytest.approx(0.5 * (1 + math.erf(math.log(1 / 3) / math.sqrt(2))))
    assert band_probabilities("uniform").tolist() == [0.25] * 4
    assert m.band_names == ["mse_t0.00-0.25", "mse_t0.25-0.50", "mse_t0.50-0.75", "mse_t0.75-1.00"]


@pytest.mark.parametrize("sampler", ["euler", "heun"])
@pytest.mark.parametrize("steps", [1, 7])
def test_straight_paths_are_integrated_exactly(sampler, steps):
    """A point mass c: every path is a straight line, so even one Euler step lands on c (Heun's
    last step is Euler's: the velocity (x − c)/t is singular at t = 0)."""
    eps = torch.randn(5, 1, 4, 4, dtype=torch.float64)
    assert torch.allclose(integrate(0.3, 0.0, steps, sampler, eps), torch.full_like(eps, 0.3), atol=1e-12)


def test_curved_paths_converge_heun_at_second_order():
    """N(μ, s²) with s ≠ 1 bends the paths: errors fall as 1/steps (Euler), 1/steps² (Heun)."""
    eps = torch.randn(200, 1, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    target = 0.2 + 0.25 * eps
    error = {(sampler, steps): (integrate(0.2, 0.25, steps, sampler, eps) - target).abs().max().item()
             for sampler in ("euler", "heun") for steps in (20, 40)}
    assert 1.7 < error["euler", 20] / error["euler", 40] < 2.3
    assert 3.4 < error["heun", 20] / error["heun", 40] < 4.6
    assert error["heun", 40] < 5e-3 and error["heun", 20] < error["euler", 40] / 3  # 39 calls beat 40 by far


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_sampling_is_deterministic_given_the_generator(shape):
    m = small(shape, sampler="heun")
    torch.nn.init.normal_(m.ema.average.conv_out[-1].weight, std=0.1)
    draw = lambda seed, **kw: m.sample(3, torch.Generator().manual_seed(seed), steps=2, **kw)
    a = draw(0)
    assert a.shape == (3, *shape) and 0 <= a.min() and a.max() <= 1
    assert torch.equal(a, draw(0)) and not torch.equal(a, draw(1))
    assert not torch.equal(a, draw(0, sampler="euler"))
    with pytest.raises(ValueError, match="sampler must be one of euler, heun"):
        draw(0, sampler="rk4")


def test_guided_velocity_and_sampling_from_the_ema():
    m = small(conditional=True, guidance=2.0)
    for p in m.ema.average.parameters():
        torch.nn.init.normal_(p, std=0.2)
    x, labels = torch.randn(2, 1, 28, 28), torch.tensor([1, 2])
    t = torch.full((2,), 400.0)
    cond, uncond = m.ema.average(x, t, labels), m.ema.average(x, t, None)
    assert torch.equal(m.velocity(x, 0.4, labels, 1.0), cond)
    assert torch.allclose(m.velocity(x, 0.4, labels, 2.0), 2 * cond - uncond, atol=1e-5)
    before = m.sample(2, torch.Generator().manual_seed(0), steps=2, labels=labels)
    with torch.no_grad():
        m.net.conv_out[-1].weight.add_(1.0)  # the live network moves; sampling reads the average
    assert torch.equal(m.sample(2, torch.Generator().manual_seed(0), steps=2, labels=labels), before)


def test_label_dropout_draws_the_null_label_at_its_rate():
    labels = small(conditional=True, label_dropout=0.5).training_labels(torch.zeros(20_000, dtype=torch.long))
    assert abs((labels == 3).float().mean().item() - 0.5) < 0.02


def test_self_description():
    m = small(sampler="heun", sample_steps=10, time_sampling="logit_normal")
    assert m.sampling == "prior" and m.capabilities() == {"sample", "generate", "iterative"}
    assert small(conditional=True).capabilities() == {"sample", "generate", "iterative", "conditional"}
    assert m.loss_sentence() == ("mean squared error between the predicted and the true velocity ε − x on the "
                                 "straight path x_t = (1 − t)·x + t·ε, t drawn from a logit-normal")
    assert m.traits()["sampler"] == "Heun, 10 steps (19 network calls)"


BAD = {"width": [0, 2.5, "8"], "levels": [0, 7], "blocks": [0, 1.0], "attention": ["no", 0], "dropout": [1, -1],
       "sample_steps": [0, "50"], "sampler": ["rk4", None], "time_sampling": ["normal", ""], "ema_decay": [1, 2],
       "conditional": [1, None], "label_dropout": [-0.5, 1.0], "guidance": [-0.1, "2"]}


def test_every_builder_param_has_a_domain_that_refuses_bad_values():
    signature = inspect.signature(flow_matching).parameters
    assert sorted(PARAM_DOMAINS) == sorted(p for p in signature if p not in ("shape", "classes")) == sorted(BAD)
    for name, values in BAD.items():
        assert PARAM_DOMAINS[name](signature[name].default) is None, name
        for value in values:
            assert PARAM_DOMAINS[name](value), f"{name}={value!r} was accepted"
    with pytest.raises(ValueError, match="for 32×48 use levels from 1 to 5"):  # a shape no domain can judge
        small((3, 32, 48), levels=6)



def test_resume_through_the_trainer_equals_an_uninterrupted_run(tmp_path):
    data = random_data(20, 6, 6, shape=(1, 8, 8), classes=3)
    cfg = TrainConfig(epochs=3, batch_size=8, tensorboard=False, keep_checkpoints=5)
    run = lambda folder, resume=False, callbacks=(): train(
        small((1, 8, 8), conditional=True, time_sampling="logit_normal"), data, cfg, ModelDir(tmp_path / folder), 7,
        TrainerOptions(device="cpu", progress=False, resume=resume), callbacks)
    full = run("full")
    with pytest.raises(KeyboardInterrupt):
        run("cut", callbacks=(StopAt(2),))
    resumed = run("cut", resume=True)
    a = torch.load(tmp_path / "full" / "final.pt")["state_dict"]
    b = torch.load(tmp_path / "cut" / "final.pt")["state_dict"]
    assert a["ema.updates"].item() == 9 and a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert set(full["final"]["train"]) == {"loss", "mse_t0.00-0.25", "mse_t0.25-0.50", "mse_t0.50-0.75",
                                           "mse_t0.75-1.00"}
    assert resumed["final"] == full["final"]
