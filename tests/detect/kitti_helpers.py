"""Helpers shared by the detection tests (hand-made KITTI folders)."""
from __future__ import annotations

from pathlib import Path

from PIL import Image


def make_kitti(root: Path, samples: dict[str, tuple[tuple[int, int], str]]) -> Path:
    """samples: stem -> ((width, height), label text). Writes ROOT/training/{image_2,label_2}."""
    (root / "training" / "image_2").mkdir(parents=True, exist_ok=True)
    (root / "training" / "label_2").mkdir(parents=True, exist_ok=True)
    for stem, (size, text) in samples.items():
        Image.new("RGB", size, (90, 90, 90)).save(root / "training" / "image_2" / f"{stem}.png")
        (root / "training" / "label_2" / f"{stem}.txt").write_text(text)
    return root


def line(kind: str, box, trunc: float = 0.0, occ: int = 0) -> str:
    left, top, right, bottom = box
    return f"{kind} {trunc} {occ} 0.0 {left} {top} {right} {bottom} 1.5 1.6 3.9 1.0 1.6 20.0 0.1\n"
