"""Every registered model builds for grey 28×28 and colour 32×32 images, trains a step with a
finite loss, describes itself, and round-trips."""
from __future__ import annotations

import pytest
import torch

from genlab import registry
from genlab.errors import GenlabError
from genlab.methods.base import CAPABILITIES, SAMPLING

FMNIST = (1, 28, 28)
SHAPES = [FMNIST, (3, 32, 32)]


def build(name, params=None, shape=FMNIST):
    return registry.build(name, params, shape=shape, classes=10)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("name", sorted(registry.models()))
def test_builds_steps_and_round_trips(name, shape, tmp_path):
    torch.manual_seed(0)
    batch = torch.rand(8, *shape), torch.randint(0, 10, (8,))
    method = build(name, shape=shape)
    groups = method.parameter_groups()
    assert set(groups) == set(method.optimizers), "every declared optimiser needs parameters"
    optimizers = {n: torch.optim.Adam(groups[n], lr=1e-3) for n in method.optimizers}
    before = {k: v.clone() for k, v in method.state_dict().items()}
    for opt_name in method.optimizers:
        loss = method.loss(*batch, opt_name)
        assert loss.total.ndim == 0 and torch.isfinite(loss.total), (opt_name, loss.total)
        assert all(torch.isfinite(v) for v in loss.parts.values())
        optimizers[opt_name].zero_grad()
        loss.total.backward()
        optimizers[opt_name].step()
    assert any(not torch.equal(before[k], v) for k, v in method.state_dict().items()), "a step must change weights"
    registry.save_trained(tmp_path / "final.pt", name, {}, method, shape, 10)
    loaded = registry.load_trained(tmp_path / "final.pt")
    for key, value in method.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key]), key
    x = batch[0]
    method.eval()
    caps = method.capabilities()
    if "reconstruct" in caps:
        assert torch.equal(method.reconstruct(x), loaded.reconstruct(x))
        out = loaded.reconstruct(x)
        assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
    if "sample" in caps:
        images = loaded.sample(5, generator=torch.Generator().manual_seed(1))
        assert images.shape == (5, *shape) and images.min() >= 0 and images.max() <= 1


@pytest.mark.parametrize("name", sorted(registry.models()))
def test_every_model_describes_itself(name):
    """Capabilities from the one source, a known way to generate, a loss sentence and table traits."""
    method = registry.build_meta(name, shape=FMNIST, classes=10)
    caps = method.capabilities()
    assert caps <= set(CAPABILITIES), caps - set(CAPABILITIES)
    assert method.sampling in SAMPLING and ("generate" in caps) == (method.sampling != "none")
    sentence = method.loss_sentence()
    assert sentence and "its own objective" not in sentence and "\n" not in sentence
    assert {"objective", "noise in training", "loss", "latent space"} <= set(method.traits())


def test_every_builtin_param_has_a_domain():
    for name, entry in registry.models().items():
        registry.check_entry(name, entry)  # raises for a parameter without allowed values


def test_unknown_model_and_param():
    with pytest.raises(GenlabError, match="unknown model 'nope'"):
        build("nope")
    with pytest.raises(GenlabError, match="has no parameter 'latent'"):
        build("dense_ae", {"latent": 3})
    with pytest.raises(GenlabError, match="param prior='cauchy': must be one of normal, uniform"):
        build("dense_gan", {"prior": "cauchy"})


@pytest.mark.parametrize("name", ["dcgan", "wgan_gp", "conv_vae_gen"])
def test_a_shape_a_model_cannot_serve_is_one_line(name):
    with pytest.raises(GenlabError, match=r"cannot be built for 1×30×30 images.*multiples of 4") as err:
        build(name, shape=(1, 30, 30))
    assert "\n" not in str(err.value)


def test_vae_kl_matches_closed_form():
    """KL(N(μ, σ²) ‖ N(0, 1)) per dimension = ½(μ² + σ² − 1 − log σ²)."""
    method = build("dense_vae", {"latent_dim": 2})
    mu, logvar = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 2.0 * torch.log(torch.tensor(2.0)).item()]])
    method.posterior = lambda x: (mu, logvar)
    loss = method.loss(torch.rand(1, 1, 28, 28), None, "model")
    expected = 0.5 * (1 + 0) + 0.5 * (0 + 4 - 1 - 2 * torch.log(torch.tensor(2.0)).item())
    assert loss.parts["kl"].item() == pytest.approx(expected, rel=1e-5)


def test_dae_corrupts_with_gaussian_noise():
    method = build("dense_dae", {"noise_factor": 0.3})
    torch.manual_seed(0)
    x = torch.full((64, 1, 28, 28), 0.5)
    noise = method.corrupt(x) - x
    assert noise.std().item() == pytest.approx(0.3, rel=0.02)


def test_dense_vae_cross_entropy_from_logits_is_the_same_loss_and_keeps_saturated_gradients():
    from genlab.methods.autoencoders import reconstruction_error

    torch.manual_seed(0)
    vae = build("dense_vae", {"latent_dim": 4, "hidden": [16]})
    z, x = torch.randn(8, 4), torch.rand(8, 1, 28, 28)
    from_logits = vae._total_reconstruction_error(z, x)  # summed over images and pixels
    from_probabilities = reconstruction_error(vae.decode(z), x, "bce")  # B: the sigmoid → clamp → log path
    assert from_logits.shape == () and torch.allclose(from_logits, from_probabilities.sum(), rtol=1e-5)
    # pixels the decoder gets confidently wrong (sigmoid(30) > 1 - 1e-6): the clamp would zero their
    # gradient; from logits each still pulls with its full weight, 1 per pixel
    last = vae.decoder.net[-2]  # the last Linear (the activation after it is Identity)
    with torch.no_grad():
        last.weight.zero_()
        last.bias.fill_(30.0)
    vae._total_reconstruction_error(z[:1], torch.zeros(1, 1, 28, 28)).backward()
    assert torch.allclose(last.bias.grad, torch.ones(784))
