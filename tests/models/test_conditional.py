"""The class-conditional DCGAN and VAE (registry `cdcgan`, `cvae`): shapes at 28×28×1 and
32×32×3, the label reaching every network, sampling for a chosen class, the losses against
their unconditional forms, domains of their params, and refusal on unlabelled data."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from genlab import registry
from genlab.errors import GenlabError
from genlab.methods.gaussian_sample import gaussian_sample

SHAPES = [(1, 28, 28), (3, 32, 32)]


def build(name, shape=(1, 28, 28), **params):
    torch.manual_seed(0)
    small = {"cdcgan": {"latent_dim": 8, "width": 4}, "cvae": {"latent_dim": 6, "width": 4}}[name]
    return registry.build(name, {**small, **params}, shape=shape, classes=3)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", ["cdcgan", "cvae"])
def test_shapes_ranges_and_capabilities(name, shape):
    m = build(name, shape).eval()
    images = m.sample(4, generator=torch.Generator().manual_seed(0), labels=torch.tensor([0, 1, 2, 1]))
    assert images.shape == (4, *shape) and images.min() >= 0 and images.max() <= 1
    assert {"conditional", "generate", "sample"} <= m.capabilities()
    assert "encode" not in m.capabilities() and "decode" not in m.capabilities()  # both need a label
    assert "given the image's class" in m.loss_sentence() and "class-conditional" in m.traits()["conditioning"]


@pytest.mark.parametrize("name", ["cdcgan", "cvae"])
def test_the_label_changes_the_sample(name):
    m = build(name).eval()
    one = m.sample(2, generator=torch.Generator().manual_seed(1), labels=torch.tensor([0, 0]))
    other = m.sample(2, generator=torch.Generator().manual_seed(1), labels=torch.tensor([2, 2]))
    again = m.sample(2, generator=torch.Generator().manual_seed(1), labels=torch.tensor([0, 0]))
    assert not torch.equal(one, other) and torch.equal(one, again)  # same noise, another class


@pytest.mark.parametrize("name", ["cdcgan", "cvae"])
def test_bad_labels_are_refused(name):
    m = build(name).eval()
    with pytest.raises(ValueError, match="class indices from 0 to 2"):
        m.sample(2, labels=torch.tensor([0, 3]))


def test_the_projection_discriminator_adds_the_class_embedding():
    m = build("cdcgan")
    x, y = torch.rand(4, 1, 28, 28) * 2 - 1, torch.tensor([0, 1, 2, 0])
    d = m.discriminator.eval()
    phi = d.trunk(x)
    expected = d.read_out(phi).squeeze(1) + (d.embed(y) * phi).sum(1)
    assert torch.allclose(d(x, y), expected)


def test_the_conditional_gan_loss_is_the_non_saturating_one():
    m = build("cdcgan").eval()
    x, y = torch.rand(6, 1, 28, 28), torch.randint(0, 3, (6,))
    torch.manual_seed(5)
    loss = m.loss(x, y, "generator").total
    torch.manual_seed(5)
    fake = m.generator(m.noise(6), y)
    logits = m.discriminate(fake, y)
    assert loss.item() == pytest.approx(F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits)).item())


@pytest.mark.parametrize("beta", [0.0, 1.0, 3.0])
def test_the_conditional_vae_loss_is_reconstruction_plus_beta_kl(beta):
    m = build("cvae", beta=beta)
    x, y = torch.rand(5, 1, 28, 28), torch.randint(0, 3, (5,))
    loss = m.loss(x, y, "model")
    assert loss.total.item() == pytest.approx(loss.parts["reconstruction"].item() + beta * loss.parts["kl"].item(),
                                              rel=1e-5)
    mu, logvar = m.posterior(x, y)
    _, kl_sum = gaussian_sample(mu, logvar, torch.zeros_like(mu))
    assert loss.parts["kl"].item() == pytest.approx(0.5 * kl_sum.item() / 5, rel=1e-5)
    assert mu.shape == (5, 6) and not torch.equal(m.posterior(x, (y + 1) % 3)[0], mu)  # the head sees the label


@pytest.mark.parametrize("name", ["cdcgan", "cvae"])
def test_unlabelled_data_and_bad_params_are_one_line(name):
    with pytest.raises(GenlabError, match="needs a dataset with class labels"):
        registry.build(name, shape=(1, 28, 28), classes=None)
    with pytest.raises(GenlabError, match="width=0"):
        registry.build(name, {"width": 0}, shape=(1, 28, 28), classes=3)
    with pytest.raises(GenlabError, match="multiples of 4"):
        registry.build(name, shape=(1, 30, 30), classes=3)
