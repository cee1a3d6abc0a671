"""A small U-Net for diffusion and flow matching (Ho et al. 2020's network, scaled down):
a noise level t and an optional class label in, an image-shaped prediction out.

    C×H×W → conv → [level 0: `blocks` residual blocks] → down → … → [level L−1 (+ attention)]
          → middle (residual, attention, residual) → up path mirroring it with skip
          connections (concatenated) → GroupNorm, SiLU, conv → C×H×W

Channels are width at level 0 and 2·width below it (the DDPM CIFAR-10 net's 1, 2, 2, 2);
each residual block is GroupNorm, SiLU, 3×3 conv, + the time (and label) embedding, GroupNorm,
SiLU, dropout, 3×3 conv, plus its input. Self-attention runs only at the lowest resolution,
where its cost (tokens²) is smallest. Every level halves H and W, so H and W must be divisible
by 2^(levels−1): 28×28 serves levels 1–3 (28, 14, 7), 32×32 levels 1–6; another shape is
refused with one ValueError line (the registry shows it as one line).

The time t is a float per image on a 0–1,000 scale (a DDPM step index, or 1,000·t for flow
matching): the sinusoidal embedding's frequencies are set for that range. With `classes` = K
the label embedding has K + 1 rows; row K is the "null" label, which classifier-free guidance
trains on (label dropout) and samples with (labels=None).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

MAX_LEVELS = 6


def check_shape(shape, levels: int) -> tuple[int, int, int]:
    """(C, H, W) as ints, or one ValueError saying which levels this shape can serve."""
    if not (isinstance(shape, (tuple, list)) and len(shape) == 3 and all(isinstance(s, int) and s >= 1 for s in shape)):
        raise ValueError(f"the U-Net needs an image shape (C, H, W) of whole numbers >= 1, got {shape!r}")
    if isinstance(levels, bool) or not isinstance(levels, int) or not 1 <= levels <= MAX_LEVELS:
        raise ValueError(f"levels must be a whole number from 1 to {MAX_LEVELS}, got {levels!r}")
    c, h, w = shape
    step = 2 ** (levels - 1)
    if h % step or w % step:
        fit = max(k for k in range(1, MAX_LEVELS + 1) if h % 2 ** (k - 1) == 0 and w % 2 ** (k - 1) == 0)
        raise ValueError(f"a U-Net with levels={levels} halves {h}×{w} images {levels - 1} times, so H and W "
                         f"must be divisible by {step}; for {h}×{w} use levels from 1 to {fit}")
    return c, h, w


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """B floats → B×dim sinusoids (Vaswani et al. 2017), periods from 2π to 2π·10,000."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[:, None] * freqs[None]  # B×half
    emb = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
    return F.pad(emb, (0, dim % 2))  # B×dim (an odd dim gets a zero column)


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(math.gcd(channels, 8), channels)  # 8 groups where the width allows


class Attention(nn.Module):
    """Single-head self-attention over the H·W positions, residual."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm, self.qkv = _norm(channels), nn.Conv2d(channels, 3 * channels, 1)
        self.proj = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).transpose(2, 3).unbind(1)  # each B×HW×C
        out = F.scaled_dot_product_attention(q, k, v)  # B×HW×C
        return x + self.proj(out.transpose(1, 2).reshape(b, c, h, w))


class ResBlock(nn.Module):
    """A residual block, then (at the lowest resolution) self-attention."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int, dropout: float, attention: bool = False):
        super().__init__()
        self.in_layers = nn.Sequential(_norm(c_in), nn.SiLU(), nn.Conv2d(c_in, c_out, 3, padding=1))
        self.emb = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, c_out))
        self.out_layers = nn.Sequential(_norm(c_out), nn.SiLU(), nn.Dropout(dropout),
                                        nn.Conv2d(c_out, c_out, 3, padding=1))
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()
        self.attention = Attention(c_out) if attention else nn.Identity()

    def forward(self, x, emb):
        h = self.in_layers(x) + self.emb(emb)[:, :, None, None]  # B×c_out×H×W + B×c_out×1×1
        return self.attention(self.skip(x) + self.out_layers(h))


class UNet(nn.Module):
    """forward(x: B×C×H×W, t: B floats in [0, 1000], labels: B ints or None) → B×C×H×W."""

    def __init__(self, shape=(1, 28, 28), width: int = 32, levels: int = 2, blocks: int = 1,
                 attention: bool = True, classes: int | None = None, dropout: float = 0.0):
        super().__init__()
        c, _, _ = self.shape = check_shape(tuple(shape), levels)
        for name, value, low in (("width", width, 1), ("blocks", blocks, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")
        if classes is not None and (isinstance(classes, bool) or not isinstance(classes, int) or classes < 1):
            raise ValueError(f"classes must be a number of classes >= 1 or None, got {classes!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.width, self.classes = width, classes
        emb_dim = 4 * width
        self.time_mlp = nn.Sequential(nn.Linear(width, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.label_emb = nn.Embedding(classes + 1, emb_dim) if classes else None  # row `classes`: null
        chans = [width * (1 if i == 0 else 2) for i in range(levels)]
        self.conv_in = nn.Conv2d(c, width, 3, padding=1)
        self.down, skips = self._down_path(chans, blocks, attention, emb_dim, dropout)
        mid = chans[-1]
        self.middle = nn.ModuleList([ResBlock(mid, mid, emb_dim, dropout, attention),
                                     ResBlock(mid, mid, emb_dim, dropout)])
        self.up = self._up_path(chans, blocks, attention, emb_dim, dropout, skips)
        self.conv_out = nn.Sequential(_norm(width), nn.SiLU(), nn.Conv2d(width, c, 3, padding=1))
        nn.init.zeros_(self.conv_out[-1].weight)  # starts by predicting 0: the loss begins at its
        nn.init.zeros_(self.conv_out[-1].bias)    # target's variance, not far above it

    @staticmethod
    def _down_path(chans, blocks, attention, emb_dim, dropout):
        """Modules of the down path and the channel count of each skip it leaves."""
        layers, skips, ch = nn.ModuleList(), [chans[0]], chans[0]
        for i, out in enumerate(chans):
            for _ in range(blocks):
                layers.append(ResBlock(ch, out, emb_dim, dropout, attention and i == len(chans) - 1))
                ch = out
                skips.append(ch)
            if i < len(chans) - 1:
                layers.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))  # halves H and W
                skips.append(ch)
        return layers, skips

    @staticmethod
    def _up_path(chans, blocks, attention, emb_dim, dropout, skips):
        """Each level takes blocks + 1 skips (its blocks' and the downsample's), last in first out."""
        layers, skips, ch = nn.ModuleList(), list(skips), chans[-1]
        for i in reversed(range(len(chans))):
            for _ in range(blocks + 1):
                layers.append(ResBlock(ch + skips.pop(), chans[i], emb_dim, dropout, attention and i == len(chans) - 1))
                ch = chans[i]
            if i > 0:
                layers.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                            nn.Conv2d(ch, ch, 3, padding=1)))  # doubles H and W
        return layers

    def embed(self, t: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """B×4·width: the time embedding, plus the label's (the null label's when labels is None)."""
        emb = self.time_mlp(timestep_embedding(t, self.width))
        if self.label_emb is not None:
            if labels is None:
                labels = torch.full((len(t),), self.classes, dtype=torch.long, device=t.device)
            emb = emb + self.label_emb(labels)
        return emb

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if tuple(x.shape[1:]) != self.shape:
            raise ValueError(f"this U-Net takes B×{'×'.join(map(str, self.shape))} images, got {tuple(x.shape)}")
        emb = self.embed(t, labels)  # B×4w
        h = self.conv_in(x)  # B×w×H×W
        skips = [h]
        for layer in self.down:  # residual blocks and downsamples; each output is a skip
            h = layer(h, emb) if isinstance(layer, ResBlock) else layer(h)
            skips.append(h)
        for block in self.middle:
            h = block(h, emb)  # B×c×H'×W' at the lowest resolution
        for layer in self.up:  # each residual block takes the newest skip; upsamples take none
            h = layer(torch.cat([h, skips.pop()], dim=1), emb) if isinstance(layer, ResBlock) else layer(h)
        return self.conv_out(h)  # B×C×H×W
