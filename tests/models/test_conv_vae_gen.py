"""The conv VAE for generation (registry `conv_vae_gen`): shapes, its loss as
reconstruction + β·KL with β a study-file setting, and sampling from N(0, I)."""
from __future__ import annotations

import pytest
import torch

from genlab import registry
from genlab.errors import GenlabError


def build(**params):
    torch.manual_seed(0)
    return registry.build("conv_vae_gen", {"latent_dim": 6, "width": 4, **params}, shape=(1, 28, 28), classes=10)


def test_shapes_and_ranges():
    m = build().eval()
    x = torch.rand(5, 1, 28, 28)
    z = m.encode(x)
    assert z.shape == (5, 6)
    for images in (m.decode(z), m.reconstruct(x), m.sample(3, generator=torch.Generator().manual_seed(0))):
        assert images.shape[1:] == (1, 28, 28) and images.min() >= 0 and images.max() <= 1


@pytest.mark.parametrize("beta", [0.0, 1.0, 4.0])
def test_loss_is_reconstruction_plus_beta_kl(beta):
    m, x = build(beta=beta), torch.rand(8, 1, 28, 28)
    loss = m.loss(x, None, "model")
    parts = loss.parts
    assert loss.total.item() == pytest.approx(parts["reconstruction"].item() + beta * parts["kl"].item(), rel=1e-5)
    assert parts["kl"].item() >= 0


def test_kl_is_zero_when_the_posterior_is_the_prior():
    m = build()
    m.posterior = lambda x: (torch.zeros(len(x), 6), torch.zeros(len(x), 6))
    assert m.loss(torch.rand(4, 1, 28, 28), None, "model").parts["kl"].item() == pytest.approx(0.0, abs=1e-7)


def test_bad_beta_and_width_are_refused():
    for params, fragment in (({"beta": -1}, "beta=-1"), ({"width": 0}, "width=0"), ({"reconstruction": "l1"}, "l1")):
        with pytest.raises(GenlabError, match=fragment):
            registry.build("conv_vae_gen", params, shape=(1, 28, 28), classes=10)
