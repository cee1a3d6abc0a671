"""Optional standard Inception-FID from a local weights file (--inception-weights PATH).

Uses torchmetrics' FrechetInceptionDistance with its InceptionV3 extractor, which needs
the torch-fidelity package and the `pt_inception-2015-12-05` weights file. These numbers
use the published feature space, but on small upscaled images (grey ones copied to three
channels) they still say more about Inception than about the images; genlab's own-feature
FID stays the headline.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import torch

from genlab.errors import GenlabError


def check_available(weights: Path) -> Path:
    weights = Path(weights)
    if not weights.is_file():
        raise GenlabError(f"--inception-weights {weights}: no such file; pass the local pt_inception-2015-12-05 .pth file")
    if importlib.util.find_spec("torch_fidelity") is None:
        raise GenlabError("--inception-weights needs the torch-fidelity package for the standard InceptionV3 "
                          "feature extractor: pip install torch-fidelity")
    return weights


def _rgb(images: torch.Tensor) -> torch.Tensor:
    """uint8 N×C×H×W → uint8 N×3×H×W (grey copied to three channels; the extractor resizes to 299×299 itself)."""
    return images.expand(-1, 3, -1, -1).contiguous() if images.shape[1] == 1 else images


def inception_fid(weights: Path, test_images: torch.Tensor, floor: torch.Tensor, sets: dict[str, torch.Tensor],
                  n: int = 2000, batch_size: int = 100) -> dict:
    """Inception-FID of the real floor and of each generated set against n test images (uint8 N×C×H×W)."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    weights = check_available(weights)
    metric = FrechetInceptionDistance(feature=2048, reset_real_features=False,
                                      feature_extractor_weights_path=str(weights))
    test = test_images[:n]
    for s in range(0, len(test), batch_size):
        metric.update(_rgb(test[s:s + batch_size]), real=True)
    out = {"n": min(n, len(test)), "weights": str(weights), "fid": {}}
    for name, images in {"floor": floor, **sets}.items():
        metric.reset()
        for s in range(0, min(n, len(images)), batch_size):
            metric.update(_rgb(images[s:min(s + batch_size, n)]), real=False)
        out["fid"][name] = float(metric.compute())
        print(f"genlab evaluate: Inception-FID {name}: {out['fid'][name]:.2f}", file=sys.stderr, flush=True)
    return out
