"""What every format's loader hands back (`Loaded`: numpy arrays N×C×H×W), and the array
rules the formats share: layouts, float quantisation, labels, the fixed test hold-out and
the content hash (`identity`)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from genlab.errors import GenlabError

HOLDOUT_SEED = 20240622  # which images a folder / npz without a test split holds out: the same in every run


@dataclass
class Loaded:
    train_images: np.ndarray  # uint8 N×C×H×W
    train_labels: np.ndarray  # int64 N (zeros when unlabelled)
    test_images: np.ndarray
    test_labels: np.ndarray
    classes: tuple[str, ...] | None  # None: unlabelled
    official: bool = False
    note: str = ""
    title: str = ""  # a default display name from the files (a folder's name), if the catalog has none

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(int(s) for s in self.train_images.shape[1:])


def identity(shape: tuple[int, int, int], parts: list[np.ndarray]) -> str:
    """sha256 over the shape and the arrays' bytes (images and labels of both splits)."""
    h = hashlib.sha256("{}×{}×{}".format(*shape).encode())
    for array in parts:
        h.update(np.ascontiguousarray(array).data)
    return h.hexdigest()


def loaded_identity(data: Loaded) -> str:
    return identity(data.shape, [data.train_images, data.train_labels.astype("<i8"),
                                 data.test_images, data.test_labels.astype("<i8")])


def hold_out(n: int, share: float, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices) of n items in their natural order; the test share is
    drawn with a fixed seed, so the reference set is the same in every run."""
    k = round(n * share)
    if k < 1 or k >= n:
        raise GenlabError(f"{what}: data.test_share={share:g} of {n:,} images leaves "
                          f"{'no test' if k < 1 else 'no training'} images; change data.test_share or add images")
    test = np.sort(np.random.default_rng(HOLDOUT_SEED).permutation(n)[:k])
    train = np.setdiff1d(np.arange(n), test, assume_unique=True)
    return train, test


def quantise(images: np.ndarray, what: str) -> np.ndarray:
    """uint8 as is; floats in [0, 1] → round(x·255), as a PNG writer stores them."""
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind != "f":
        raise GenlabError(f"{what}: images are {images.dtype}; genlab reads uint8 (0-255) or floats in [0, 1]")
    if images.size and not np.isfinite(images).all():
        raise GenlabError(f"{what}: images hold NaN or infinite values")
    low, high = (float(images.min()), float(images.max())) if images.size else (0.0, 0.0)
    if low < 0 or high > 1:
        raise GenlabError(f"{what}: float images must lie in [0, 1], these range from {low:g} to {high:g} "
                          "(scale them, or store uint8 0-255)")
    return np.rint(images * 255.0).astype(np.uint8)


def to_nchw(images: np.ndarray, what: str) -> np.ndarray:
    """N×H×W (grey), N×H×W×C or N×C×H×W with C ∈ {1, 3} → N×C×H×W."""
    if images.ndim == 3:
        return images[:, None]
    if images.ndim != 4:
        raise GenlabError(f"{what}: images have shape {tuple(images.shape)}; expected N×H×W, N×H×W×C or "
                          "N×C×H×W with C = 1 or 3")
    last, second = images.shape[3] in (1, 3), images.shape[1] in (1, 3)
    if last and second:
        raise GenlabError(f"{what}: images of shape {tuple(images.shape)} are ambiguous (channels first or last?); "
                          "store them as N×H×W×C")
    if last:
        return np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    if second:
        return images
    raise GenlabError(f"{what}: images have shape {tuple(images.shape)}: neither axis 1 nor axis 3 has 1 or 3 "
                      "channels")


def check_labels(labels: np.ndarray, n: int, num_classes: int | None, what: str) -> np.ndarray:
    """Labels as int64 N, each in 0..num_classes-1 (any non-negative when num_classes is None)."""
    if labels.ndim != 1 or len(labels) != n:
        raise GenlabError(f"{what}: {n:,} images but labels of shape {tuple(labels.shape)}; expected one label "
                          "per image")
    if labels.dtype.kind not in "iu":
        raise GenlabError(f"{what}: labels are {labels.dtype}; expected whole numbers (class indices)")
    labels = labels.astype(np.int64)
    if n and labels.min() < 0:
        raise GenlabError(f"{what}: label {int(labels.min())} is negative; labels are class indices from 0")
    if n and num_classes is not None and labels.max() >= num_classes:
        raise GenlabError(f"{what}: label {int(labels.max())} is outside 0..{num_classes - 1} "
                          f"({num_classes} classes)")
    return labels


def check_pair(data: Loaded, what: str) -> Loaded:
    """Both splits non-empty, the same image shape, channels 1 or 3."""
    for split in ("train", "test"):
        if len(getattr(data, f"{split}_images")) == 0:
            raise GenlabError(f"{what}: the {split} split holds no images")
    if data.train_images.shape[1:] != data.test_images.shape[1:]:
        raise GenlabError(f"{what}: training images are {_shape(data.train_images)} but test images "
                          f"{_shape(data.test_images)}; both splits need one shape")
    if data.train_images.shape[1] not in (1, 3):
        raise GenlabError(f"{what}: images have {data.train_images.shape[1]} channels; genlab reads 1 or 3")
    return data


def _shape(images: np.ndarray) -> str:
    return "×".join(str(s) for s in images.shape[1:])
