"""`genlab data` (list, describe) and `genlab data export` (both formats, same numbers back;
bad input one line, exit 2, nothing half-written)."""
from __future__ import annotations

import pytest
from cli_helpers import assert_clean_error, run_cli
from data_writers import write_cifar10, write_idx, write_image_folder

from genlab.cli import main
from genlab.data import export as export_module
from genlab.data import load, loading
from genlab.data.options import DataConfig


def cli(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str, fragment: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("genlab: error: ") and fragment in lines[0], err


def test_list_every_dataset(capsys):
    code, out, _ = cli(capsys, "data")
    assert code == 0
    for key in ("fashion_mnist", "mnist", "kmnist", "cifar10", "image_folder", "npz", "kitti"):
        assert f"  {key} " in out
    assert "give its folder or file: --data-dir / data.root" in out


def test_describe_one(capsys, tmp_path):
    write_idx(tmp_path, n_train=30, n_test=10)
    code, out, err = cli(capsys, "data", "--dataset", "mnist", "--data-dir", str(tmp_path))
    assert code == 0
    assert f"* --data-dir / data.root: {tmp_path}" in out and "official: no — not the official MNIST release" in out
    assert "checked: IDX magic numbers" in out and "images: 1×28×28 (C×H×W)" in out and "identity: " in out
    assert "train: 30 images" in out and "test: 10 images" in out
    assert err.count("genlab: warning: MNIST") == 1


def test_describe_with_a_data_option(capsys, tmp_path):
    write_image_folder(tmp_path, "split", n_train=6, n_test=3)
    code, out, _ = cli(capsys, "data", "--dataset", "image_folder", "--data-dir", str(tmp_path),
                       "--set", "data.image_size=8")
    assert code == 0 and "images: 1×8×8" in out and "class_a" in out


@pytest.mark.parametrize("fmt", ["image_folder", "npz"])
def test_export_reads_back_the_same_numbers(capsys, tmp_path, fmt):
    write_cifar10(tmp_path / "src", per_batch=10, n_test=7)
    out = tmp_path / "copy"
    code, printed, _ = cli(capsys, "data", "export", "cifar10", str(out), "--as", fmt, "--data-dir", str(tmp_path / "src"))
    assert code == 0 and "read it back: genlab data --dataset" in printed
    original = load(DataConfig(dataset="cifar10", root=str(tmp_path / "src"), val_size=2))
    written = out if fmt == "image_folder" else tmp_path / "copy.npz"
    copy = load(DataConfig(dataset=fmt, root=str(written), val_size=2))
    assert copy.identity == original.identity and copy.classes == original.classes and copy.shape == (3, 32, 32)
    if fmt == "image_folder":
        assert sorted(p.name for p in (out / "train").iterdir())[:2] == ["airplane", "automobile"]  # already in natural order
        assert (out / "test").is_dir() and not list(tmp_path.glob(".copy.partial*"))


def test_export_class_names_stay_plain_when_their_order_allows(tmp_path):
    assert export_module.class_folders(("0", "1", "2")) == ["0", "1", "2"]
    assert export_module.class_folders(("T-shirt/top", "Trouser")) == ["T-shirt_top", "Trouser"]
    assert export_module.class_folders(("b", "a")) == ["0-b", "1-a"]


def test_export_unlabelled_folder(capsys, tmp_path):
    write_image_folder(tmp_path / "src", "flat", n_train=8, n_test=2)
    code, *_ = cli(capsys, "data", "export", "image_folder", str(tmp_path / "out"), "--as", "image_folder",
                   "--data-dir", str(tmp_path / "src"))
    assert code == 0 and sorted(p.name for p in (tmp_path / "out" / "train").iterdir())[0] == "0.png"
    loading.forget()
    assert load(DataConfig(dataset="image_folder", root=str(tmp_path / "out"))).classes is None


def test_export_refuses_an_empty_class_in_a_folder(capsys, tmp_path):
    write_idx(tmp_path / "src", n_train=4, n_test=2)  # 4 training images of 10 classes
    code, _, err = cli(capsys, "data", "export", "mnist", str(tmp_path / "out"), "--as", "image_folder",
                       "--data-dir", str(tmp_path / "src"))
    assert code == 2 and not (tmp_path / "out").exists()
    assert "class '4' has no training images" in err and "export as npz" in err


def test_export_refuses_an_existing_target(capsys, tmp_path):
    write_idx(tmp_path / "src", n_train=4, n_test=2)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    code, _, err = cli(capsys, "data", "export", "mnist", str(tmp_path / "out"), "--as", "image_folder",
                       "--data-dir", str(tmp_path / "src"))
    assert code == 2 and (tmp_path / "out" / "keep.txt").read_text() == "mine"
    one_error_line(err, "already exists")


def test_a_failed_export_leaves_nothing(capsys, tmp_path, monkeypatch):
    write_idx(tmp_path / "src", n_train=20, n_test=2)
    from PIL import Image

    calls = []
    real_save = Image.Image.save

    def failing_save(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > 3:
            raise OSError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", failing_save)
    with pytest.raises(OSError):
        main(["data", "export", "mnist", str(tmp_path / "out"), "--as", "image_folder",
              "--data-dir", str(tmp_path / "src")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"], "no half-written export folder"


@pytest.mark.parametrize("args,fragment", [
    (["data", "--dataset", "cifar"], "did you mean 'cifar10'"),
    (["data", "--dataset", "kitti"], "read by the kitti study itself"),
    (["data", "--dataset", "mnist", "--set", "image_size=4"], "data.image_size is not used by the mnist dataset"),
    (["data", "--set", "nonsense"], "expected KEY=VALUE"),
    (["data", "export", "mnist", "OUT", "--as", "png"], "invalid choice: 'png'"),
    (["data", "export", "mnist"], "the following arguments are required: out"),
])
def test_bad_input_is_one_line_exit_2(capsys, args, fragment):
    code, _, err = cli(capsys, *args)
    assert code == 2
    one_error_line(err, fragment)


def test_the_real_command(tmp_path):
    """As a user runs it: a subprocess, one line and exit 2 for a folder without the files."""
    listing = run_cli("data", timeout=120)
    assert listing.returncode == 0 and "cifar10" in listing.stdout
    assert_clean_error(run_cli("data", "--data-dir", str(tmp_path), timeout=120), "lacks train-images-idx3-ubyte")
