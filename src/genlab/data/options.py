"""`data:` in a study file — which images a study trains and evaluates on (torch-free).

What can be checked without the data is checked here, when the file is read; limits that
need the data's size (val_size, train_subset, test_subset) are checked by
`genlab.data.load`, still before any run folder exists (`check_limits`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from genlab.data import catalog
from genlab.errors import GenlabError
from genlab.typed_settings import _require

VAL_SHARE, VAL_MAX = 0.1, 5000  # default val_size: 10 % of the training images, at most 5,000
TEST_SHARE = 0.2  # default test share of an image folder / npz without its own test split
MAX_SIDE = 4096


@dataclass
class DataConfig:
    """Which images a study trains and evaluates on. Keys a dataset does not use are refused."""

    dataset: str = "fashion_mnist"  # a key of genlab.data.catalog: fashion_mnist, mnist, kmnist, cifar10, image_folder, npz, kitti
    root: str | None = None  # the folder or file holding it (`--data-dir`); else $GENLAB_DATA, Debian package, user cache, download
    data_dir: str | None = None  # old name of `root`, read as root
    val_size: int | None = None  # held out of the training images, seeded; default 10 % of them, at most 5,000
    train_subset: int | None = None  # train on a seeded random subset (quick runs, tests)
    test_subset: int | None = None  # test on a seeded random subset of the test images
    image_size: Any = None  # image_folder: side, or [height, width]: resize the shorter side, centre-crop
    channels: int | None = None  # image_folder: 1 (grey) or 3 (RGB); default 3 if any image has colour
    test_share: float | None = None  # image_folder / npz without a test split: share held out (fixed), default 0.2
    title: str | None = None  # display name; default the dataset's

    def __post_init__(self) -> None:
        spec = catalog.get(self.dataset)
        self.root = str(self.root) if isinstance(self.root, os.PathLike) else self.root
        self.data_dir = str(self.data_dir) if isinstance(self.data_dir, os.PathLike) else self.data_dir
        if self.data_dir is not None:
            _require(self.root is None, "data.data_dir is the old name of data.root; set only one of them")
            _require(spec.format != "kitti", "data.data_dir is not used by the kitti dataset; KITTI is given by data.root")
            self.root, self.data_dir = self.data_dir, None
        for key in ("root", "val_size", "train_subset", "test_subset", "image_size", "channels", "test_share", "title"):
            if getattr(self, key) is not None and key not in spec.keys:
                users = [k for k in catalog.users_of(key) if k != "kitti"]
                raise GenlabError(f"data.{key} is not used by the {self.dataset} dataset; it is for "
                                  f"{', '.join(users)}{' (KITTI is given by data.root)' if spec.format == 'kitti' else ''}")
        self._check_values()

    def _check_values(self) -> None:
        _require(self.root is None or isinstance(self.root, str) and self.root.strip() != "",
                 "data.root must be a folder or file path")
        _require(self.val_size is None or self.val_size >= 0, f"data.val_size must be from 0 to the number of "
                                                              f"training images minus one, got {self.val_size}")
        for key in ("train_subset", "test_subset"):
            value = getattr(self, key)
            _require(value is None or value > 0, f"data.{key} must be a positive integer or null")
        _require(self.channels in (None, 1, 3), f"data.channels must be 1 (grey) or 3 (RGB), got {self.channels!r}")
        _require(self.test_share is None or 0 < self.test_share < 1,
                 f"data.test_share must be between 0 and 1 (exclusive), got {self.test_share!r}")
        _require(self.title is None or self.title.strip() != "", "data.title must not be empty")
        if self.image_size is not None:
            self.image_size = list(image_hw(self.image_size))

    def load_options(self) -> tuple:
        """What, besides the files, decides the loaded data (the per-process cache key)."""
        size = tuple(self.image_size) if self.image_size else None
        return self.dataset, self.root, size, self.channels, self.test_share, self.title


def image_hw(value: Any) -> tuple[int, int]:
    """data.image_size as (height, width): one side, or [height, width]."""
    sides = [value] if not isinstance(value, (list, tuple)) else list(value)
    ok = len(sides) in (1, 2) and all(isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= MAX_SIDE
                                      for s in sides)
    _require(ok, f"data.image_size must be a side or [height, width] of whole numbers from 1 to {MAX_SIDE}, "
                 f"got {value!r}")
    return (sides[0], sides[-1])


def val_size_for(cfg: DataConfig, n_train: int) -> int:
    """The validation images held out of `n_train` training images."""
    return cfg.val_size if cfg.val_size is not None else min(VAL_MAX, round(VAL_SHARE * n_train))


def check_limits(cfg: DataConfig, title: str, n_train: int, n_test: int) -> None:
    """data.val_size / train_subset / test_subset against the images the data holds."""
    val = val_size_for(cfg, n_train)
    _require(val < n_train, f"{title}: data.val_size={val:,} leaves no training images "
                            f"(the training split holds {n_train:,}); lower it")
    left = n_train - val
    _require(cfg.train_subset is None or cfg.train_subset <= left,
             f"{title}: data.train_subset={cfg.train_subset:,} is more than the {left:,} training images left "
             f"after holding out data.val_size={val:,}" if cfg.train_subset else "")
    _require(cfg.test_subset is None or cfg.test_subset <= n_test,
             f"{title}: data.test_subset={cfg.test_subset:,} is more than the {n_test:,} test images" if cfg.test_subset else "")
