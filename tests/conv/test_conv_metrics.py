"""Metrics against values computed by hand on small arrays."""
from __future__ import annotations

import math

import pytest
import torch

from genlab.representation.measures import classification_metrics, per_image_mse, psnr, ssim
from genlab.representation.robustness import NOISY_INPUT, noise_curves


def test_classification_metrics_weighted_and_macro():
    # supports 3, 2, 1; class 2 is never predicted
    y_true = [0, 0, 0, 1, 1, 2]
    y_pred = [0, 0, 1, 1, 1, 0]
    m = classification_metrics(y_true, y_pred, classes=3)
    # per class: precision 2/3, 2/3, 0; recall 2/3, 1, 0; F1 2/3, 0.8, 0
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["precision_weighted"] == pytest.approx((3 * 2 / 3 + 2 * 2 / 3) / 6)
    assert m["recall_weighted"] == pytest.approx((3 * 2 / 3 + 2 * 1) / 6)
    assert m["f1_weighted"] == pytest.approx((3 * 2 / 3 + 2 * 0.8) / 6)
    assert m["precision_macro"] == pytest.approx((2 / 3 + 2 / 3 + 0) / 3)
    assert m["recall_macro"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert m["f1_macro"] == pytest.approx((2 / 3 + 0.8 + 0) / 3)
    assert m["confusion"] == [[2, 1, 0], [0, 2, 0], [1, 0, 0]]


def test_psnr_per_image():
    x = torch.zeros(2, 1, 4, 4)
    x_hat = torch.stack([torch.full((1, 4, 4), 0.1), torch.full((1, 4, 4), 0.01)])
    # MSE 0.01 → 10·log10(1/0.01) = 20 dB; MSE 1e-4 → 40 dB
    assert psnr(x_hat, x).tolist() == pytest.approx([20.0, 40.0], abs=1e-4)
    assert per_image_mse(x_hat, x).tolist() == pytest.approx([0.01, 1e-4])


def test_ssim_of_constant_images():
    a, b = torch.full((1, 1, 28, 28), 0.2), torch.full((1, 1, 28, 28), 0.6)
    # zero variances and covariance: SSIM = (2ab + C1)/(a² + b² + C1) · C2/C2, C1 = (0.01·1)²
    c1 = 0.01 ** 2
    expected = (2 * 0.2 * 0.6 + c1) / (0.2 ** 2 + 0.6 ** 2 + c1)
    assert float(ssim(a, b)) == pytest.approx(expected, abs=1e-4)
    x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    assert ssim(x, x).tolist() == pytest.approx([1.0] * 3, abs=1e-5)


class _Constant:
    """A 'model' that always answers mid-grey: its scores cannot depend on the noise."""

    def eval(self):
        return self

    def reconstruct(self, x):
        return torch.full_like(x, 0.5)


def test_noise_curves_score_against_the_clean_image():
    x = torch.rand(200, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    curves = noise_curves({"grey": _Constant()}, x, [0.0, 0.5, 1.0], seed=0)
    grey = curves["grey"]
    expected = float(torch.mean(10 * torch.log10(1 / (x - 0.5).pow(2).flatten(1).mean(1))))
    assert grey["psnr"] == pytest.approx([expected] * 3, abs=1e-4)
    noisy = curves[NOISY_INPUT]
    assert noisy["psnr"][0] is None and noisy["ssim"][0] == pytest.approx(1.0, abs=1e-5)
    assert noisy["mse"] == pytest.approx([0.0, 0.25, 1.0], rel=0.02)  # E[(f·ε)²] = f², unclipped
    assert noisy["psnr"][2] == pytest.approx(-10 * math.log10(1.0), abs=0.1)
