"""FID, KID, improved precision/recall, classifier Inception Score, class histogram.

FID and KID come from torchmetrics with a custom feature module; IS is written out here
(torchmetrics gives a Bessel-corrected std; published Inception Scores use ddof=0). The
feature network runs once per image set (features.extract) and torchmetrics receives those
features through `PassThrough`, so the 10,000 test-set features are shared by every
generator and by the real-data floor instead of being recomputed per metric.
Precision/recall (Kynkäänniemi et al. 2019) has no torchmetrics implementation and is
written here; tests check it on sets with a known answer.

Each metric also gets its sampling standard error (`fid_se`, …: sampling_errors): how much
the number would move had the generator drawn another set of the same size.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
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
    se_halves: int = 50  # random halves behind each sampling error (an SE's own error ≈ 1/√(2·50) = 10%); 0: none


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
        **sampling_errors(real, fake, opts),
    }


NEIGHBOURS = 16  # per k: each point's 16·k nearest are kept; fewer than k of them in a half: p ≈ 4e-12 at k = 3


def sampling_errors(real: FeatureSet, fake: FeatureSet, opts: MetricOptions = MetricOptions()) -> dict:
    """`fid_se`, `kid_se`, `precision_se`, `recall_se`, `is_se`: each metric's standard error from
    the sampling of the generated set alone. `opts.se_halves` random halves of `fake` (without
    replacement) are each measured against the whole `real` set; the metric's variance over the
    halves, times h/(N−h), estimates its variance at all N samples (the half-sample or delete-d
    jackknife, Shao & Wu 1989; exact for a mean). It captures which samples the generator happened
    to draw; not seed-to-seed training variation, the reference set's own sampling, or the feature
    network. Halves, not a bootstrap: a resample with repeats gives a point a twin at distance 0,
    which shrinks its k-NN ball (recall) and adds k(y, y) terms to KID's U-statistic. KID's error is
    that of its complete U-statistic over all samples, which the subset average estimates. In
    simulations (tests) the errors match the spread over fresh draws within 10 % (recall: 20 %);
    where the samples match the reference in distribution (a real-data floor) FID's and KID's come
    out about 1.5× too large, as their spread there shrinks faster than 1/√N. Empty where a half
    is too small to hold k neighbours."""
    n, k = len(fake.features), opts.k
    if opts.se_halves < 2 or n // 2 <= k + 1:
        return {}
    gen = torch.Generator().manual_seed(opts.seed)
    masks = torch.stack([torch.randperm(n, generator=gen) < n // 2 for _ in range(opts.se_halves)])  # B×N
    x, y = real.features.float(), fake.features.float()
    nbr, dist, kid_yy = _fake_pass(y, masks, min(NEIGHBOURS * k, n - 1))
    radii = _half_radii(nbr, dist, masks, k)  # B×N, -1 outside the half
    inside, kid_xy, recall = _real_pass(x, y, real.radii(k), radii)
    h = n // 2
    per_half = {
        "fid": _fid_halves(real.features, fake.features, masks),
        "kid": kid_yy / (h * (h - 1)) - 2 * (masks.double() @ kid_xy) / (len(x) * h),  # up to KID's real-real term
        "precision": (masks.double() @ inside.double()) / h,
        "recall": recall,
        "is": torch.tensor([inception_score(fake.logits[m], opts.is_splits, opts.seed)[0] for m in masks]),
    }
    return {f"{key}_se": float((v.double().var() * h / (n - h)).sqrt()) for key, v in per_half.items()}


def _poly_kernel(gram: torch.Tensor, dim: int) -> torch.Tensor:
    """torchmetrics' KID kernel (x·y / d + 1)³. float32 is ample: an error bar needs differences between
    halves, and the kernel sums' rounding is some 10⁻⁸ of KID's standard error."""
    return (gram / dim).add_(1).pow_(3)  # in place after the one copy: a third of the memory traffic


def _distances(gram: torch.Tensor, sq_rows: torch.Tensor, sq_cols: torch.Tensor) -> torch.Tensor:
    """Euclidean distances from a Gram block (c×N), in place, as torch.cdist's matrix path computes them."""
    return gram.mul_(-2).add_(sq_rows[:, None]).add_(sq_cols[None]).clamp_(min=0).sqrt_()


def _fake_pass(y: torch.Tensor, masks: torch.Tensor, K: int, chunk: int = 1000):
    """One pass over the generated set's Gram matrix: each point's K nearest others (N×K
    indices and distances, ascending) and, per half, KID's sum of k(y, y') over its pairs (B)."""
    sq, m = (y * y).sum(1), masks.float().T  # N, N×B
    nbr, dist, kid_yy = [], [], torch.zeros(len(masks), dtype=torch.float64)
    for s in range(0, len(y), chunk):
        gram = y[s:s + chunk] @ y.T  # c×N
        rows = torch.arange(len(gram))
        kern = _poly_kernel(gram, y.shape[1])
        kern[rows, rows + s] = 0  # the U-statistic leaves out k(y, y)
        kid_yy += ((kern @ m) * m[s:s + chunk]).sum(0, dtype=torch.float64)
        d = _distances(gram, sq[s:s + chunk], sq)
        d[rows, rows + s] = float("inf")  # a point is not its own neighbour
        near = d.topk(K, dim=1, largest=False)
        nbr.append(near.indices)
        dist.append(near.values)
    return torch.cat(nbr), torch.cat(dist), kid_yy


def _half_radii(nbr: torch.Tensor, dist: torch.Tensor, masks: torch.Tensor, k: int) -> torch.Tensor:
    """Each point's k-NN radius within each half (N×K lists → B×N; -1 for points outside the half).
    Should fewer than k of its K nearest fall in a half, the K-th distance stands in (a bound from below)."""
    count = masks[:, nbr].cumsum(2, dtype=torch.int16)  # B×N×K: neighbours in the half so far
    pos = (count < k).sum(2).clamp(max=nbr.shape[1] - 1)  # B×N: where the k-th one sits
    radii = dist.unsqueeze(0).expand(len(masks), -1, -1).gather(2, pos.unsqueeze(2)).squeeze(2)
    return torch.where(masks, radii, torch.tensor(-1.0))


def _real_pass(x: torch.Tensor, y: torch.Tensor, real_radii: torch.Tensor, radii: torch.Tensor, chunk: int = 1000):
    """One pass over the real × generated Gram matrix: which generated points lie on the real
    manifold (N), KID's Σ_i k(x_i, y_j) (N), and the recall of each half (B): the share of real
    points inside a ball of that half's points (radii B×N)."""
    sq_x, sq_y, reach = (x * x).sum(1), (y * y).sum(1), radii.max(0).values  # reach: a point's largest ball
    inside, kid_xy = torch.zeros(len(y), dtype=torch.bool), torch.zeros(len(y), dtype=torch.float64)
    covered = []
    for s in range(0, len(x), chunk):
        gram = x[s:s + chunk] @ y.T  # c×N
        kid_xy += _poly_kernel(gram, x.shape[1]).sum(0).double()
        d = _distances(gram, sq_x[s:s + chunk], sq_y)
        inside |= (d <= real_radii[s:s + chunk, None]).any(0)
        i, j = (d <= reach).nonzero(as_tuple=True)  # the only pairs a ball of some half can reach
        hits = torch.zeros(len(radii), len(d))  # B×c
        for p in range(0, len(i), 100_000):
            ii, jj = i[p:p + 100_000], j[p:p + 100_000]
            hits.index_add_(1, ii, (d[ii, jj] <= radii[:, jj]).float())
        covered.append(hits > 0)
    return inside, kid_xy, torch.cat(covered, 1).double().mean(1)


def _fid_halves(real: torch.Tensor, fake: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """FID of each half (B). tr √(C_r C_f) is the sum of the square roots of the eigenvalues of the
    symmetric C_r^½ C_f C_r^½ (similar matrices): one eigh of the reference, then eigvalsh per half."""
    real, fake = real.double(), fake.double()
    mu_r, cov_r = real.mean(0), torch.cov(real.T)
    vals, vecs = torch.linalg.eigh(cov_r)
    root = vecs @ torch.diag(vals.clamp(min=0).sqrt()) @ vecs.T  # D×D
    means, covs = zip(*[(half.mean(0), torch.cov(half.T)) for half in (fake[m] for m in masks)])
    covs = torch.stack(covs)  # B×D×D
    # numpy's batched eigvalsh: LAPACK without torch's per-call threading, ~10× faster on a busy machine
    trace_root = np.linalg.eigvalsh((root @ covs @ root).numpy()).clip(min=0) ** 0.5
    return ((mu_r - torch.stack(means)).square().sum(1) + cov_r.trace() + covs.diagonal(dim1=1, dim2=2).sum(1)
            - 2 * torch.from_numpy(trace_root.sum(1)))


def sampling_gap(a: float, a_se: float | None, b: float, b_se: float | None) -> float | None:
    """A one-seed gap a − b in standard errors of sampling alone (√(se_a² + se_b²): the two sets
    were drawn independently); None where an error is unknown or both are 0. Beyond
    BEYOND_NOISE it is larger than sampling noise alone — still untested across seeds."""
    if a_se is None or b_se is None or (a_se == 0 and b_se == 0):
        return None
    return (a - b) / math.sqrt(a_se ** 2 + b_se ** 2)


BEYOND_NOISE = 1.96  # two-sided 5 %


def beyond_sampling_noise(a: float, a_se: float | None, b: float, b_se: float | None) -> bool | None:
    """Whether a one-seed gap exceeds the sampling noise of both numbers (None: unknown)."""
    z = sampling_gap(a, a_se, b, b_se)
    return None if z is None else abs(z) > BEYOND_NOISE
