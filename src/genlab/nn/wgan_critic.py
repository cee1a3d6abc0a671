"""The WGAN-GP critic: the DCGAN discriminator's layers (nn/dcgan.py) without BatchNorm.
A gradient penalty constrains the critic's gradient per input image, and BatchNorm would
mix the images of a batch (Gulrajani et al. 2017, section 4); layer normalisation, which
normalises each image on its own, takes its place."""
from __future__ import annotations

from torch import nn

from genlab.nn.dcgan import downsampling_trunk, quarter
from genlab.param_domains import CRITIC_NORMS


class WGANCritic(nn.Module):
    """B×C×H×W in [-1, 1] → B unbounded scores (higher: more like the real images)."""

    def __init__(self, shape: tuple[int, int, int], width: int = 64, norm: str = "layer"):
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be >= 1, got {width}")
        if norm not in CRITIC_NORMS:
            raise ValueError(f"critic norm must be one of {', '.join(CRITIC_NORMS)}, got {norm!r}")
        rows, cols = quarter(shape)
        # GroupNorm with one group normalises each image over channels × rows × columns: a layer norm
        normalise = nn.GroupNorm(1, 2 * width) if norm == "layer" else None
        self.net = nn.Sequential(*downsampling_trunk(shape[0], width, normalise, bias=True),
                                 nn.Flatten(), nn.Linear(2 * width * rows * cols, 1))

    def forward(self, x):
        return self.net(x).squeeze(1)
