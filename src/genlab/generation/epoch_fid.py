"""Per-epoch FID on a small sample: a training-engine callback for generators.

Cheap by design: the test-set reference statistics are computed once (and cached on
disk next to the feature network), and each epoch costs `n` samples plus one pass of
the small feature CNN over them (about a second for 2,000 images on 2 cores).
"""
from __future__ import annotations

import functools

import torch

from genlab.generation.features import FeatureNet, FeatureNetConfig, extract, load_or_train, reference_features
from genlab.generation.samplers import GaussianMixtureSampler, SamplerOptions
from genlab.generation.scores import PassThrough

KEY = "epoch_fid"  # matches evaluate.EPOCH_KEY: the report reads it from metrics.jsonl


class EpochFID:
    """`on_epoch_end` returns {"epoch_fid": FID of n samples vs the test set, "epoch_fid_n": n}.

    The same noise seed every epoch, so the curve shows the model changing, not the noise.
    A model that samples in steps (diffusion, flow) is sampled with `steps` of them when given
    (a per-epoch curve need not pay for the final sampler's steps). A model whose sampler is a
    mixture on its codes (a plain autoencoder) is measured through
    the sampler `genlab evaluate` gives it — fitted to its codes of `train_images` (uint8
    N×C×H×W), refitted each epoch on `fit_images` of them, seeded (a full-covariance fit costs
    O(n·K·D²) per iteration) — when those are given, else skipped (empty dict). Nothing here
    draws from torch's global random generator, which the training it runs inside uses: the
    network is built with its own seed and the samples with their own generator, so a
    resumed training equals an uninterrupted one.
    """

    def __init__(self, data, n: int = 2000, seed: int = 4321, every: int = 1,
                 feature_net: FeatureNetConfig = FeatureNetConfig(), progress: bool = True,
                 train_images: torch.Tensor | None = None, fit_images: int = 2000, steps: int | None = None) -> None:
        self.data, self.n, self.seed, self.every, self.steps = data, n, seed, every, steps
        self.feature_config, self.progress = feature_net, progress
        self.train_images, self.fit_images = train_images, fit_images
        self._fnet: FeatureNet | None = None
        self._fid = None

    def _setup(self) -> None:
        from torchmetrics.image.fid import FrechetInceptionDistance

        self._fnet, _ = load_or_train(self.feature_config, self.data, self.data.mirror, progress=self.progress)
        features, _ = reference_features(self._fnet, self.data)  # test images × D, cached on disk
        # reset_real_features=False: reset() between epochs keeps the test-set statistics
        self._fid = FrechetInceptionDistance(feature=PassThrough(features.shape[1]), reset_real_features=False)
        self._fid.update(features.double(), real=True)

    @torch.no_grad()
    def on_epoch_end(self, method, epoch: int, model_dir, logs: dict | None = None) -> dict[str, float]:
        sampler = self._sampler(method)
        if sampler is None or epoch % self.every:
            return {}
        if self._fid is None:
            self._setup()
        was_training = method.training
        method.eval()
        sample, generator = sampler()
        images = torch.cat([sample(min(1000, self.n - s), generator=generator).cpu()
                            for s in range(0, self.n, 1000)])  # n×C×H×W in [0, 1]
        method.train(was_training)
        # quantise like saved samples so the curve and `genlab evaluate` measure the same thing
        images = images.clamp(0, 1).mul(255).round().div(255)
        features, _ = extract(self._fnet.net, images)
        self._fid.reset()
        self._fid.update(features.double(), real=False)
        return {KEY: float(self._fid.compute()), f"{KEY}_n": float(self.n)}

    def _sampler(self, method):
        """A callable giving (sample, seeded generator), or None for a model that cannot generate here."""
        if method.sampling == "prior":
            device = next(method.parameters()).device
            sample = method.sample
            if self.steps is not None and "iterative" in method.capabilities():  # a cheaper sampler per epoch
                sample = functools.partial(method.sample, steps=self.steps)
            return lambda: (sample, torch.Generator(device=device).manual_seed(self.seed))
        if method.sampling != "codes" or self.train_images is None:
            return None

        def mixture():
            options = SamplerOptions(gmm_fit_images=self.fit_images)
            fitted = GaussianMixtureSampler(method, self.train_images, options, self.seed)
            return fitted.sample, torch.Generator().manual_seed(self.seed)  # it draws on the CPU
        return mixture
