"""Noise robustness: how well each model gives back the clean image from a noisy one.

Noise is the DAE's corruption, x + factor·N(0, 1), *not clipped* to [0, 1] — the same as
the DAE sees in training (genlab.methods.autoencoders) and as report 004 writes it — so
the curves measure each model on the very inputs the DAE was trained for. One seeded
noise draw per image is scaled to every factor and shared by every model: the curves
differ only by the models, not by luck of the draw.
"""
from __future__ import annotations

import numpy as np
import torch

from genlab.representation.measures import per_image_mse, psnr, ssim

NOISY_INPUT = "noisy input"  # the do-nothing baseline: the corrupted image itself


def add_noise(x: torch.Tensor, factor: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """x + factor·N(0, 1), unclipped (as the DAE's training corruption)."""
    return x + factor * torch.randn(x.shape, generator=generator, device=x.device)


@torch.no_grad()
def reconstruct(method, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Deterministic reconstruction in eval mode (the VAE decodes its mean μ), batched."""
    method.eval()
    return torch.cat([method.reconstruct(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])


@torch.no_grad()
def noise_curves(methods: dict, x: torch.Tensor, factors: list[float], seed: int, batch_size: int = 1000) -> dict:
    """Mean (and std) per-image PSNR / SSIM against the clean x at each noise factor.

    x: N×C×H×W clean images in [0, 1]. Returns {name: {"psnr": [...], "psnr_std": [...],
    "ssim": [...], "ssim_std": [...], "mse": [...]}} for every model and the noisy input itself
    (whose PSNR at factor 0 is infinite and recorded as None)."""
    noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(seed)).to(x.device)  # N×C×H×W
    curves = {name: _empty() for name in [*methods, NOISY_INPUT]}
    for factor in factors:
        noisy = x + factor * noise
        outputs = {name: reconstruct(method, noisy, batch_size) for name, method in methods.items()}
        outputs[NOISY_INPUT] = noisy
        for name, x_hat in outputs.items():
            _append(curves[name], x_hat, x, skip_psnr=name == NOISY_INPUT and factor == 0)
    return curves


def _empty() -> dict:
    return {"psnr": [], "psnr_std": [], "ssim": [], "ssim_std": [], "mse": []}


def _append(curve: dict, x_hat: torch.Tensor, x: torch.Tensor, skip_psnr: bool) -> None:
    p, s = psnr(x_hat, x).cpu().numpy(), ssim(x_hat, x).cpu().numpy()
    curve["psnr"].append(None if skip_psnr else float(np.mean(p)))
    curve["psnr_std"].append(None if skip_psnr else float(np.std(p)))
    curve["ssim"].append(float(np.mean(s)))
    curve["ssim_std"].append(float(np.std(s)))
    curve["mse"].append(float(per_image_mse(x_hat, x).mean()))
