"""A folder of PNG/JPEG images in one of three layouts:

    ROOT/train/CLASS/*  +  ROOT/test/CLASS/*     its own split (or train/* + test/*, unlabelled)
    ROOT/CLASS/*                                  a fixed share held out as the test split
    ROOT/*                                        unlabelled; a fixed share held out

Images are ordered by the natural sort of their file name ("2.png" before "10.png"), then
by class folder, so a folder written with index-numbered names (`genlab data export`)
reloads in its original order. Classes are the class folders in natural order. Hidden
files (".name") are skipped; any other non-image file is refused. Decoding is slow (70,000
PNGs), so the decoded arrays are cached in the user cache, keyed by the listing (names,
sizes, modification times) and the options, and verified by their hash when reused.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np

from genlab import atomic
from genlab.data import images as img
from genlab.data.arrays import Loaded, check_pair, hold_out, loaded_identity
from genlab.data.catalog import Dataset
from genlab.data.find import cache_dir
from genlab.data.options import TEST_SHARE
from genlab.errors import GenlabError

CACHE_VERSION = 1


def natural(name: str) -> list:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in re.split(r"(\d+)", name) if part]


def find(spec: Dataset, path: Path) -> Path | None:
    return path if path.is_dir() else None


def missing(spec: Dataset, path: Path) -> str | None:
    return None if path.is_dir() else "a folder of images"


class Item(NamedTuple):
    path: str  # a string, not a Path: 70,000 Path objects cost seconds
    name: str
    cls: str | None  # its class folder (None: unlabelled)
    size: int
    mtime_ns: int


def _children(folder: Path) -> tuple[list[os.DirEntry], list[os.DirEntry]]:
    """Visible sub-folders and files, by name (scandir: no stat per entry for 70,000 files)."""
    with os.scandir(folder) as it:
        entries = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    return [e for e in entries if e.is_dir()], [e for e in entries if not e.is_dir()]


def _images_in(folder: Path, cls: str | None) -> list[Item]:
    dirs, files = _children(folder)
    if dirs:
        raise GenlabError(f"{folder} holds a sub-folder {dirs[0].name}/; class folders hold image files only")
    odd = [f for f in files if not img.is_image_name(Path(f.name))]
    if odd:
        raise GenlabError(f"{odd[0].path} is not a PNG/JPEG file (image_folder reads {', '.join(img.EXTENSIONS)}); "
                          "move it out or hide it with a leading dot")
    if not files:
        raise GenlabError(f"{folder} holds no images")
    return [Item(f.path, f.name, cls, *_stat(f)) for f in files]


def _stat(entry: os.DirEntry) -> tuple[int, int]:
    stat = entry.stat()
    return stat.st_size, stat.st_mtime_ns


def _scan_split(folder: Path) -> list[Item]:
    """The images of one split folder: in class folders, or directly in it (unlabelled)."""
    dirs, files = _children(folder)
    if dirs and files:
        raise GenlabError(f"{folder} mixes class folders ({dirs[0].name}/) and files ({files[0].name}); use one "
                          "sub-folder per class, or images only")
    if not dirs:
        return _images_in(folder, None)
    return [item for d in dirs for item in _images_in(Path(d.path), d.name)]


def scan(root: Path) -> dict[str, list[Item]]:
    """{"train": ..., "test": ...} for a split layout, {"all": ...} otherwise."""
    dirs, files = _children(root)
    if not dirs and not files:
        raise GenlabError(f"{root} is empty; put images (or class folders of images) in it")
    names = {d.name for d in dirs}
    if not names & {"train", "test"}:
        return {"all": _scan_split(root)}
    if not {"train", "test"} <= names:
        raise GenlabError(f"{root} has {'train' if 'train' in names else 'test'}/ but no "
                          f"{'test' if 'train' in names else 'train'}/; a split layout needs both")
    extra = [p.name for p in [*dirs, *files] if p.name not in ("train", "test")]
    if extra:
        raise GenlabError(f"{root} holds train/ and test/ and also {extra[0]}; move it out")
    return {"train": _scan_split(root / "train"), "test": _scan_split(root / "test")}


def _ordered(items: list[Item]) -> list[Item]:
    class_key = {cls: natural(cls or "") for cls in {item.cls for item in items}}
    return sorted(items, key=lambda item: (natural(item.name), class_key[item.cls]))


def _classes(splits: dict[str, list], root: Path) -> tuple[str, ...] | None:
    labelled = {split: any(item.cls is not None for item in items) for split, items in splits.items()}
    if len(set(labelled.values())) > 1:
        raise GenlabError(f"{root}: train/ has {'class folders' if labelled['train'] else 'images only'} but test/ "
                          f"{'class folders' if labelled['test'] else 'images only'}; use the same layout in both")
    if not any(labelled.values()):
        return None
    first = "train" if "train" in splits else "all"
    classes = tuple(sorted({item.cls for item in splits[first]}, key=natural))
    unknown = sorted({item.cls for item in splits.get("test", [])} - set(classes))
    if unknown:
        raise GenlabError(f"{root}/test/{unknown[0]} is a class with no training folder (train/ has "
                          f"{', '.join(classes)})")
    return classes


def _listing_key(splits: dict, root: Path, options: tuple) -> str:
    start = len(os.path.join(str(root), ""))
    listing = [(split, item.path[start:], item.size, item.mtime_ns)
               for split, items in sorted(splits.items()) for item in items]
    text = json.dumps([CACHE_VERSION, str(root.resolve()), list(options), listing])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load_set(spec: Dataset, root: Path, cfg) -> Loaded:
    splits = {split: _ordered(entries) for split, entries in scan(root).items()}
    if "train" in splits and cfg.test_share is not None:
        raise GenlabError(f"{root} has its own train/ and test/ split; data.test_share is for a folder without "
                          "one — remove it")
    size = tuple(cfg.image_size) if cfg.image_size else None
    cached = cache_dir("image_folder") / f"{_listing_key(splits, root, (size, cfg.channels, cfg.test_share))}.npz"
    data = _from_cache(cached)
    if data is None:
        data = _decode_all(splits, root, size, cfg.channels, cfg.test_share or TEST_SHARE)
        _to_cache(cached, data)
    data.title = root.resolve().name
    data.note = "a user's image folder (no official release to check against)"
    return data


def _decode_all(splits: dict, root: Path, size, channels: int | None, share: float) -> Loaded:
    classes = _classes(splits, root)
    index = {c: i for i, c in enumerate(classes or ())}
    decoded = {s: [img.decode(Path(item.path), size) for item in items] for s, items in splits.items()}
    _check_sizes(decoded, splits)
    if channels is None:
        channels = 3 if any(img.has_colour(a) for arrays in decoded.values() for a in arrays) else 1
    if "all" in splits:  # one folder: hold the fixed test share out of its natural order
        train, test = hold_out(len(splits["all"]), share, str(root))
        splits = {s: [splits["all"][i] for i in idx] for s, idx in (("train", train), ("test", test))}
        decoded = {s: [decoded["all"][i] for i in idx] for s, idx in (("train", train), ("test", test))}
    out = []
    for s in ("train", "test"):
        out.append(np.stack([img.to_channels(a, channels) for a in decoded[s]]))  # N×C×H×W
        out.append(np.array([index.get(item.cls, 0) for item in splits[s]], dtype=np.int64))
    return check_pair(Loaded(*out, classes=classes), str(root))


def _check_sizes(decoded: dict, splits: dict) -> None:
    first_split = next(iter(splits))
    first, first_name = decoded[first_split][0].shape[:2], splits[first_split][0].name
    for s in splits:
        for array, item in zip(decoded[s], splits[s]):
            if array.shape[:2] != first:
                raise GenlabError(f"image sizes differ: {first_name} is {first[0]}×{first[1]} but "
                                  f"{item.path} is {array.shape[0]}×{array.shape[1]}; set data.image_size to resize them")


def _from_cache(path: Path) -> Loaded | None:
    """The decoded arrays saved earlier, if present and intact (their hash is rechecked)."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {key: saved[key] for key in saved.files}
        names = tuple(str(n) for n in arrays["classes"].tolist())
        data = Loaded(arrays["train_images"], arrays["train_labels"], arrays["test_images"], arrays["test_labels"],
                      classes=names if bool(arrays["labelled"]) else None)
        return data if loaded_identity(data) == str(arrays["identity"]) else None
    except Exception:  # absent, truncated, tampered with: decode again
        return None


def _to_cache(path: Path, data: Loaded) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, train_images=data.train_images, train_labels=data.train_labels,
             test_images=data.test_images, test_labels=data.test_labels,
             classes=np.array(data.classes or (), dtype=str), labelled=np.array(data.classes is not None),
             identity=np.array(loaded_identity(data)))
    try:
        atomic.write_bytes(path, buffer.getvalue())
    except OSError:
        pass  # a read-only cache only costs the next load its decoding time
