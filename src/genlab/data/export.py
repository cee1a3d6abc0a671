"""`genlab data export`: write a loaded dataset as an image folder or an npz, in its loaded
order with index-numbered names, so reading the copy back (`--dataset image_folder` /
`npz`) gives the same images, labels and identity — a check that two routes agree.

Nothing is half-written: an npz is written atomically, a folder is built under a hidden
temporary name and renamed into place when complete (removed on any failure).
"""
from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from genlab import atomic
from genlab.data.facts import ImageData
from genlab.data.image_folder import natural
from genlab.errors import GenlabError

FORMATS = ("image_folder", "npz")


def target(out: str | Path, fmt: str) -> Path:
    """The path `export` will write (an .npz gets its suffix), refused in one line if it exists
    — checked before the dataset is loaded."""
    if fmt not in FORMATS:
        raise GenlabError(f"--as must be one of {', '.join(FORMATS)}, got {fmt!r}")
    out = Path(out)
    if fmt == "npz" and out.suffix != ".npz":
        out = out.with_name(out.name + ".npz")
    if out.exists():
        raise GenlabError(f"{out} already exists; export writes a new {'file' if fmt == 'npz' else 'folder'} "
                          "(remove it or choose another name)")
    if not out.parent.is_dir():
        raise GenlabError(f"{out.parent} is not a folder; create it first")
    return out


def export(data: ImageData, out: str | Path, fmt: str) -> Path:
    """Write `data` to `out` as an image folder or an npz; returns the path written."""
    out = target(out, fmt)
    return _npz(data, out) if fmt == "npz" else _folder(data, out)


def _hwc(images) -> np.ndarray:
    """uint8 N×C×H×W tensor → N×H×W (grey) or N×H×W×3 array, the usual file layouts."""
    array = images.numpy()
    return array[:, 0] if array.shape[1] == 1 else array.transpose(0, 2, 3, 1)


def _npz(data: ImageData, out: Path) -> Path:
    arrays = {"x_train": _hwc(data.train_images), "x_test": _hwc(data.test_images)}
    if data.classes is not None:
        arrays.update(y_train=data.train_labels.numpy(), y_test=data.test_labels.numpy(),
                      classes=np.array(data.classes, dtype=str))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic.write_bytes(out, buffer.getvalue())
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(out, 0o666 & ~umask)  # a file to share, like any other the user writes (atomic's temp file is 0600)
    return out


def class_folders(classes: tuple[str, ...]) -> list[str]:
    """A file-system-safe folder name per class, numbered when their natural order would
    not be the label order (so the copy reloads with the same label indices)."""
    safe = [re.sub(r"[^\w.-]+", "_", name).strip("._") or f"class{i}" for i, name in enumerate(classes)]
    in_order = sorted(safe, key=natural) == safe and len(set(safe)) == len(safe)
    return safe if in_order else [f"{i}-{name}" for i, name in enumerate(safe)]


def _folder(data: ImageData, out: Path) -> Path:
    if data.classes is not None:
        present = set(data.train_labels.unique().tolist())
        empty = [name for i, name in enumerate(data.classes) if i not in present]
        if empty:
            raise GenlabError(f"class {empty[0]!r} has no training images, and an image folder cannot hold an "
                              "empty class (its label numbers would shift); export as npz")
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        folders = class_folders(data.classes) if data.classes is not None else None
        for split in ("train", "test"):
            _write_split(tmp / split, _hwc(getattr(data, f"{split}_images")),
                         getattr(data, f"{split}_labels").tolist(), folders)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _write_split(folder: Path, images: np.ndarray, labels: list[int], folders: list[str] | None) -> None:
    width = len(str(len(images) - 1))
    for name in {folders[label] for label in labels} if folders else [""]:  # classes with images here only
        (folder / name).mkdir(parents=True, exist_ok=True)
    for i, (image, label) in enumerate(zip(images, labels)):
        target = folder / (folders[label] if folders else "") / f"{i:0{width}d}.png"
        Image.fromarray(np.ascontiguousarray(image)).save(target, format="PNG", compress_level=1)
