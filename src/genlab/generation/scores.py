"""FID, KID, improved precision/recall, classifier Inception Score, class histogram.

FID and KID come from torchmetrics with a custom feature module; IS is written out here
(torchmetrics gives a Bessel-corrected std; published Inception Scores use ddof=0). The
feature network runs once per image set (features.extract) and torchmetrics receives those
features through `PassThrough`, so the 10,000 test-set features are shared by every
generator and by the real-data floor instead of being recomputed per metric.
Precision/recall (Kynkäänniemi et al. 2019) has no torchmetrics implementation and is
written here; tests check it on sets with a known answer.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import torch
import torch.nn as nn


class PassThrough(nn.Module):
    """A torchmetrics 'feature extractor' for inputs that already are features (N×D)."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


@dataclass
class MetricOptions:
    k: int = 3  # neighbourhood size of the precision/recall manifolds (paper: 3)
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    is_splits: int = 10
    seed: int = 0  # KID subsets and IS splits are random; fixed so reruns agree
    missing_share: float = 0.01  # a class holding under 1% of samples counts as missing


@dataclass
class FeatureSet:
    features: torch.Tensor  # N×D penultimate activations
    logits: torch.Tensor  # N×C classifier logits
    _radii: dict = field(default_factory=dict, repr=False)

    def radii(self, k: int, chunk: int = 1000) -> torch.Tensor:
        """k-NN radii of this set's manifold, cached: the reference set's are computed once
        for all generators (an N² pass, the costliest step of precision/recall)."""
        if k not in self._radii:
            self._radii[k] = _kth_radii(self.features.float(), k, chunk)
        return self._radii[k]


def fid(real: torch.Tensor, fake: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N×D, M×D)."""
    from torchmetrics.image.fid import FrechetInceptionDistance  # here: its import takes seconds, checks need none

    metric = FrechetInceptionDistance(feature=PassThrough(real.shape[1]))
    metric.update(real.double(), real=True)
    metric.update(fake.double(), real=False)
    return float(metric.compute())


def kid(real: torch.Tensor, fake: torch.Tensor, subsets: int = 100, subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float]:
    """Unbiased polynomial-kernel MMD² (mean, std over random subsets)."""
    size = min(subset_size, len(real), len(fake))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "saves all features in buffer": intended
        from torchmetrics.image.kid import KernelInceptionDistance

        metric = KernelInceptionDistance(feature=PassThrough(real.shape[1]), subsets=subsets, subset_size=size)
    # float32: 100 subsets × three 1000×1000 cubic kernels dominate evaluate's time in float64
    metric.update(real.float(), real=True)
    metric.update(fake.float(), real=False)
    with torch.random.fork_rng():  # torchmetrics draws subsets from the global RNG
        torch.manual_seed(seed)
        mean, std = metric.compute()
    return float(mean), float(std)


def inception_score(logits: torch.Tensor, splits: int = 10, seed: int = 0) -> tuple[float, float]:
    """exp E[KL(p(y|x) || p(y))] with the Fashion-MNIST classifier: 1 (useless) … 10 (every
    sample confidently one class, classes balanced). Mean and std over `splits` groups of
    a seeded shuffle (the same groups torchmetrics forms). The std is the population std
    (ddof=0) as in the original IS code and torch-fidelity (np.std), not torchmetrics'
    Bessel-corrected one, so the ± matches published Inception Scores' convention."""
    logits = logits.double()
    order = torch.randperm(len(logits), generator=torch.Generator().manual_seed(seed))
    log_prob = logits[order].log_softmax(dim=1)  # N×C
    scores = []
    for part in log_prob.chunk(splits, dim=0):  # each n×C
        log_marginal = part.exp().mean(dim=0, keepdim=True).log()  # 1×C: log p(y) of this split
        kl = (part.exp() * (part - log_marginal)).sum(dim=1)  # n: KL(p(y|x) || p(y))
        scores.append(kl.mean().exp())
    scores = torch.stack(scores)
    return float(scores.mean()), float(scores.std(correction=0))


def _kth_radii(x: torch.Tensor, k: int, chunk: int) -> torch.Tensor:
    """Distance of each row of x (N×D) to its k-th nearest other row → N."""
    radii = []
    for s in range(0, len(x), chunk):
        d = torch.cdist(x[s:s + chunk], x)  # c×N, includes the zero distance to itself
        radii.append(d.kthvalue(k + 1, dim=1).values)
    return torch.cat(radii)


def _coverage(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, chunk: int) -> float:
    """Share of points inside at least one ball (centre, radius)."""
    inside = []
    for s in range(0, len(points), chunk):
        d = torch.cdist(points[s:s + chunk], centres)  # c×M
        inside.append((d <= radii.unsqueeze(0)).any(dim=1))
    return torch.cat(inside).double().mean().item()


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3, chunk: int = 1000,
                     real_radii: torch.Tensor | None = None) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019).

    Each set's manifold is the union of balls around its points reaching the k-th nearest
    neighbour. Precision = share of fake samples inside the real manifold (quality);
    recall = share of real samples inside the fake manifold (coverage / diversity).
    """
    real, fake = real.float(), fake.float()  # float32 distances: ample for k-NN radii, twice as fast
    radii = _kth_radii(real, k, chunk) if real_radii is None else real_radii
    precision = _coverage(fake, real, radii, chunk)
    recall = _coverage(real, fake, _kth_radii(fake, k, chunk), chunk)
    return precision, recall


def class_histogram(logits: torch.Tensor, num_classes: int | None = None) -> list[float]:
    """Share of samples the classifier assigns to each class (argmax)."""
    c = num_classes or logits.shape[1]
    counts = torch.bincount(logits.argmax(1), minlength=c).double()
    return (counts / counts.sum()).tolist()


def all_metrics(real: FeatureSet, fake: FeatureSet, opts: MetricOptions = MetricOptions()) -> dict:
    """Every number of one generated set against the reference set, as plain floats."""
    kid_mean, kid_std = kid(real.features, fake.features, opts.kid_subsets, opts.kid_subset_size, opts.seed)
    precision, recall = precision_recall(real.features, fake.features, opts.k, real_radii=real.radii(opts.k))
    is_mean, is_std = inception_score(fake.logits, opts.is_splits, opts.seed)
    hist = class_histogram(fake.logits)
    return {
        "n": len(fake.features),
        "fid": fid(real.features, fake.features),
        "kid": kid_mean,
        "kid_std": kid_std,
        "precision": precision,
        "recall": recall,
        "is": is_mean,
        "is_std": is_std,
        "class_hist": hist,
        "classes_missing": sum(share < opts.missing_share for share in hist),
    }
