"""KITTI object labels: parsing, validation, writing, and finding image/label pairs.

A label line has 15 space-separated fields (16 for detections, the last being a score):
type truncated occluded alpha left top right bottom h w l x y z rotation_y [score].
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from genlab.errors import GenlabError

KITTI_TYPES = ("Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc", "DontCare")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass
class KittiObject:
    type: str
    truncated: float
    occluded: int
    alpha: float
    bbox: tuple[float, float, float, float]  # left, top, right, bottom in pixels
    dims: tuple[float, float, float] = (-1.0, -1.0, -1.0)  # h w l (metres); -1 when unknown
    loc: tuple[float, float, float] = (-1000.0, -1000.0, -1000.0)
    rotation_y: float = -10.0
    score: float | None = None  # detections only

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]

    def line(self) -> str:
        nums = [self.truncated, self.occluded, self.alpha, *self.bbox, *self.dims, *self.loc, self.rotation_y]
        text = " ".join([self.type] + [_num(v) for v in nums])
        return text if self.score is None else f"{text} {_num(self.score)}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e6 else f"{value:.2f}"


def parse_line(line: str, where: str) -> KittiObject:
    """One label line; `where` (file:line) names the culprit in the error."""
    fields = line.split()
    if len(fields) not in (15, 16):
        raise GenlabError(f"{where}: expected 15 space-separated KITTI fields (16 with a score), got {len(fields)}; "
                          "fix or remove this line")
    try:
        nums = [float(v) for v in fields[1:]]
    except ValueError:
        bad = next(v for v in fields[1:] if not _is_float(v))
        raise GenlabError(f"{where}: field {bad!r} is not a number; KITTI fields 2-15 are numeric") from None
    for index, value in enumerate(nums, 2):  # float() accepts nan and inf; no KITTI field may hold them
        if not math.isfinite(value):
            raise GenlabError(f"{where}: field {index} is {fields[index - 1]!r}, not a finite number; "
                              "fix or remove this line")
    left, top, right, bottom = nums[3:7]
    if right < left or bottom < top:
        raise GenlabError(f"{where}: box has right < left or bottom < top ({left} {top} {right} {bottom})")
    return KittiObject(type=fields[0], truncated=nums[0], occluded=int(nums[1]), alpha=nums[2],
                       bbox=(left, top, right, bottom), dims=tuple(nums[7:10]), loc=tuple(nums[10:13]),
                       rotation_y=nums[13], score=nums[14] if len(nums) == 15 else None)


def _is_float(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def read_labels(path: Path) -> list[KittiObject]:
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise GenlabError(f"cannot read KITTI label file {path}: {exc}") from None
    return [parse_line(line, f"{path}:{i}") for i, line in enumerate(text.splitlines(), 1) if line.strip()]


def labels_text(objects: list[KittiObject]) -> str:
    return "".join(obj.line() + "\n" for obj in objects)


@dataclass
class KittiSample:
    stem: str
    image: Path
    label: Path


def find_samples(root: Path) -> list[KittiSample]:
    """Pair every image of ROOT/training/image_2 with its ROOT/training/label_2 file.
    Missing folders and images without labels are errors (never silently skipped)."""
    root = Path(root)
    if not root.is_dir():
        raise GenlabError(f"KITTI root {root} does not exist; pass the folder that holds training/image_2 and training/label_2")
    image_dir, label_dir = root / "training" / "image_2", root / "training" / "label_2"
    for folder in (image_dir, label_dir):
        if not folder.is_dir():
            raise GenlabError(f"{folder} is missing; a KITTI root holds training/image_2/*.png and training/label_2/*.txt")
    images = sorted(p for p in image_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise GenlabError(f"{image_dir} holds no .png/.jpg images")
    samples, orphans = [], []
    for image in images:
        label = label_dir / f"{image.stem}.txt"
        (samples.append(KittiSample(image.stem, image, label)) if label.is_file() else orphans.append(image.name))
    if orphans:
        raise GenlabError(f"{len(orphans)} image(s) have no label file in {label_dir} (first: {orphans[0]}); "
                          "add the label files or remove those images")
    return samples
