"""Turn any trained model into a sampler: `sample(n, generator) -> n×C×H×W in [0, 1]`, chosen
by how the model says it generates (`Method.sampling`).

GANs and VAEs sample from their prior ("prior"). A plain autoencoder has none ("codes"), so
genlab fits a Gaussian mixture (sklearn, full covariance) to its latent codes of the
training set and decodes draws from it — the usual way to make an AE generate (Ghosh et al.
2020's ex-post density estimation), and a fair yardstick for how much the VAE's KL term buys.

A full covariance costs O(n·K·D²) per EM step: on a conv AE's 1,152-d codes that is minutes.
Codes wider than `gmm_max_dims` are first projected on their top principal components (the
mixture is fitted there and draws are mapped back; the dropped directions stay at the mean),
which keeps the fit to seconds and is stated in the sampler's description.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from genlab import atomic
from genlab.errors import GenlabError


class Sampler(Protocol):
    description: str

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor: ...


@dataclass
class SamplerOptions:
    prior: str | None = None  # GANs: override the training prior (normal | uniform)
    gmm_components: int = 10
    gmm_fit_images: int = 10_000  # codes used to fit the mixture (full covariance is O(n·K·D²))
    gmm_max_dims: int = 64  # wider codes are fitted on their top principal components
    batch_size: int = 1000


class PriorSampler:
    """A model's own `sample` (VAE: N(0, I); GAN: its prior, or an overriding one)."""

    def __init__(self, method, prior: str | None = None) -> None:
        self.method, self.prior = method, prior
        trained = method.prior
        if prior and not method.prior_choice:
            raise GenlabError("--prior applies to models whose prior can be chosen (GANs); this one's cannot")
        self.description = _prior_description(trained, prior, method.traits().get("sampler"))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, **options) -> torch.Tensor:
        """n×C×H×W; `options` go to the model's own sample (e.g. steps= of an iterative model)."""
        kwargs = {"prior": self.prior} if self.prior else {}
        return self.method.sample(n, generator=generator, **kwargs, **options)


def _prior_description(trained: str | None, chosen: str | None, sampler: str | None) -> str:
    """What the report calls the draw: a GAN's or VAE's prior, else the model's own sampler as its
    traits name it (an iterative model's integrator and step count)."""
    if trained is None:
        return f"its own sampler: {sampler}" if sampler else "its own prior"
    if chosen in (None, trained):
        return f"{trained} prior (as trained)"
    return f"{chosen} prior (trained with {trained})"


class GaussianMixtureSampler:
    """Decode draws from a Gaussian mixture fitted to an autoencoder's training codes."""

    def __init__(self, method, train_images: torch.Tensor, opts: SamplerOptions, seed: int = 0) -> None:
        from sklearn.mixture import GaussianMixture

        self.method = method
        pick = torch.randperm(len(train_images), generator=torch.Generator().manual_seed(seed))[:opts.gmm_fit_images]
        codes = encode_all(method, train_images[pick], opts.batch_size).numpy()  # n×D float32
        self.projection = CodeProjection(codes, opts.gmm_max_dims)
        reduced = self.projection.reduce(codes)  # n×d, d ≤ gmm_max_dims
        # a collapsed AE (report 000's AE-2: dead ReLU latent) has fewer distinct codes than components
        components = max(1, min(opts.gmm_components, len(np.unique(reduced.round(6), axis=0))))
        # a tiny ridge keeps covariances invertible when a ReLU latent has dead units
        self.gmm = GaussianMixture(components, covariance_type="full", reg_covar=1e-5,
                                   random_state=seed, max_iter=100).fit(reduced)
        weights = self.gmm.weights_.astype(np.float64)
        self.gmm.weights_ = weights / weights.sum()  # numpy's multinomial rejects a sum of 1 + ε
        covs = self.gmm.covariances_
        self.gmm.covariances_ = (covs + covs.transpose(0, 2, 1)) / 2  # exact symmetry for numpy's sampler
        self.description = (f"Gaussian mixture ({components} component{'s' * (components != 1)}, full covariance) "
                            f"on {len(codes):,} training codes{self.projection.description}")

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator)) if generator else 0
        self.gmm.random_state = np.random.RandomState(seed)
        z, _ = self.gmm.sample(n)  # n×d, sorted by component: shuffle so subsets stay mixed
        z = self.projection.restore(z[np.random.RandomState(seed).permutation(n)])  # n×D
        device = next(self.method.parameters()).device
        return self.method.decode(torch.as_tensor(z, dtype=torch.float32, device=device))


class CodeProjection:
    """Codes (n×D) onto their top `max_dims` principal components and back; the identity when
    D ≤ max_dims, so narrow latents (the dense AEs') are fitted exactly as before."""

    def __init__(self, codes: np.ndarray, max_dims: int) -> None:
        self.mean = self.basis = None
        self.description = ""
        if codes.shape[1] <= max_dims:
            return
        codes = codes.astype(np.float64)  # the SVD in double: tiny trailing variances stay ordered
        self.mean = codes.mean(axis=0)  # D
        _, singular, vt = np.linalg.svd(codes - self.mean, full_matrices=False)
        self.basis = vt[:max_dims]  # d×D, orthonormal rows
        kept = float((singular[:max_dims] ** 2).sum() / max((singular ** 2).sum(), 1e-30))
        self.description = (f", fitted on their top {max_dims} principal components "
                            f"({kept:.1%} of the variance of the {codes.shape[1]:,}-d codes)")

    def reduce(self, codes: np.ndarray) -> np.ndarray:
        return codes if self.basis is None else (codes - self.mean) @ self.basis.T  # n×d

    def restore(self, reduced: np.ndarray) -> np.ndarray:
        return reduced if self.basis is None else reduced @ self.basis + self.mean  # n×D


@torch.no_grad()
def encode_all(method, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """uint8 N×C×H×W → N×D codes on the CPU."""
    device = next(method.parameters()).device
    codes = [method.encode(images[s:s + batch_size].float().div(255).to(device)).cpu()
             for s in range(0, len(images), batch_size)]
    return torch.cat(codes)


def sampler_for(method, opts: SamplerOptions, train_images: torch.Tensor | None = None, seed: int = 0) -> Sampler | None:
    """The sampler for a model, by how it says it generates; None for a model that cannot."""
    if method.sampling == "prior":
        return PriorSampler(method, opts.prior)
    if opts.prior:
        raise GenlabError("--prior applies to models whose prior can be chosen (GANs); this one has no prior")
    if method.sampling == "codes":
        if train_images is None:
            raise GenlabError("sampling an autoencoder needs its training images to fit the latent mixture")
        return GaussianMixtureSampler(method, train_images, opts, seed)
    return None


@torch.no_grad()
def draw(sampler: Sampler, n: int, seed: int = 0, batch_size: int = 1000) -> torch.Tensor:
    """n samples as uint8 N×C×H×W (rounded, clamped), in batches, reproducibly seeded."""
    generator = torch.Generator().manual_seed(seed)
    out = []
    for s in range(0, n, batch_size):
        images = sampler.sample(min(batch_size, n - s), generator=generator).cpu()  # b×C×H×W
        out.append(quantize_uint8(images))
    return torch.cat(out)


def quantize_uint8(images: torch.Tensor) -> torch.Tensor:
    """B×C×H×W floats in [0, 1] → uint8 B×C×H×W."""
    return images.clamp(0, 1).mul(255).round().to(torch.uint8)


def save_npz(path: Path, images: torch.Tensor, **meta) -> Path:
    return atomic.write_npz(Path(path), images=images.numpy(), **meta)


def save_grid(path: Path, images: torch.Tensor, title: str = "", cols: int = 10) -> Path:
    """A grid of the first 10 rows × cols images (uint8 N×C×H×W) as a PNG, drawn like every
    other sample grid of a report."""
    from genlab.figures.common import display
    from genlab.figures.common import save_grid as draw_grid

    return draw_grid(Path(path), display(images[:cols * 10].numpy()), cols, title)
