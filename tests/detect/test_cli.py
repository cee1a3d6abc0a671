"""Bad input through the real CLI: exit code 2, one line on stderr, no traceback."""
from __future__ import annotations

import pytest

from genlab.cli import main
from kitti_helpers import line, make_kitti


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(code: int, err: str, needle: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("genlab: error: ") and needle in lines[0], err
    assert "Traceback" not in err


def test_convert_missing_root(capsys, tmp_path):
    code, _, err = _run(capsys, "kitti", "convert", str(tmp_path / "nope"), str(tmp_path / "out"))
    _one_line_error(code, err, "does not exist")


def test_convert_missing_label_folder(capsys, tmp_path):
    (tmp_path / "k" / "training" / "image_2").mkdir(parents=True)
    code, _, err = _run(capsys, "kitti", "convert", str(tmp_path / "k"), str(tmp_path / "out"))
    _one_line_error(code, err, "label_2 is missing")


def test_convert_malformed_line(capsys, tmp_path):
    root = make_kitti(tmp_path / "k", {"a": ((50, 20), line("Car", (1, 1, 9, 9))), "b": ((50, 20), "Car 0 0 x\n")})
    code, _, err = _run(capsys, "kitti", "convert", str(root), str(tmp_path / "out"))
    _one_line_error(code, err, "b.txt:1")


def test_convert_image_without_labels(capsys, tmp_path):
    root = make_kitti(tmp_path / "k", {"a": ((50, 20), line("Car", (1, 1, 9, 9))), "b": ((50, 20), "")})
    (root / "training" / "label_2" / "b.txt").unlink()
    code, _, err = _run(capsys, "kitti", "convert", str(root), str(tmp_path / "out"))
    _one_line_error(code, err, "no label file")


def test_convert_and_synth_happy_path(capsys, tmp_path):
    code, out, _ = _run(capsys, "kitti", "synth", str(tmp_path / "s"), "--n", "6", "--size", "128x40", "--seed", "1")
    assert code == 0 and "wrote 6" in out
    code, out, _ = _run(capsys, "kitti", "convert", str(tmp_path / "s"), str(tmp_path / "y"), "--classes", "Car", "--split", "0.5")
    assert code == 0 and "dataset.yaml" in out and (tmp_path / "y" / "dataset.yaml").is_file()


@pytest.mark.parametrize("argv, needle", [
    (["kitti", "synth", "OUT", "--size", "big"], "WIDTHxHEIGHT"),
    (["kitti", "synth", "OUT", "--style", "noir"], "unknown style"),
    (["kitti", "synth", "OUT", "--n", "0"], "--n must be"),
])
def test_synth_bad_options(capsys, tmp_path, argv, needle):
    argv = [str(tmp_path / "o") if a == "OUT" else a for a in argv]
    code, _, err = _run(capsys, *argv)
    _one_line_error(code, err, needle)


def test_detect_eval_on_a_non_run_folder(capsys, tmp_path):
    code, _, err = _run(capsys, "detect", "eval", str(tmp_path), "--kitti")
    _one_line_error(code, err, "not a genlab run folder")
