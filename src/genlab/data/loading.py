"""`load(cfg) -> ImageData`: find a dataset, read it through its format's loader, verify it,
hash it, and keep it for the rest of the process. Every error is one line that starts with
the dataset's name; files that are well formed but not the official release load with one
warning line (once per process)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from genlab.data import catalog
from genlab.data.arrays import Loaded, loaded_identity
from genlab.data.facts import ImageData, warn_unofficial
from genlab.data.formats import FORMATS, locate, named, spec_of
from genlab.data.options import DataConfig, check_limits

_loaded: dict[tuple, ImageData] = {}
MAX_KEPT = 4
SIGNED_CHILDREN = 64


def load(cfg: DataConfig, download: bool = True, progress: bool = True) -> ImageData:
    """cfg's dataset, verified, as uint8 N×C×H×W tensors; data.val_size / train_subset /
    test_subset are checked against it."""
    spec = spec_of(cfg)
    _, source = locate(cfg, download, progress)
    key = (*cfg.load_options(), str(Path(source).resolve()), _signature(Path(source)))
    data = _loaded.get(key)
    if data is None:
        raw = named(spec, lambda: FORMATS[spec.format].load_set(spec, Path(source), cfg))
        data = _image_data(spec, cfg, raw, Path(source))
        if len(_loaded) >= MAX_KEPT:
            _loaded.pop(next(iter(_loaded)))
        _loaded[key] = data
    if spec.files:  # only a dataset with an official release can differ from it
        warn_unofficial(data.facts)
    check_limits(cfg, spec.title, len(data.train_labels), len(data.test_labels))
    return data


def forget() -> None:
    """Drop the per-process cache (tests that rewrite files in place)."""
    _loaded.clear()


def _signature(source: Path) -> tuple:
    """Size and modification time of the source and, for a folder of a few files (IDX, CIFAR
    batches), of each; a big folder (images) by its own entry only, which changes when files
    are added, removed or renamed."""
    stats = [("", os.stat(source))]
    if source.is_dir():
        with os.scandir(source) as it:
            children = sorted(it, key=lambda e: e.name)
        if len(children) <= SIGNED_CHILDREN:
            stats += [(e.name, e.stat()) for e in children]
    return tuple((name, s.st_size, s.st_mtime_ns) for name, s in stats)


def _tensor(array: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    array = np.ascontiguousarray(array)
    if not array.flags.writeable:  # np.frombuffer views of file bytes: torch wants memory it may own
        array = array.copy()
    return torch.from_numpy(array).to(dtype)


def _image_data(spec: catalog.Dataset, cfg: DataConfig, raw: Loaded, source: Path) -> ImageData:
    return ImageData(
        key=spec.key, title=cfg.title or raw.title or spec.title, shape=raw.shape, classes=raw.classes,
        train_images=_tensor(raw.train_images, torch.uint8), train_labels=_tensor(raw.train_labels, torch.int64),
        test_images=_tensor(raw.test_images, torch.uint8), test_labels=_tensor(raw.test_labels, torch.int64),
        source=source, identity=loaded_identity(raw), official=raw.official, note=raw.note, mirror=spec.mirror)
