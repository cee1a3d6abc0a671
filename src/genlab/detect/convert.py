"""KITTI → YOLO layout: images/{train,test}, labels/{train,test}, a dataset YAML.

Boxes are clipped to their image and normalised by that image's own size (KITTI image
sizes vary). DontCare never becomes a training label; the original KITTI label files of
every image are copied to kitti_labels/{split}/ so the official evaluation can use
DontCare regions and the neighbouring classes (Van, Person_sitting) as ignore regions.
Images are hard-linked (copied when linking fails), never re-encoded.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

from genlab import atomic
from genlab.detect.kitti_format import KITTI_TYPES, KittiObject, KittiSample, find_samples, read_labels
from genlab.errors import GenlabError

TRAINABLE = tuple(t for t in KITTI_TYPES if t != "DontCare")
SPLITS = ("train", "test")


@dataclass
class Converted:
    out: Path
    yaml: Path
    classes: list[str]
    counts: dict[str, int] = field(default_factory=dict)  # images per split
    objects: dict[str, int] = field(default_factory=dict)  # labelled boxes per split
    dropped: int = 0  # boxes with no area left after clipping

    def summary(self) -> str:
        return (f"wrote {self.yaml} — classes {', '.join(self.classes)}; "
                f"train {self.counts['train']} images / {self.objects['train']} boxes, "
                f"test {self.counts['test']} images / {self.objects['test']} boxes")


def check_classes(classes: list[str] | None) -> list[str]:
    if not classes:
        return list(TRAINABLE)
    unknown = [c for c in classes if c not in TRAINABLE]
    if unknown:
        raise GenlabError(f"unknown KITTI class {unknown[0]!r}; choose from: {', '.join(TRAINABLE)}")
    return list(dict.fromkeys(classes))


def split_stems(stems: list[str], train_fraction: float, seed: int) -> dict[str, list[str]]:
    """Seeded split of the sorted stems: same stems + seed → same split on any machine."""
    if not 0 < train_fraction < 1:
        raise GenlabError(f"--split must be between 0 and 1 (the training fraction), got {train_fraction}")
    stems = sorted(stems)
    order = np.random.default_rng(seed).permutation(len(stems))
    n_train = int(round(train_fraction * len(stems)))
    if n_train == 0 or n_train == len(stems):
        raise GenlabError(f"{len(stems)} usable image(s) cannot be split {train_fraction:.2f}/{1 - train_fraction:.2f} "
                          "into non-empty train and test sets; use more images or another --split")
    return {"train": sorted(stems[i] for i in order[:n_train]), "test": sorted(stems[i] for i in order[n_train:])}


def yolo_lines(objects: list[KittiObject], classes: list[str], width: int, height: int) -> tuple[list[str], int]:
    """YOLO label lines (class cx cy w h, normalised) for the kept classes; boxes are
    clipped to the image first and dropped if nothing is left."""
    lines, dropped = [], 0
    for obj in objects:
        if obj.type not in classes:
            continue
        left, top, right, bottom = obj.bbox
        left, right = min(max(left, 0.0), width), min(max(right, 0.0), width)
        top, bottom = min(max(top, 0.0), height), min(max(bottom, 0.0), height)
        if right - left <= 0 or bottom - top <= 0:
            dropped += 1
            continue
        cx, cy = (left + right) / 2 / width, (top + bottom) / 2 / height
        bw, bh = (right - left) / width, (bottom - top) / height
        lines.append(f"{classes.index(obj.type)} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}")
    return lines, dropped


def convert(root: Path, out: Path, classes: list[str] | None = None, split: float = 0.8, seed: int = 0) -> Converted:
    root, out = Path(root), Path(out)
    classes = check_classes(classes)
    filtered = set(classes) != set(TRAINABLE)
    samples = find_samples(root)
    labels = {s.stem: read_labels(s.label) for s in samples}  # parse everything first: fail before writing
    if filtered:  # the report's Car-only copy: only images that contain the asked classes
        samples = [s for s in samples if any(o.type in classes for o in labels[s.stem])]
        if not samples:
            raise GenlabError(f"no image in {root} contains any of {', '.join(classes)}; check --classes")
    _check_out(out)
    parts = split_stems([s.stem for s in samples], split, seed)
    by_stem = {s.stem: s for s in samples}
    result = Converted(out, out / "dataset.yaml", classes)
    for name, stems in parts.items():
        result.counts[name], result.objects[name] = len(stems), 0
        for stem in stems:
            n, dropped = _write_sample(by_stem[stem], labels[stem], out, name, classes)
            result.objects[name] += n
            result.dropped += dropped
    atomic.write_text(result.yaml, yaml.safe_dump(
        {"path": str(out.resolve()), "train": "images/train", "val": "images/test", "test": "images/test",
         "names": dict(enumerate(classes))}, sort_keys=False))
    atomic.write_json(out / "genlab_dataset.json", {"source": str(root.resolve()), "classes": classes, "split": split,
                                                     "seed": seed, "images": result.counts, "boxes": result.objects,
                                                     "dropped_boxes": result.dropped, "stems": parts})
    return result


def _check_out(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        raise GenlabError(f"output folder {out} already exists and is not empty; choose a new OUT folder")


def _write_sample(sample: KittiSample, objects: list[KittiObject], out: Path, split: str, classes: list[str]) -> tuple[int, int]:
    try:
        with Image.open(sample.image) as im:
            width, height = im.size  # reads the header only
    except OSError as exc:
        raise GenlabError(f"cannot read image {sample.image}: {exc}") from None
    lines, dropped = yolo_lines(objects, classes, width, height)
    link(sample.image, out / "images" / split / sample.image.name)
    atomic.write_text(out / "labels" / split / f"{sample.stem}.txt", "".join(l + "\n" for l in lines))
    (out / "kitti_labels" / split).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sample.label, out / "kitti_labels" / split / f"{sample.stem}.txt")
    return len(lines), dropped


def link(src: Path, dst: Path) -> None:
    """Hard link (no copy, no re-encoding); copy when the filesystem refuses."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def read_manifest(dataset_dir: Path) -> dict:
    path = Path(dataset_dir) / "genlab_dataset.json"
    if not path.is_file():
        raise GenlabError(f"{dataset_dir} is not a dataset written by `genlab kitti convert` (no genlab_dataset.json)")
    return json.loads(path.read_text())
