"""The VAE's latent sample and KL term as one autograd node (methods/gaussian_sample.py):
its hand-written gradients against autograd's of the same expressions, and the VAE's loss
unchanged to the last bit."""
from __future__ import annotations

import pytest
import torch

from genlab import registry
from genlab.methods.gaussian_sample import gaussian_sample


def by_autograd(mu, logvar, eps):
    """The expressions the VAE's loss wrote before, differentiated by autograd."""
    std = torch.exp(0.5 * logvar)
    return torch.addcmul(mu, std, eps), (torch.addcmul(std.pow(2), mu, mu) - logvar - 1).sum()


def inputs(dtype=torch.float32, b=16, d=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    mu = (2 * torch.randn(b, d, generator=g, dtype=dtype)).requires_grad_()
    logvar = (3 * torch.randn(b, d, generator=g, dtype=dtype)).requires_grad_()
    return mu, logvar, torch.randn(b, d, generator=g, dtype=dtype)


def test_gradients_pass_gradcheck():
    mu, logvar, eps = inputs(torch.float64, b=4, d=3)
    assert torch.autograd.gradcheck(lambda m, v: gaussian_sample(m, v, eps), (mu, logvar))


@pytest.mark.parametrize("weights", [(1.0, 1.0), (0.3, -2.0), (0.0, 1.0), (1.0, 0.0)])
def test_same_values_and_gradients_as_autograd(weights):
    """Forward: the same operators, so the same bits. Backward: equal to rounding, for any mix of
    the two outputs, including one of them unused (its gradient arrives as zeros)."""
    results = []
    for function in (gaussian_sample, by_autograd):
        mu, logvar, eps = inputs()
        z, kl = function(mu, logvar, eps)
        upstream = torch.randn(z.shape, generator=torch.Generator().manual_seed(1))
        loss = weights[0] * (z * upstream).sum() + weights[1] * kl
        loss.backward()
        results.append((z.detach(), kl.detach(), mu.grad, logvar.grad))
    (z, kl, dmu, dlogvar), (z_ref, kl_ref, dmu_ref, dlogvar_ref) = results
    assert torch.equal(z, z_ref) and torch.equal(kl, kl_ref)
    torch.testing.assert_close(dmu, dmu_ref, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(dlogvar, dlogvar_ref, rtol=1e-6, atol=1e-6)


def test_only_mu_and_logvar_get_gradients():
    mu, logvar, eps = inputs()
    eps.requires_grad_()
    z, kl = gaussian_sample(mu, logvar, eps)
    (z.sum() + kl).backward()
    assert eps.grad is None and mu.grad is not None and logvar.grad is not None


def test_the_vae_loss_is_unchanged_to_the_last_bit():
    """The dense VAE's loss through gaussian_sample equals the autograd expressions' value."""
    torch.manual_seed(0)
    vae = registry.build("dense_vae", {"latent_dim": 6, "hidden": [32]}, shape=(1, 28, 28), classes=10)
    x = torch.rand(8, 1, 28, 28)
    torch.manual_seed(1)
    loss = vae.loss(x, None, "model")
    torch.manual_seed(1)
    mu, logvar = vae.posterior(x)
    z, kl_sum = by_autograd(mu, logvar, torch.randn_like(mu))
    recon = vae._total_reconstruction_error(z, x) * (1 / len(x))
    assert torch.equal(loss.parts["reconstruction"], recon.detach())
    assert torch.equal(loss.parts["kl"], (kl_sum * (0.5 / len(x))).detach())


def test_the_vae_trains_under_bfloat16_autocast():
    """Under train.precision=bfloat16 the posterior is cast to float32 before the sample: the
    gradients reaching the networks are float32 and finite."""
    torch.manual_seed(0)
    vae = registry.build("dense_vae", {"latent_dim": 4, "hidden": [16]}, shape=(1, 28, 28), classes=10)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = vae.loss(torch.rand(8, 1, 28, 28), None, "model")
    loss.total.backward()
    grads = [p.grad for p in vae.parameters()]
    assert all(g is not None and g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads)
