"""The linear floor of reconstruction: the per-pixel test MSE of PCA with k components,
fitted on the training images — the error no linear autoencoder with a k-d code can beat.
Closed form (an eigendecomposition of the P×P pixel covariance, P = C·H·W values per
image), no training."""
from __future__ import annotations

import numpy as np
import torch


def pca_basis(train_images: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """(mean P, eigenvectors P×P by decreasing variance) of uint8 N×C×H×W images in [0, 1]."""
    x = train_images.reshape(len(train_images), -1).numpy().astype(np.float64) / 255  # N×P
    mean = x.mean(0)
    xc = x - mean
    _, vectors = np.linalg.eigh(xc.T @ xc / len(xc))  # ascending eigenvalues
    return mean, vectors[:, ::-1]


def pca_test_mse(train_images: torch.Tensor, test_images: torch.Tensor, sizes: list[int]) -> list[float]:
    """Per-pixel test MSE of the best linear k-dimensional code, for each k in `sizes`."""
    mean, vectors = pca_basis(train_images)
    t = test_images.reshape(len(test_images), -1).numpy().astype(np.float64) / 255 - mean  # M×P
    out = []
    for k in sizes:
        if k >= vectors.shape[1]:  # a complete basis reconstructs exactly: what it would compute is ≈1e-31 rounding
            out.append(0.0)
            continue
        basis = vectors[:, :k]  # P×k
        out.append(float(((t - t @ basis @ basis.T) ** 2).mean()))
    return out
