"""The autoencoder's code sampler: a Gaussian mixture on the codes, fitted on their top
principal components when the codes are wide (a conv AE's 1,152-d latent)."""
import numpy as np
import torch

from genlab.generation.samplers import CodeProjection, GaussianMixtureSampler, SamplerOptions


class LinearAE(torch.nn.Module):
    """Codes are a fixed linear map of the pixels; decode maps back and squashes to [0, 1]."""

    def __init__(self, width: int) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.enc = torch.nn.Linear(28 * 28, width)
        self.dec = torch.nn.Linear(width, 28 * 28)

    def encode(self, x):  # B×1×28×28 → B×width
        return self.enc(x.flatten(1))

    def decode(self, z):  # B×width → B×1×28×28
        return torch.sigmoid(self.dec(z)).view(-1, 1, 28, 28)


def _images(n=600):
    return torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))


def test_narrow_codes_are_not_projected():
    codes = np.random.default_rng(0).normal(size=(50, 16)).astype(np.float32)
    projection = CodeProjection(codes, max_dims=16)
    assert projection.description == ""
    assert projection.reduce(codes) is codes and projection.restore(codes) is codes


def test_projection_is_exact_on_codes_inside_the_kept_subspace():
    rng = np.random.default_rng(0)
    inside = rng.normal(size=(200, 5)) @ rng.normal(size=(5, 300)) + 3.0  # rank 5 in 300-d, off the origin
    projection = CodeProjection(inside, max_dims=8)
    assert projection.reduce(inside).shape == (200, 8)
    np.testing.assert_allclose(projection.restore(projection.reduce(inside)), inside, atol=1e-9)
    assert "100.0% of the variance of the 300-d codes" in projection.description


def test_projection_keeps_the_largest_variance_directions():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(2000, 40)) * np.r_[np.full(4, 10.0), np.full(36, 0.1)]
    projection = CodeProjection(codes, max_dims=4)
    kept = projection.basis[:, :4]  # the four loud axes span the kept subspace
    np.testing.assert_allclose(np.abs(np.linalg.det(kept)), 1.0, atol=1e-3)


def test_wide_codes_are_fitted_on_principal_components_and_decode_to_images():
    images = _images()
    sampler = GaussianMixtureSampler(LinearAE(300), images, SamplerOptions(gmm_components=3, gmm_max_dims=12), seed=0)
    assert sampler.gmm.means_.shape == (3, 12)
    assert "top 12 principal components" in sampler.description and "300-d codes" in sampler.description
    out = sampler.sample(7, torch.Generator().manual_seed(0))
    assert out.shape == (7, 1, 28, 28) and 0 <= float(out.min()) and float(out.max()) <= 1
    again = sampler.sample(7, torch.Generator().manual_seed(0))
    assert torch.equal(out, again)  # the same generator seed, the same draws


def test_narrow_codes_keep_the_exact_full_covariance_fit():
    images = _images()
    sampler = GaussianMixtureSampler(LinearAE(8), images, SamplerOptions(gmm_components=2, gmm_max_dims=64), seed=0)
    assert sampler.gmm.means_.shape == (2, 8)
    assert "principal" not in sampler.description
