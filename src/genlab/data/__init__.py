"""Datasets: one catalog (`genlab.data.catalog`), found, verified and held in memory as uint8
N×C×H×W tensors (`genlab.data.load`), split and batched (`genlab.data.splits`).

`genlab.data.options` and `genlab.data.catalog` are torch-free (a study file is checked
without torch); `load` imports torch on first use.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from genlab.data.facts import ImageData
    from genlab.data.options import DataConfig


def load(cfg: DataConfig, download: bool = True, progress: bool = True) -> ImageData:
    """The dataset `cfg` names, found, verified and cached per process (see genlab.data.loading)."""
    from genlab.data.loading import load as load_data

    return load_data(cfg, download, progress)
