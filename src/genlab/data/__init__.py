"""Datasets of images held in memory (N×C×H×W uint8), and batching over tensors."""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import torch


@dataclass
class ImageData:
    """A loaded, verified dataset (stand-in until the data layer's registry lands)."""

    key: str
    title: str
    shape: tuple[int, int, int]
    classes: tuple[str, ...] | None
    train_images: torch.Tensor  # uint8 N×C×H×W
    train_labels: torch.Tensor  # int64 N
    test_images: torch.Tensor
    test_labels: torch.Tensor
    source: Path
    identity: str
    official: bool
    note: str
    mirror: bool  # a left-right flip keeps an image's class


def load(cfg) -> ImageData:
    from genlab.data import fashion_mnist

    d = fashion_mnist.load(cfg.data_dir)
    return ImageData("fashion_mnist", "Fashion-MNIST", (1, 28, 28), d.classes, d.train_images.unsqueeze(1),
                     d.train_labels, d.test_images.unsqueeze(1), d.test_labels, d.source, "fashion_mnist-official",
                     True, "", True)


def facts_of(data: ImageData):
    from genlab.data.splits import DatasetFacts

    return DatasetFacts(**{f.name: getattr(data, f.name) for f in fields(DatasetFacts)})
