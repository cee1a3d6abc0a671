"""What a loaded dataset is: `ImageData` (the arrays and their facts) and `DatasetFacts`
(the facts alone — what a report, a cache key or a network constructor needs). Torch is
imported by the loader, not here, so the facts travel without it."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor


@dataclass(frozen=True)
class DatasetFacts:
    key: str  # "cifar10"
    title: str  # "CIFAR-10" (or data.title)
    shape: tuple[int, int, int]  # (C, H, W)
    classes: tuple[str, ...] | None  # None: unlabelled
    identity: str  # sha256 hex of the content: the cache key of anything derived from it
    official: bool  # the official release's checksums matched
    note: str  # how it was verified, or why it is not the official release
    source: Path
    mirror: bool = False  # a left-right flip keeps an image's class (augmentation may flip)

    @property
    def num_classes(self) -> int:
        return len(self.classes) if self.classes else 0


@dataclass
class ImageData:
    key: str
    title: str
    shape: tuple[int, int, int]  # (C, H, W)
    classes: tuple[str, ...] | None  # None: unlabelled
    train_images: Tensor  # uint8 N×C×H×W
    train_labels: Tensor  # int64 N (zeros when unlabelled)
    test_images: Tensor  # uint8 N×C×H×W
    test_labels: Tensor  # int64 N
    source: Path
    identity: str
    official: bool
    note: str
    mirror: bool = False  # a left-right flip keeps an image's class (augmentation may flip)

    @property
    def facts(self) -> DatasetFacts:
        return DatasetFacts(self.key, self.title, self.shape, self.classes, self.identity, self.official,
                            self.note, self.source, self.mirror)


_warned: set[tuple[str, str]] = set()


def warn_unofficial(facts: DatasetFacts) -> None:
    """One stderr line per dataset content and process: these are not the official files."""
    if facts.official or (facts.key, facts.identity) in _warned:
        return
    _warned.add((facts.key, facts.identity))
    print(f"genlab: warning: {facts.title} in {facts.source}: {facts.note}", file=sys.stderr, flush=True)
