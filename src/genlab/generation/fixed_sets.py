"""Fixed image sets made from a dataset alone — no model, no training, no float arithmetic on
the pixels — and a feature network's metrics on them against the test set.

They pin what a shipped network measures: its manifest stores these numbers at the digits genlab
prints, a test recomputes them on whatever machine runs it, and `genlab metrics-net --retrain`
sets a freshly trained network's numbers beside the shipped one's. The sets cover the shapes the
report's sanity sentences name: real images (the real-data floor), blurred ones, uniform noise,
images of one class, and a few images repeated (a collapse).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from genlab.generation import shipped
from genlab.generation.features import FeatureNet, extract, holdout_split, reference_features
from genlab.generation.scores import FeatureSet, MetricOptions, all_metrics

FIXED_N = 10_000  # at most: the floor's size
NOISE_SEED = 20250601  # torch's CPU generator (mt19937) gives the same draws on every platform
REPEATS = 100  # the collapse set: n / 100 distinct images, each 100 times
MIN_SET = 10  # a smaller set (one class of a tiny dataset) is left out


def box_blur(images: torch.Tensor) -> torch.Tensor:
    """3×3 mean of uint8 N×C×H×W images in integers (zero beyond the border), rounded down:
    the same bits on every machine."""
    padded = F.pad(images.to(torch.int32), (1, 1, 1, 1))  # N×C×(H+2)×(W+2)
    h, w = images.shape[-2:]
    total = sum(padded[..., i:i + h, j:j + w] for i in range(3) for j in range(3))
    return (total // 9).to(torch.uint8)


def noise_images(n: int, shape) -> torch.Tensor:
    """n images of uniform uint8 noise (N×C×H×W), the same on every machine."""
    return torch.randint(0, 256, (n, *shape), generator=torch.Generator().manual_seed(NOISE_SEED), dtype=torch.uint8)


def fixed_sets(data) -> dict[str, torch.Tensor]:
    """name → uint8 N×C×H×W images, from the held-out floor images of the training set (the
    feature network never saw them) and a seeded noise draw."""
    floor_idx = holdout_split(len(data.train_images))[1]
    n = min(FIXED_N, len(floor_idx), len(data.test_images))
    floor, labels = data.train_images[floor_idx[:n]], data.train_labels[floor_idx[:n]]
    first = data.classes[0] if data.classes else "class 0"
    sets = {
        "real floor": floor,
        "blurred 3×3": box_blur(floor),
        "uniform noise": noise_images(n, data.shape),
        f"one class ({first})": floor[labels == 0],
        f"{max(1, n // REPEATS)} images ×{REPEATS}": floor[:max(1, n // REPEATS)].repeat(REPEATS, 1, 1, 1),
    }
    return {name: images for name, images in sets.items() if len(images) >= MIN_SET}  # k-NN needs a few


def measure(fnet: FeatureNet, data) -> dict[str, dict]:
    """name → {n, fid, kid, precision, recall, is, top_class_share} of each fixed set against the
    test set (no sampling errors: these sets are fixed, not drawn)."""
    reference = FeatureSet(*reference_features(fnet, data))
    out = {}
    for name, images in fixed_sets(data).items():
        metrics = all_metrics(reference, FeatureSet(*extract(fnet.net, images)), MetricOptions(se_halves=0))
        out[name] = {"n": len(images), **{key: metrics[key] for key in shipped.PRINTED},
                     "top_class_share": max(metrics["class_hist"])}
    return out


def printed_values(values: dict[str, dict]) -> dict[str, dict[str, str]]:
    """The sets' metrics as genlab prints them (the digits the manifest promises)."""
    return {name: {key: shipped.printed(key, v[key]) for key in shipped.PRINTED} for name, v in values.items()}


def mismatches(stored: dict[str, dict[str, str]], values: dict[str, dict]) -> list[str]:
    """Where `values` printed differ from the stored digits: one line each (empty: all equal)."""
    now = printed_values(values)
    return [f"{name} {key}: {now[name][key]} here, {digits} stored" for name, keys in stored.items()
            for key, digits in keys.items() if now.get(name, {}).get(key) != digits]


def comparison(stored: dict[str, dict[str, str]], here: dict[str, dict] | None, retrained: dict[str, dict]) -> list[str]:
    """A terminal table of every set's FID: shipped (stored), shipped (measured here), retrained,
    and the retrained network's difference from the shipped one; then the largest difference."""
    lines = [f"{'fixed set':<22} {'shipped':>10} {'here':>10} {'retrained':>10} {'difference':>11}"]
    diffs = {}
    for name, digits in stored.items():
        shipped_fid = float(digits["fid"])
        again = retrained[name]["fid"]
        diffs[name] = again - shipped_fid
        mark = "—" if here is None else shipped.printed("fid", here[name]["fid"])
        lines.append(f"{name:<22} {digits['fid']:>10} {mark:>10} {shipped.printed('fid', again):>10} "
                     f"{diffs[name]:>+11.3f}")
    worst = max(diffs, key=lambda k: abs(diffs[k]))
    lines.append(f"largest FID difference, retrained − shipped: {diffs[worst]:+.3f} ({worst}; shipped "
                 f"{stored[worst]['fid']}, {abs(diffs[worst]) / max(float(stored[worst]['fid']), 1e-12):.1%} of it)")
    return lines
