"""DDPM (methods/diffusion.py): the cosine schedule against its formula, the simple loss
against a hand computation, DDIM exact on a point mass and deterministic at η = 0,
classifier-free guidance, sampling from the EMA weights, the builder's parameter domains,
and resume through genlab's trainer equal to an uninterrupted run."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from genlab.config import TrainConfig
from genlab.engine.trainer import TrainerOptions, train
from genlab.methods import diffusion
from genlab import registry
from genlab.builtin_models import ddpm
from genlab.methods.diffusion import DDPM, cosine_alpha_bar

PARAM_DOMAINS = registry.entry("ddpm").domains
from genlab.runs import ModelDir
from trainer_helpers import StopAt, random_data

CLASSES = 3  # genlab passes builders the class count



def small(shape=(1, 28, 28), **params) -> DDPM:
    torch.manual_seed(0)
    return ddpm(shape=shape, classes=CLASSES, **{"width": 4, "levels": 2, **params})


class Echo(nn.Module):
    """ε̂(x_t) = x_t: a 'network' whose loss is easy to compute by hand."""

    def forward(self, x, t, labels=None):
        return x


class PointMassOracle(nn.Module):
    """The exact ε̂ when all data is one image c: ε = (x_t − √ᾱ·c)/√(1 − ᾱ)."""

    def __init__(self, c: torch.Tensor, timesteps: int):
        super().__init__()
        self.c, self.alpha_bar, self.timesteps = c, cosine_alpha_bar(timesteps).double(), timesteps

    def forward(self, x, t, labels=None):
        ab = self.alpha_bar[(t * self.timesteps / 1000).round().long()].view(-1, 1, 1, 1)
        return (x - ab.sqrt() * self.c) / (1 - ab).sqrt()


def test_cosine_schedule_follows_its_formula_and_clips_beta():
    T, s = 1000, 0.008
    f = lambda t: math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2
    alpha_bar = cosine_alpha_bar(T).double()
    expected = torch.tensor([f(t) / f(0) for t in range(1, T)], dtype=torch.float64)
    assert torch.allclose(alpha_bar[:-1], expected, rtol=1e-5, atol=0)  # steps 1..T−1: unclipped
    assert alpha_bar[-1].item() == pytest.approx(alpha_bar[-2].item() * (1 - 0.999), rel=1e-5)  # β_T = 1 → 0.999
    assert (alpha_bar.diff() < 0).all() and 0.9999 < alpha_bar[0] < 1


def test_simple_loss_by_hand():
    T = 1000
    m = DDPM(Echo(), (1, 4, 4), timesteps=T)
    x = torch.rand(6, 1, 4, 4)
    torch.manual_seed(3)
    loss = m.loss(x, torch.zeros(6, dtype=torch.long), "model")
    torch.manual_seed(3)  # the same draws, in the loss's order: t, then ε
    t, eps = torch.randint(0, T, (6,)), torch.randn(6, 1, 4, 4)
    betas = [min(1 - math.cos(((k + 1) / T + 0.008) / 1.008 * math.pi / 2) ** 2
                 / math.cos((k / T + 0.008) / 1.008 * math.pi / 2) ** 2, 0.999) for k in range(T)]
    ab = torch.tensor([math.prod(1 - b for b in betas[:i + 1]) for i in t.tolist()]).view(-1, 1, 1, 1)
    xt = ab.sqrt() * (2 * x - 1) + (1 - ab).sqrt() * eps
    assert loss.total.item() == pytest.approx(((xt - eps) ** 2).mean().item(), rel=1e-5)


def test_band_parts_are_unbiased_means_within_each_quarter():
    m = DDPM(Echo(), (1, 4, 4), timesteps=1000)
    assert m.band_names == ["mse_t0-249", "mse_t250-499", "mse_t500-749", "mse_t750-999"]
    parts = m.band_parts(torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([0, 0, 1, 3]), m.band_names)
    assert [v.item() for v in parts.values()] == [3.0, 3.0, 0.0, 4.0]  # sum in band ÷ (4 · 1/4)
    odd = DDPM(Echo(), (1, 4, 4), timesteps=10, sample_steps=10)
    assert odd.band_names == ["mse_t0-2", "mse_t3-4", "mse_t5-7", "mse_t8-9"]
    assert odd.band_probs.tolist() == pytest.approx([0.3, 0.2, 0.3, 0.2])


@pytest.mark.parametrize("steps", [1, 4, 50])
@pytest.mark.parametrize("eta", [0.0, 1.0])
def test_ddim_is_exact_on_a_point_mass(steps, eta):
    c = torch.linspace(-0.9, 0.9, 16).view(1, 1, 4, 4).double()
    m = DDPM(PointMassOracle(c, 1000), (1, 4, 4), timesteps=1000).double()
    x = m.integrate(torch.randn(5, 1, 4, 4, dtype=torch.float64), None, steps, 1.0,
                    torch.Generator().manual_seed(0), eta=eta)
    assert torch.allclose(x, c.expand(5, 1, 4, 4), atol=1e-9)


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_ddim_is_deterministic_at_eta_zero(shape):
    m = small(shape)
    torch.nn.init.normal_(m.ema.average.conv_out[-1].weight, std=0.1)  # not the zero initialisation
    draw = lambda seed, **kw: m.sample(3, torch.Generator().manual_seed(seed), steps=3, **kw)
    a = draw(0)
    assert a.shape == (3, *shape) and 0 <= a.min() and a.max() <= 1
    assert torch.equal(a, draw(0)) and not torch.equal(a, draw(1))
    assert torch.equal(draw(0, eta=1.0), draw(0, eta=1.0)) and not torch.equal(a, draw(0, eta=1.0))


def test_sampling_uses_the_ema_weights_in_chunks(monkeypatch):
    m = small()
    torch.nn.init.normal_(m.ema.average.conv_out[-1].weight, std=0.1)
    before = m.sample(5, torch.Generator().manual_seed(0), steps=2)
    with torch.no_grad():
        m.net.conv_out[-1].weight.add_(1.0)  # the live weights move; the average has not yet
    assert torch.equal(m.sample(5, torch.Generator().manual_seed(0), steps=2), before)
    monkeypatch.setattr(diffusion, "CHUNK", 2)
    assert torch.allclose(m.sample(5, torch.Generator().manual_seed(0), steps=2), before, atol=1e-6)
    m.after_step("model")
    assert not torch.equal(m.sample(5, torch.Generator().manual_seed(0), steps=2), before)


def test_guidance_one_is_the_conditional_prediction_and_w_extrapolates():
    m = small(conditional=True, guidance=3.0)
    for p in m.ema.average.parameters():
        torch.nn.init.normal_(p, std=0.2)
    x, t, labels = torch.randn(2, 1, 28, 28), torch.tensor([100.0, 700.0]), torch.tensor([0, 2])
    cond, uncond = m.ema.average(x, t, labels), m.ema.average(x, t, None)
    assert torch.equal(m.predict(x, t, labels, 1.0), cond)
    assert torch.equal(m.predict(x, t, labels, 0.0), uncond)
    assert torch.allclose(m.predict(x, t, labels, 3.0), uncond + 3 * (cond - uncond), atol=1e-5)


@pytest.mark.parametrize("rate", [0.0, 0.3])
def test_label_dropout_draws_the_null_label_at_its_rate(rate):
    m = small(conditional=True, label_dropout=rate)
    y = torch.randint(0, 3, (20_000,))
    labels = m.training_labels(y)
    null = labels == 3
    assert abs(null.float().mean().item() - rate) < 0.015  # 4.6 standard errors at 0.3
    assert torch.equal(labels[~null], y[~null])
    assert small().training_labels(y) is None  # unconditional: no labels reach the net


def test_conditional_sampling_takes_labels_and_refuses_bad_ones():
    m = small(conditional=True)
    assert "conditional" in m.capabilities()
    assert m.sample(2, torch.Generator().manual_seed(0), steps=1, labels=torch.tensor([0, 2])).shape == (2, 1, 28, 28)
    with pytest.raises(ValueError, match="labels must be 2 class indices from 0 to 2"):
        m.sample(2, steps=1, labels=torch.tensor([0, 3]))
    with pytest.raises(ValueError, match="not class-conditional"):
        small().sample(2, steps=1, labels=torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="needs a dataset with class labels"):
        ddpm(shape=(1, 28, 28), classes=None, conditional=True)
    with pytest.raises(ValueError, match="guidance other than 1 needs label_dropout > 0"):
        small(conditional=True, label_dropout=0.0, guidance=2.0)


def test_self_description():
    m = small(conditional=True, label_dropout=0.2, sample_steps=25, eta=0.5)
    assert m.sampling == "prior" and m.capabilities() == {"sample", "generate", "iterative", "conditional"}
    assert small().capabilities() == {"sample", "generate", "iterative"}
    assert m.loss_sentence() == ("mean squared error between the predicted and the true noise ε at a step t drawn "
                                 "uniformly from 1,000 (cosine schedule), the label replaced by a null label "
                                 "20 % of the time")
    assert m.traits()["sampler"] == "DDIM, 25 steps, η = 0.5"
    assert set(m.parameter_groups()["model"]) == set(m.net.parameters())  # the EMA copy is not optimised


BAD = {"width": [0, 2.5, "8", True], "levels": [0, 7, 1.5], "blocks": [0, 9], "attention": [1, "yes", None],
       "dropout": [-0.1, 0.95, "0"], "timesteps": [3, 10.0, 100_001], "sample_steps": [0, 1.5], "eta": [-0.1, 1.1],
       "ema_decay": [1.0, -0.5], "conditional": [0, "true"], "label_dropout": [1.0, -0.1], "guidance": [-1, 101]}


def test_every_builder_param_has_a_domain_that_refuses_bad_values():
    import inspect

    params = [p for p in inspect.signature(ddpm).parameters if p not in ("shape", "classes")]
    assert sorted(PARAM_DOMAINS) == sorted(params) == sorted(BAD)
    for name, values in BAD.items():
        default = inspect.signature(ddpm).parameters[name].default
        assert PARAM_DOMAINS[name](default) is None, name
        for value in values:
            assert PARAM_DOMAINS[name](value), f"{name}={value!r} was accepted"


def test_settings_the_domains_cannot_see_are_refused_by_the_builder():
    with pytest.raises(ValueError, match="sample_steps must be a whole number from 1 to timesteps \\(100\\)"):
        small(timesteps=100, sample_steps=101)
    with pytest.raises(ValueError, match="for 28×28 use levels from 1 to 3"):
        small(levels=4)



def test_resume_through_the_trainer_equals_an_uninterrupted_run(tmp_path):
    data = random_data(20, 6, 6, shape=(3, 8, 8), classes=3)
    cfg = TrainConfig(epochs=3, batch_size=8, tensorboard=False, keep_checkpoints=5)
    run = lambda folder, resume=False, callbacks=(): train(
        small((3, 8, 8), conditional=True), data, cfg, ModelDir(tmp_path / folder), 7,
        TrainerOptions(device="cpu", progress=False, resume=resume), callbacks)
    full = run("full")
    with pytest.raises(KeyboardInterrupt):
        run("cut", callbacks=(StopAt(2),))
    resumed = run("cut", resume=True)
    a = torch.load(tmp_path / "full" / "final.pt")["state_dict"]
    b = torch.load(tmp_path / "cut" / "final.pt")["state_dict"]
    assert "ema.updates" in a and a["ema.updates"].item() == 9  # 3 batches × 3 epochs
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["ema.average.conv_in.weight"], a["net.conv_in.weight"])
    assert set(full["final"]["val"]) == {"loss", "mse_t0-249", "mse_t250-499", "mse_t500-749", "mse_t750-999"}
    assert resumed["final"] == full["final"]


def test_the_report_names_the_sampler_and_a_guided_chunk_keeps_the_network_batch():
    """The sampler column says DDIM and its steps (not "its prior"); a guided draw integrates
    half a chunk at a time, so the doubled batch the network sees stays at CHUNK."""
    from genlab.generation.samplers import PriorSampler

    assert PriorSampler(small(sample_steps=7, eta=0.5)).description == "its own sampler: DDIM, 7 steps, η = 0.5"
    model, seen = small(conditional=True, guidance=2.0, sample_steps=2), []
    net = model.ema.average
    hook = net.register_forward_pre_hook(lambda module, args: seen.append(len(args[0])))
    model.sample(diffusion.CHUNK + 3, generator=torch.Generator().manual_seed(0))
    hook.remove()
    assert max(seen) == diffusion.CHUNK and sum(seen) == 2 * 2 * (diffusion.CHUNK + 3)
