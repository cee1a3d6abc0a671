"""The formats genlab reads and where a dataset is (torch-free: `genlab data` lists every
dataset without loading torch)."""
from __future__ import annotations

from pathlib import Path
from types import ModuleType

from genlab.data import catalog, cifar, find, idx, image_folder, npz
from genlab.data.options import DataConfig
from genlab.errors import GenlabError

FORMATS: dict[str, ModuleType] = {"idx": idx, "cifar10": cifar, "image_folder": image_folder, "npz": npz}
CHECKS = {"idx": "IDX magic numbers, shapes, counts, images vs labels, label range",
          "cifar10": "restricted unpickling, batch shapes and dtypes, counts, label range",
          "image_folder": "layout, PNG/JPEG decoding, one image size, label folders",
          "npz": "array names, shapes, dtypes, value and label ranges"}


def spec_of(cfg: DataConfig) -> catalog.Dataset:
    spec = catalog.get(cfg.dataset)
    if spec.format not in FORMATS:
        raise GenlabError(f"data.dataset {cfg.dataset} is read by the {cfg.dataset} study itself, not by "
                          "genlab.data; image studies take one of " + ", ".join(catalog.IMAGE_DATASETS))
    return spec


def locate(cfg: DataConfig, download: bool = True, progress: bool = True) -> tuple[str, Path]:
    """(where, source): the place that holds cfg's dataset (downloading if allowed)."""
    spec = spec_of(cfg)
    fmt = FORMATS[spec.format]
    return named(spec, lambda: find.locate(spec, cfg.root, fmt.find, fmt.missing, download, progress))


def named(spec: catalog.Dataset, work):
    """Run `work`, naming the dataset at the start of any error it raises."""
    try:
        return work()
    except GenlabError as exc:
        raise GenlabError(f"{spec.title}: {exc}") from None
