"""Fixtures for the detection tests: hand-made KITTI folders and a tiny synthetic set."""
from __future__ import annotations

from pathlib import Path

import pytest

from kitti_helpers import line, make_kitti


@pytest.fixture
def kitti_root(tmp_path: Path) -> Path:
    """Ten images of two sizes; Car, Pedestrian, Van, DontCare; one box crossing the border."""
    samples = {}
    for i in range(10):
        size = (200, 60) if i % 2 else (100, 40)
        text = line("Car", (10, 10, 50, 30)) + line("DontCare", (60, 5, 90, 15))
        if i == 0:
            text += line("Car", (80, 20, 130, 50), trunc=0.3)  # crosses the right and bottom border of a 100x40 image
        if i >= 7:
            text = line("Pedestrian", (20, 5, 30, 35)) + line("Van", (40, 10, 90, 35))  # no Car at all
        samples[f"{i:06d}"] = (size, text)
    return make_kitti(tmp_path / "kitti", samples)
