"""Compatibility shim (issue 22): Fashion-MNIST is now one entry of `genlab.data.catalog`,
read by `genlab.data.load(DataConfig(...))` like every other dataset. Kept only so modules
not yet moved to that interface still import; remove it when nothing imports it."""
from __future__ import annotations

from genlab.data.catalog import FASHION_MNIST

CLASSES = FASHION_MNIST.classes


def load(data_dir=None):
    """Deprecated: `genlab.data.load(DataConfig(root=data_dir))` (images are N×1×28×28 now)."""
    from genlab.data import load as load_data
    from genlab.data.options import DataConfig

    return load_data(DataConfig(root=str(data_dir) if data_dir else None))
