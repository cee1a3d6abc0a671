"""Latent interpolation paths: spherical for a Gaussian prior, linear for a uniform one or
none, both ends exact; test-image pairs of different classes."""
from __future__ import annotations

import torch

from genlab import registry
from genlab.analyses.latent_interpolation import image_pairs
from genlab.generation.interpolation import interpolate, lerp, path_kind, slerp


def test_both_paths_start_and_end_at_the_codes():
    a, b = torch.randn(3, 16), torch.randn(3, 16)
    for prior in ("normal", "uniform", None):
        path = interpolate(a, b, 7, prior)
        assert path.shape == (3, 7, 16)
        assert torch.allclose(path[:, 0], a, atol=1e-5) and torch.allclose(path[:, -1], b, atol=1e-5)


def test_slerp_keeps_the_norm_where_lerp_shrinks_it():
    a = torch.tensor([[3.0, 0.0]])
    b = torch.tensor([[0.0, 3.0]])
    t = torch.linspace(0, 1, 5)
    assert torch.allclose(slerp(a, b, t).norm(dim=2), torch.full((1, 5), 3.0), atol=1e-5)
    assert lerp(a, b, t).norm(dim=2)[0, 2].item() < 3.0 * 0.75  # the straight line cuts the corner
    assert torch.allclose(slerp(a, a, t), a.unsqueeze(1).expand(1, 5, 2))  # parallel: no division by sin 0


def test_path_follows_the_prior():
    assert (path_kind("normal"), path_kind("uniform"), path_kind(None)) == ("spherical", "linear", "linear")

    built = {name: registry.build_meta(name, params, shape=(1, 28, 28)) for name, params in
             (("dense_gan", {"prior": "uniform"}), ("dense_vae", {}), ("dense_ae", {}))}
    # each model says which prior its codes follow: a GAN its setting, a VAE N(0, I), an AE none
    assert [built[n].prior for n in ("dense_gan", "dense_vae", "dense_ae")] == ["uniform", "normal", None]


def test_pairs_join_different_classes_without_repeating_an_image():
    labels = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 3, 3])
    pairs = image_pairs(labels, 4, seed=0)
    assert len(pairs) == 4 and all(labels[i] != labels[j] for i, j in pairs)
    flat = [i for pair in pairs for i in pair]
    assert len(set(flat)) == len(flat)
    assert image_pairs(labels, 4, seed=0) == pairs
