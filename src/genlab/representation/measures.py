"""Metrics with one definition each, from well-kept libraries (scikit-learn, torchmetrics).

Image metrics are per image, on pixels in [0, 1] (data range 1): callers average them,
so a report's mean PSNR is the mean of per-image PSNRs, not the PSNR of the mean MSE.
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from skimage.metrics import structural_similarity
from torchmetrics.functional.image import peak_signal_noise_ratio


def classification_metrics(y_true, y_pred, classes: int) -> dict:
    """Accuracy, precision / recall / F1 averaged two ways, and the confusion matrix.

    'weighted' (each class weighted by its support) is what report 004 gives; 'macro'
    (every class counts the same) is shown beside it. Values are fractions in [0, 1]."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    out = {"accuracy": float(accuracy_score(y_true, y_pred))}
    for average in ("weighted", "macro"):
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=range(classes), average=average,
                                                     zero_division=0)
        out.update({f"precision_{average}": float(p), f"recall_{average}": float(r), f"f1_{average}": float(f)})
    out["confusion"] = confusion_matrix(y_true, y_pred, labels=range(classes)).tolist()  # rows: true, cols: predicted
    return out


def psnr(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB, B×C×H×W → B: 10·log10(1 / MSE) for data range 1."""
    return peak_signal_noise_ratio(x_hat, x, data_range=1.0, reduction="none", dim=(1, 2, 3))


def ssim(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Per-image SSIM, B×C×H×W → B: scikit-image with Wang et al. (2004)'s settings
    (Gaussian window σ 1.5, K1 0.01, K2 0.03, population covariances), colour images averaged over
    their channels. scikit-image, not torchmetrics: on 28×28 images on a CPU it is several times faster."""
    colour = x.shape[1] > 1
    a, b = (t.detach().cpu().double().movedim(1, -1).numpy() if colour else t.detach().cpu().squeeze(1).double().numpy()
            for t in (x_hat, x))  # B×H×W×C, or B×H×W for grey
    values = [structural_similarity(p, t, data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                    channel_axis=-1 if colour else None) for p, t in zip(a, b)]
    return torch.tensor(values)


def per_image_mse(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Mean squared error per image over its pixels: B."""
    return (x_hat - x).pow(2).flatten(1).mean(1)
