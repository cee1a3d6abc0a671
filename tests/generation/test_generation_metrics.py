"""FID / KID / precision-recall / IS against cases with a known answer."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import torch

from genlab.generation import scores


def _with_moments(n: int, mean: np.ndarray, cov: np.ndarray, seed: int) -> torch.Tensor:
    """n points whose sample mean and (n-1)-covariance are exactly `mean` and `cov`."""
    x = np.random.default_rng(seed).standard_normal((n, len(mean)))
    x -= x.mean(0)
    x = x @ np.linalg.inv(np.linalg.cholesky(np.cov(x, rowvar=False))).T  # whiten exactly
    return torch.from_numpy(x @ np.linalg.cholesky(cov).T + mean)


def _closed_form_fid(m1, c1, m2, c2) -> float:
    covmean = scipy.linalg.sqrtm(c1 @ c2).real
    return float(((m1 - m2) ** 2).sum() + np.trace(c1 + c2 - 2 * covmean))


def test_fid_of_a_set_against_itself_is_zero():
    x = torch.randn(500, 8, dtype=torch.float64)
    assert abs(scores.fid(x, x)) < 1e-6


def test_fid_of_two_gaussians_matches_closed_form():
    rng = np.random.default_rng(1)
    d = 5
    a, b = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    c1, c2 = a @ a.T + 0.5 * np.eye(d), b @ b.T + 0.5 * np.eye(d)
    m1, m2 = rng.standard_normal(d), rng.standard_normal(d) + 1.0
    got = scores.fid(_with_moments(400, m1, c1, 2), _with_moments(300, m2, c2, 3))
    assert got == pytest.approx(_closed_form_fid(m1, c1, m2, c2), rel=1e-6)


def test_fid_through_passthrough_equals_torchmetrics_with_the_network(tiny_net):
    """Feeding precomputed features is the same as giving torchmetrics the network."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    from genlab.config import DataConfig
    from genlab.data import load
    from genlab.generation.features import extract

    class Net(torch.nn.Module):
        num_features = tiny_net.net.num_features

        def forward(self, x):  # uint8 B×1×28×28 → B×D
            return extract(tiny_net.net, x)[0]

    data = load(DataConfig())
    real, fake = data.test_images[:300], data.train_images[:300]
    metric = FrechetInceptionDistance(feature=Net())
    metric.update(real, real=True)
    metric.update(fake, real=False)
    ours = scores.fid(extract(tiny_net.net, real)[0], extract(tiny_net.net, fake)[0])
    assert ours == pytest.approx(float(metric.compute()), rel=1e-4)


def _unbiased_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """Bińkowski et al.'s unbiased MMD² with k(a, b) = (a·b / d + 1)³, written out."""
    d = x.shape[1]
    k = lambda a, b: (a @ b.T / d + 1) ** 3  # noqa: E731
    m, n = len(x), len(y)
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    return ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
            - 2 * kxy.mean())


def test_kid_with_one_full_subset_is_the_unbiased_mmd():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((120, 6)), rng.standard_normal((120, 6)) + 0.3
    mean, std = scores.kid(torch.from_numpy(x), torch.from_numpy(y), subsets=1, subset_size=120)
    assert mean == pytest.approx(_unbiased_mmd2(x, y), rel=1e-4)
    assert std == 0


def test_kid_is_unbiased_for_equal_distributions():
    """Two large sets from one distribution: KID over 400 small subsets averages to 0
    within its standard error, where the biased (V-statistic) MMD² on the same subset
    size is clearly positive — so the test could fail."""
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((4000, 8)), rng.standard_normal((4000, 8))
    mean, std = scores.kid(torch.from_numpy(x), torch.from_numpy(y), subsets=400, subset_size=40, seed=1)
    assert abs(mean) < 3 * std / np.sqrt(400)
    k = lambda a, b: (a @ b.T / 8 + 1) ** 3  # noqa: E731
    biased = [k(a, a).mean() + k(b, b).mean() - 2 * k(a, b).mean() for a, b in zip(x.reshape(100, 40, 8), y.reshape(100, 40, 8))]
    assert np.mean(biased) > 10 * np.std(biased) / np.sqrt(len(biased))


def test_kid_detects_a_shift():
    x, y = torch.randn(300, 4), torch.randn(300, 4) + 1.0
    assert scores.kid(x, y, subsets=20, subset_size=100)[0] > 0.05


def test_precision_recall_of_identical_and_disjoint_sets():
    x = torch.randn(200, 3)
    assert scores.precision_recall(x, x) == (1.0, 1.0)
    assert scores.precision_recall(x, x + 100) == (0.0, 0.0)


def test_precision_recall_on_a_grid_with_half_the_modes():
    """Real = integers 0..99, fake = 0..49 (k = 3). Every fake point is a real point:
    precision 1. A fake ball reaches its 3rd neighbour: radius 2 inside, 3 at the end 49,
    so the fake manifold covers real points 0..52: recall 53/100."""
    real = torch.arange(100, dtype=torch.float32).unsqueeze(1)
    fake = torch.arange(50, dtype=torch.float32).unsqueeze(1)
    assert scores.precision_recall(real, fake, k=3, chunk=7) == (1.0, 0.53)
    assert scores.precision_recall(fake, real, k=3) == (0.53, 1.0)  # roles swap


def test_inception_score_extremes():
    confident = torch.eye(10).repeat(30, 1) * 100  # 300 samples, each certain, classes balanced
    assert scores.inception_score(confident, splits=1)[0] == pytest.approx(10, rel=1e-6)
    assert scores.inception_score(torch.zeros(300, 10), splits=1)[0] == pytest.approx(1, rel=1e-6)
    one_class = torch.zeros(300, 10)
    one_class[:, 3] = 100  # mode collapse: confident but always the same class
    assert scores.inception_score(one_class, splits=3)[0] == pytest.approx(1, rel=1e-6)


def test_class_histogram_and_missing_classes():
    logits = torch.zeros(100, 10)
    logits[:60, 0] = 1
    logits[60:, 7] = 1
    hist = scores.class_histogram(logits)
    assert hist[0] == pytest.approx(0.6) and hist[7] == pytest.approx(0.4) and sum(hist) == pytest.approx(1)
    x = torch.randn(100, 4, dtype=torch.float64)
    out = scores.all_metrics(scores.FeatureSet(x, torch.randn(100, 10)), scores.FeatureSet(x, logits),
                              scores.MetricOptions(kid_subsets=5, kid_subset_size=50, is_splits=2))
    assert out["classes_missing"] == 8 and out["fid"] == pytest.approx(0, abs=1e-6)
    assert out["precision"] == out["recall"] == 1.0


def test_inception_score_std_is_the_population_std_over_splits():
    """Hand computation as the original IS code and torch-fidelity do it: per split
    exp(mean KL(p(y|x) || p(y))), then mean and np.std (ddof=0) over the splits."""
    logits = torch.randn(300, 10, generator=torch.Generator().manual_seed(2)) * 3
    order = torch.randperm(300, generator=torch.Generator().manual_seed(7))
    prob = torch.softmax(logits[order].double(), dim=1).numpy()
    per_split = []
    for part in np.split(prob, 3):
        marginal = part.mean(0, keepdims=True)
        per_split.append(np.exp((part * (np.log(part) - np.log(marginal))).sum(1).mean()))
    mean, std = scores.inception_score(logits, splits=3, seed=7)
    assert mean == pytest.approx(np.mean(per_split), rel=1e-9)
    assert std == pytest.approx(np.std(per_split), rel=1e-9)
    assert std != pytest.approx(np.std(per_split, ddof=1), rel=1e-3)  # not the Bessel-corrected std


def test_inception_score_mean_matches_torchmetrics():
    from torchmetrics.image.inception import InceptionScore

    logits = torch.randn(200, 10, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 2
    metric = InceptionScore(feature=scores.PassThrough(10), splits=4)
    metric.update(logits)
    with torch.random.fork_rng():
        torch.manual_seed(5)  # torchmetrics shuffles with the global RNG: the same groups as seed 5
        ref_mean, ref_std = metric.compute()
    mean, std = scores.inception_score(logits, splits=4, seed=5)
    assert mean == pytest.approx(float(ref_mean), rel=1e-9)
    assert std == pytest.approx(float(ref_std) * np.sqrt(3 / 4), rel=1e-9)  # ddof=0 vs ddof=1


# --- sampling error bars: the spread over halves of the generated set ---------------------------------

SE_KEYS = ("fid_se", "kid_se", "precision_se", "recall_se", "is_se")


def _gaussian_sets(n: int, seed: int, d: int = 4) -> scores.FeatureSet:
    x = torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 1.2 + 0.3
    return scores.FeatureSet(x, torch.cat([x, -x], 1) * 2)  # logits that depend on the sample


def _reference(n: int = 800, d: int = 4) -> scores.FeatureSet:
    x = torch.randn(n, d, generator=torch.Generator().manual_seed(99), dtype=torch.float64)
    return scores.FeatureSet(x, torch.cat([x, -x], 1) * 2)


def test_fid_of_every_half_uses_a_correct_square_root():
    """tr √(C_r C_f) from the eigenvalues of C_r^½ C_f C_r^½: the whole set gives torchmetrics' FID."""
    real, fake = _reference().features, _gaussian_sets(300, 1).features
    whole = torch.ones(1, 300, dtype=torch.bool)
    assert float(scores._fid_halves(real, fake, whole)[0]) == pytest.approx(scores.fid(real, fake), rel=1e-9)


def test_sampling_errors_match_the_spread_over_fresh_draws():
    """The generator draws 60 fresh sets of 300; each metric's standard deviation over them is the
    sampling error the half-sample estimate claims (within 35 %: the spread of 60 draws is itself
    known to ±9 %, the estimate from 4 sets × 50 halves to ±5 %). KID against its complete
    U-statistic, which its subset average estimates; FID in closed form (the test above)."""
    real = _reference(600)
    opts = scores.MetricOptions(is_splits=4)
    spread = {k: [] for k in SE_KEYS}
    whole = torch.ones(1, 300, dtype=torch.bool)
    for seed in range(60):
        fake = _gaussian_sets(300, 100 + seed)
        precision, recall = scores.precision_recall(real.features, fake.features, real_radii=real.radii(3))
        spread["fid_se"].append(float(scores._fid_halves(real.features, fake.features, whole)[0]))
        spread["kid_se"].append(_unbiased_mmd2(real.features.numpy(), fake.features.numpy()))
        spread["precision_se"].append(precision)
        spread["recall_se"].append(recall)
        spread["is_se"].append(scores.inception_score(fake.logits, 4)[0])
    estimates = [scores.sampling_errors(real, _gaussian_sets(300, 1000 + s), opts) for s in range(4)]
    for key in SE_KEYS:
        claimed = np.mean([e[key] for e in estimates])
        assert claimed == pytest.approx(np.std(spread[key], ddof=1), rel=0.35), key


def test_sampling_error_shrinks_as_the_sample_count_grows():
    """Precision is a mean of per-sample indicators: its error is √(p(1 − p)/N), so 8× the
    samples give a √8 smaller error bar; FID's, KID's and IS's shrink alike. Recall's shrinks
    less: it is a share of the reference's points, and with k fixed whether one of them falls in
    the generated set's k-NN balls stays random however many samples there are."""
    real, opts = _reference(), scores.MetricOptions(kid_subsets=5, kid_subset_size=100, is_splits=4)
    small, large = (scores.sampling_errors(real, _gaussian_sets(n, 7), opts) for n in (250, 2000))
    p = scores.precision_recall(real.features, _gaussian_sets(2000, 7).features, real_radii=real.radii(3))[0]
    assert large["precision_se"] == pytest.approx(math.sqrt(p * (1 - p) / 2000), rel=0.25)
    assert small["precision_se"] / large["precision_se"] == pytest.approx(math.sqrt(8), rel=0.35)
    for key in ("fid_se", "kid_se", "is_se"):
        assert small[key] / large[key] == pytest.approx(math.sqrt(8), rel=0.35), key
    assert large["recall_se"] < small["recall_se"]


def test_all_metrics_keeps_every_value_and_adds_the_errors():
    real, fake = _reference(), _gaussian_sets(300, 3)
    opts = scores.MetricOptions(kid_subsets=5, kid_subset_size=100, is_splits=2)
    without = scores.all_metrics(real, fake, scores.MetricOptions(kid_subsets=5, kid_subset_size=100, is_splits=2,
                                                                  se_halves=0))
    with_errors = scores.all_metrics(real, fake, opts)
    assert {k: with_errors[k] for k in without} == without and set(with_errors) - set(without) == set(SE_KEYS)
    assert all(with_errors[k] > 0 for k in SE_KEYS)
    assert scores.sampling_errors(real, _gaussian_sets(8, 3), opts) == {}  # 4 samples a half cannot hold k = 3


def test_a_one_seed_gap_against_sampling_noise():
    assert scores.sampling_gap(10.0, 0.3, 9.0, 0.4) == pytest.approx(2.0)  # 1 / √(0.09 + 0.16)
    assert scores.beyond_sampling_noise(10.0, 0.3, 9.0, 0.4) is True
    assert scores.beyond_sampling_noise(10.0, 0.3, 9.5, 0.4) is False
    assert scores.beyond_sampling_noise(10.0, None, 9.0, 0.4) is None and scores.sampling_gap(1, 0, 2, 0) is None
