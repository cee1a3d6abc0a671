"""Latent interpolation: decode the points on a path between two latent codes.

The path follows the prior: between two draws of a Gaussian N(0, I) the straight line
passes near the origin, where the prior has almost no mass in high dimension (a draw's
norm concentrates near √D), so the decoded middle images are off the model's manifold;
spherical interpolation (slerp, Shoemake 1985; White 2016) keeps the norm. A uniform
prior on the cube is convex: the straight line stays inside it. Codes of a plain
autoencoder follow no declared prior, so they are joined by a straight line too.
"""
from __future__ import annotations

import torch

PATHS = {"normal": "spherical", "uniform": "linear", None: "linear"}


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """a, b: B×D; t: T → B×T×D points (1 − t)·a + t·b."""
    t = t.view(1, -1, 1)
    return (1 - t) * a.unsqueeze(1) + t * b.unsqueeze(1)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """a, b: B×D; t: T → B×T×D points on the great circle from a to b, the norm
    interpolated linearly (so the ends are exactly a and b); nearly parallel pairs fall
    back to the straight line."""
    na, nb = a.norm(dim=1, keepdim=True), b.norm(dim=1, keepdim=True)  # B×1
    ua, ub = a / na.clamp_min(eps), b / nb.clamp_min(eps)
    omega = torch.arccos((ua * ub).sum(1, keepdim=True).clamp(-1 + eps, 1 - eps)).unsqueeze(1)  # B×1×1
    t = t.view(1, -1, 1)
    direction = (torch.sin((1 - t) * omega) * ua.unsqueeze(1) + torch.sin(t * omega) * ub.unsqueeze(1)) / torch.sin(omega)
    norm = (1 - t) * na.unsqueeze(1) + t * nb.unsqueeze(1)
    straight = lerp(a, b, t.view(-1))
    return torch.where(omega < 1e-3, straight, direction * norm)


def path_kind(prior: str | None) -> str:
    """'spherical' for a Gaussian prior, 'linear' for a uniform one or none."""
    return PATHS[prior]


def interpolate(a: torch.Tensor, b: torch.Tensor, steps: int, prior: str | None) -> torch.Tensor:
    """B×steps×D codes from a to b (both ends included) along the prior's path."""
    t = torch.linspace(0, 1, steps, device=a.device)
    return slerp(a, b, t) if path_kind(prior) == "spherical" else lerp(a, b, t)
