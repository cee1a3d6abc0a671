"""KITTI label parsing and conversion to the YOLO layout, on hand-made label files."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from genlab.detect import convert as conv
from genlab.detect.kitti_format import find_samples, parse_line, read_labels
from genlab.errors import GenlabError
from kitti_helpers import line, make_kitti


def _labels(out: Path) -> dict[str, list[list[float]]]:
    result = {}
    for split in ("train", "test"):
        for path in (out / "labels" / split).glob("*.txt"):
            result[path.stem] = [[float(v) for v in l.split()] for l in path.read_text().splitlines()]
    return result


def test_parse_line_fields():
    obj = parse_line(line("Car", (1, 2, 30, 40), trunc=0.5, occ=2).strip(), "f:1")
    assert (obj.type, obj.truncated, obj.occluded, obj.bbox, obj.height) == ("Car", 0.5, 2, (1, 2, 30, 40), 38)
    assert obj.score is None
    assert parse_line(obj.line() + " 0.75", "f:1").score == 0.75


@pytest.mark.parametrize("text, message", [
    ("Car 0 0 0 1 2 3", "expected 15 space-separated KITTI fields"),
    ("Car 0 0 zero 1 2 3 4 1.5 1.6 3.9 1 1.6 20 0.1", "'zero' is not a number"),
    ("Car 0 0 0 50 2 10 40 1.5 1.6 3.9 1 1.6 20 0.1", "right < left"),
])
def test_bad_line_names_file_and_line(tmp_path, text, message):
    path = tmp_path / "000001.txt"
    path.write_text(line("Car", (1, 2, 3, 4)) + text + "\n")
    with pytest.raises(GenlabError, match=message) as err:
        read_labels(path)
    assert f"{path}:2" in str(err.value) and "\n" not in str(err.value)


def test_clip_normalise_by_own_size_and_drop_dontcare(kitti_root, tmp_path):
    out = tmp_path / "yolo"
    result = conv.convert(kitti_root, out, classes=None, split=0.8, seed=0)
    labels = _labels(out)
    names = yaml.safe_load((out / "dataset.yaml").read_text())["names"]
    assert "DontCare" not in names.values() and names[0] == "Car"
    # 100x40 image: Car (10,10,50,30) → centre (30,20)/(100,40); the border-crossing box is clipped to (80,20,100,40)
    assert labels["000000"][0] == pytest.approx([0, 0.3, 0.5, 0.4, 0.5])
    assert labels["000000"][1] == pytest.approx([0, 0.9, 0.75, 0.2, 0.5])
    # 200x60 image: the same pixel box normalised by 200x60
    assert labels["000001"][0] == pytest.approx([0, 30 / 200, 20 / 60, 40 / 200, 20 / 60])
    assert all(len(rows) in (1, 2) for stem, rows in labels.items() if int(stem) < 7)  # DontCare never a label
    assert sum(result.counts.values()) == 10
    # the original KITTI labels (with DontCare) are kept for the official evaluation
    kept = next((out / "kitti_labels").rglob("000001.txt")).read_text()
    assert "DontCare" in kept


def test_class_filter_keeps_only_images_with_the_class(kitti_root, tmp_path):
    out = tmp_path / "car"
    result = conv.convert(kitti_root, out, classes=["Car"], split=0.8, seed=0)
    assert sum(result.counts.values()) == 7  # images 7..9 hold no Car
    assert all(rows and all(r[0] == 0 for r in rows) for rows in _labels(out).values())
    assert yaml.safe_load((out / "dataset.yaml").read_text())["names"] == {0: "Car"}
    ped = conv.convert(kitti_root, tmp_path / "ped", classes=["Pedestrian"], split=0.67, seed=0)
    assert sum(ped.counts.values()) == 3


def test_split_is_reproducible_and_seeded(kitti_root, tmp_path):
    a = conv.convert(kitti_root, tmp_path / "a", None, 0.8, seed=3)
    b = conv.convert(kitti_root, tmp_path / "b", None, 0.8, seed=3)
    split = lambda r: sorted(p.name for p in (r.out / "images" / "test").iterdir())  # noqa: E731
    assert split(a) == split(b) and len(split(a)) == 2
    assert len({tuple(conv.split_stems([f"{i}" for i in range(10)], 0.8, s)["test"]) for s in range(10)}) > 1  # seed matters
    assert conv.split_stems([f"{i}" for i in range(10)], 0.8, 3) == conv.split_stems([f"{i}" for i in reversed(range(10))], 0.8, 3)


def test_images_are_hard_linked_not_reencoded(kitti_root, tmp_path):
    out = tmp_path / "yolo"
    conv.convert(kitti_root, out, None, 0.8, 0)
    src = kitti_root / "training" / "image_2" / "000000.png"
    dst = next((out / "images").rglob("000000.png"))
    assert os.path.samefile(src, dst) or src.read_bytes() == dst.read_bytes()


@pytest.mark.parametrize("breakage, message", [
    (lambda r: (r / "training" / "label_2" / "000003.txt").unlink(), "have no label file"),
    (lambda r: [p.unlink() for p in (r / "training" / "label_2").iterdir()] and (r / "training" / "label_2").rmdir(), "label_2 is missing"),
    (lambda r: (r / "training" / "label_2" / "000003.txt").write_text("Car 0 0\n"), "000003.txt:1"),
])
def test_bad_input_is_one_clear_error(kitti_root, tmp_path, breakage, message):
    breakage(kitti_root)
    with pytest.raises(GenlabError, match=message):
        conv.convert(kitti_root, tmp_path / "out", None, 0.8, 0)
    assert not (tmp_path / "out").exists()  # nothing written before the input was validated


def test_split_too_small_and_unknown_class(tmp_path):
    root = make_kitti(tmp_path / "k", {"a": ((50, 20), line("Car", (1, 1, 9, 9)))})
    with pytest.raises(GenlabError, match="cannot be split"):
        conv.convert(root, tmp_path / "o", None, 0.8, 0)
    with pytest.raises(GenlabError, match="unknown KITTI class 'Truk'"):
        conv.convert(root, tmp_path / "o", ["Truk"], 0.8, 0)
    assert len(find_samples(root)) == 1
