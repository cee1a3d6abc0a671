"""A NumPy .npz of arrays: `x_train, y_train, x_test, y_test`, or `train_images, train_labels,
test_images, test_labels`, or one `images[, labels]` split by data.test_share; labels are
optional (unlabelled), `classes` (an array of names) too. Images N×H×W, N×H×W×C or N×C×H×W
with C ∈ {1, 3}; uint8, or floats in [0, 1]. Read with allow_pickle=False: an object array
is refused, never unpickled."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from genlab.data.arrays import Loaded, check_labels, check_pair, hold_out, quantise, to_nchw
from genlab.data.catalog import Dataset
from genlab.data.options import TEST_SHARE
from genlab.errors import GenlabError

SCHEMES = (("x_train", "y_train", "x_test", "y_test"),
           ("train_images", "train_labels", "test_images", "test_labels"))
SINGLE = ("images", "labels")


def find(spec: Dataset, path: Path) -> Path | None:
    """The .npz file itself, or the one .npz in a folder."""
    if path.is_file():
        return path
    found = sorted(path.glob("*.npz")) if path.is_dir() else []
    return found[0] if len(found) == 1 else None


def missing(spec: Dataset, path: Path) -> str | None:
    return None if find(spec, path) else "an .npz file (or a folder holding exactly one)"


def _read(path: Path) -> dict[str, np.ndarray]:
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
    except OSError as exc:
        raise GenlabError(f"cannot read {path}: {exc.strerror}") from None
    if magic.startswith(b"\x93NUMPY"):
        raise GenlabError(f"{path} is a single .npy array, not an .npz archive of named arrays")
    if not magic.startswith(b"PK"):
        raise GenlabError(f"{path} is not an .npz archive (not a zip file); write it with numpy.savez")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise GenlabError(f"{path} holds an object array (pickled Python objects); genlab reads only "
                              "numeric and string arrays from an .npz") from None
        raise GenlabError(f"{path} is not a readable .npz ({str(exc)[:100]})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise GenlabError(f"{path} is not a readable .npz: truncated or corrupt ({type(exc).__name__})") from None
    odd = [key for key, value in arrays.items() if not isinstance(value, np.ndarray)]
    if odd:
        raise GenlabError(f"{path}: member {odd[0]!r} is not a .npy array; write the file with numpy.savez")
    return arrays


def _scheme(path: Path, arrays: dict) -> tuple[str, ...]:
    keys = set(arrays) - {"classes"}
    for scheme in SCHEMES + (SINGLE,):
        need = {scheme[0], scheme[2]} if len(scheme) == 4 else {scheme[0]}
        if need <= keys and keys <= set(scheme):
            return scheme
    names = ", ".join(sorted(arrays)) or "nothing"
    raise GenlabError(f"{path} holds {names}; an npz dataset holds x_train, y_train, x_test, y_test, or "
                      "train_images, train_labels, test_images, test_labels, or images[, labels] "
                      "(labels optional, plus an optional classes array)")


def _images(arrays: dict, key: str, what: str) -> np.ndarray:
    return to_nchw(quantise(arrays[key], f"{what} {key}"), f"{what} {key}")


def _classes(arrays: dict, labels: list[np.ndarray], what: str) -> tuple[str, ...] | None:
    if not labels:
        if "classes" in arrays:
            raise GenlabError(f"{what}: a classes array but no labels; add labels or drop classes")
        return None
    if "classes" not in arrays:
        top = max(int(y.max()) for y in labels if len(y)) if any(len(y) for y in labels) else 0
        return tuple(str(i) for i in range(top + 1))
    names = arrays["classes"]
    if names.ndim != 1 or names.dtype.kind not in "US" or len(names) == 0:
        raise GenlabError(f"{what}: classes must be a 1-D array of names (strings), got {names.dtype} "
                          f"{tuple(names.shape)}")
    return tuple(n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n) for n in names.tolist())


def _pairs(path: Path, arrays: dict, scheme: tuple[str, ...], test_share: float) -> list:
    """[(images, labels or None)] for train and test."""
    if len(scheme) == 4:
        if (scheme[1] in arrays) != (scheme[3] in arrays):
            raise GenlabError(f"{path}: labels for one split only ({scheme[1]} / {scheme[3]}); give both or neither")
        return [(_images(arrays, scheme[i], str(path)), arrays.get(scheme[i + 1])) for i in (0, 2)]
    images = _images(arrays, "images", str(path))
    labels = arrays.get("labels")
    if labels is not None:
        labels = check_labels(labels, len(images), None, f"{path} labels")
    train, test = hold_out(len(images), test_share, str(path))
    return [(images[idx], None if labels is None else labels[idx]) for idx in (train, test)]


def load_set(spec: Dataset, path: Path, cfg) -> Loaded:
    arrays = _read(path)
    scheme = _scheme(path, arrays)
    if len(scheme) == 4 and cfg.test_share is not None:
        raise GenlabError(f"{path} has its own test split ({scheme[2]}); data.test_share is for a single "
                          "images array — remove it")
    pairs = _pairs(path, arrays, scheme, cfg.test_share or TEST_SHARE)
    labelled = [y for _, y in pairs if y is not None]
    for (images, labels), split in zip(pairs, ("train", "test")):
        if labels is not None:
            check_labels(labels, len(images), None, f"{path} {split} labels")
    classes = _classes(arrays, labelled, str(path))
    out = []
    for (images, labels), split in zip(pairs, ("train", "test")):
        labels = np.zeros(len(images), np.int64) if labels is None else labels
        out += [images, check_labels(labels, len(images), len(classes) if classes else None, f"{path} {split} labels")]
    data = check_pair(Loaded(*out, classes=classes, title=path.stem), str(path))
    data.note = "a user's npz file (no official release to check against)"
    return data
