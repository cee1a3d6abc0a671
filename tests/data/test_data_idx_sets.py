"""Fashion-MNIST, MNIST and KMNIST: one IDX reader, any image size, official or not, and
every malformed file one line naming the dataset and the problem."""
from __future__ import annotations

import dataclasses
import gzip
import hashlib

import numpy as np
import pytest
from data_checks import assert_one_line, load_error
from data_writers import IDX_NAMES, IMAGES_MAGIC, LABELS_MAGIC, idx_bytes, synthetic, write_idx

from genlab.data import catalog, idx, load
from genlab.data.options import DataConfig

TITLES = {"fashion_mnist": "Fashion-MNIST", "mnist": "MNIST", "kmnist": "KMNIST"}


@pytest.mark.parametrize("dataset", list(TITLES))
def test_each_idx_dataset_loads_written_files(tmp_path, dataset, capsys):
    write_idx(tmp_path, n_train=30, n_test=10)
    data = load(DataConfig(dataset=dataset, root=str(tmp_path), val_size=5))
    assert data.train_images.shape == (30, 1, 28, 28) and data.test_images.shape == (10, 1, 28, 28)
    assert str(data.train_images.dtype) == "torch.uint8" and str(data.train_labels.dtype) == "torch.int64"
    assert data.classes == catalog.get(dataset).classes and data.shape == (1, 28, 28)
    assert data.key == dataset and data.title == TITLES[dataset] and not data.official
    assert "60,000 → 30 training images" in data.note and "10,000 → 10 test images" in data.note
    images, labels = synthetic(30, (1, 28, 28), 10, 0)
    assert (data.train_images.numpy() == images).all() and (data.train_labels.numpy() == labels).all()
    warning = capsys.readouterr().err.strip().splitlines()
    assert len(warning) == 1 and warning[0].startswith(f"genlab: warning: {TITLES[dataset]} in {tmp_path}")


def test_kmnist_classes_are_romanised():
    assert catalog.KMNIST.classes == ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo")
    assert all(name.isascii() for name in catalog.KMNIST.classes)


def test_any_image_size_the_header_gives(tmp_path):
    write_idx(tmp_path, n_train=20, n_test=6, size=16, gz=False)
    data = load(DataConfig(dataset="mnist", root=str(tmp_path), val_size=2))
    assert data.shape == (1, 16, 16) and "1×28×28 → 1×16×16 images" in data.note


def _official_spec(folder, kinds: str) -> catalog.Dataset:
    """MNIST's declaration with the written files' own digests standing in for the published ones."""
    files = []
    for f in catalog.MNIST.files:
        stored = (folder / f"{f.name}.gz").read_bytes()
        sums = {"gz": catalog.Checksum("md5", "gz", hashlib.md5(stored).hexdigest(), "test"),
                "raw": catalog.Checksum("sha256", "raw", hashlib.sha256(gzip.decompress(stored)).hexdigest(), "test")}
        files.append(dataclasses.replace(f, checksums=tuple(sums[k] for k in kinds.split(","))))
    return dataclasses.replace(catalog.MNIST, files=tuple(files), train_size=30, test_size=10)


@pytest.mark.parametrize("kinds,expect", [("gz", "md5 of the published files"),
                                          ("raw", "sha256 of the decompressed files")])
def test_matching_checksums_make_it_official(tmp_path, kinds, expect):
    write_idx(tmp_path, n_train=30, n_test=10)
    data = idx.load_set(_official_spec(tmp_path, kinds), tmp_path)
    assert data.official and expect in data.note


def test_a_regzipped_copy_is_official_by_its_decompressed_checksum(tmp_path):
    write_idx(tmp_path, n_train=30, n_test=10)
    spec = _official_spec(tmp_path, "gz,raw")
    for name in IDX_NAMES.values():  # what the Debian package does: same content, other .gz bytes
        path = tmp_path / f"{name}.gz"
        path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), compresslevel=1, mtime=123))
    data = idx.load_set(spec, tmp_path)
    assert data.official and "sha256 of the decompressed files" in data.note


def test_checksums_differ_at_official_sizes(tmp_path):
    write_idx(tmp_path, n_train=30, n_test=10)
    spec = dataclasses.replace(catalog.MNIST, train_size=30, test_size=10)
    data = idx.load_set(spec, tmp_path)
    assert not data.official and "(checksums differ)" in data.note


def test_uncompressed_kmnist_cannot_be_checked(tmp_path):
    """Only the .gz files' checksums are published for KMNIST: raw files are said to be unverifiable."""
    write_idx(tmp_path, n_train=30, n_test=10, gz=False)
    spec = dataclasses.replace(catalog.KMNIST, train_size=30, test_size=10)
    data = idx.load_set(spec, tmp_path)
    assert not data.official and "cannot be checked" in data.note


def _write(folder, name, content, gz=True):
    (folder / f"{name}.gz").unlink(missing_ok=True)
    (folder / (f"{name}.gz" if gz else name)).write_bytes(gzip.compress(content) if gz else content)


def _labels(values):
    return idx_bytes(np.array(values, dtype=np.uint8), LABELS_MAGIC)


BAD = {  # name: (how the good set is broken, fragment of the message)
    "truncated gzip": (lambda d: (d / "train-images-idx3-ubyte.gz").write_bytes(
        (d / "train-images-idx3-ubyte.gz").read_bytes()[:300]), "truncated or corrupt gzip"),
    "images and labels swapped": (lambda d: _write(d, "train-images-idx3-ubyte", _labels([1] * 30)),
                                  "magic number 2049, expected 2051"),
    "truncated body": (lambda d: _write(d, "t10k-images-idx3-ubyte", idx_bytes(
        np.zeros((10, 28, 28)), IMAGES_MAGIC)[:-7]), "truncated"),
    "truncated header": (lambda d: _write(d, "t10k-labels-idx1-ubyte", b"\x00\x00\x08\x03\x00"), "too short"),
    "header cut inside": (lambda d: _write(d, "t10k-images-idx3-ubyte", b"\x00\x00\x08\x03" + b"\x00" * 5),
                          "truncated inside its header"),
    "fewer labels than images": (lambda d: _write(d, "train-labels-idx1-ubyte", _labels([1] * 29)),
                                 "30 train images but 29 labels"),
    "label out of range": (lambda d: _write(d, "t10k-labels-idx1-ubyte", _labels([10] + [0] * 9)),
                           "label 10 is outside 0..9"),
    "train and test sizes differ": (lambda d: _write(d, "t10k-images-idx3-ubyte", idx_bytes(
        np.zeros((10, 16, 16)), IMAGES_MAGIC)), "training images are 1×28×28 but test images 1×16×16"),
    "no test images": (lambda d: (_write(d, "t10k-images-idx3-ubyte", idx_bytes(np.zeros((0, 28, 28)), IMAGES_MAGIC)),
                                  _write(d, "t10k-labels-idx1-ubyte", _labels([]))), "the test split holds no images"),
    "missing file": (lambda d: (d / "t10k-labels-idx1-ubyte.gz").unlink(), "lacks t10k-labels-idx1-ubyte(.gz)"),
    "garbage file": (lambda d: _write(d, "train-images-idx3-ubyte", b"\x00\x00\x08\x03garbage", gz=False),
                     "truncated"),
    "a folder named like the file": (lambda d: ((d / "train-labels-idx1-ubyte.gz").unlink(),
                                   (d / "train-labels-idx1-ubyte.gz").mkdir()), "lacks train-labels-idx1-ubyte"),
}


@pytest.mark.parametrize("dataset", list(TITLES))
@pytest.mark.parametrize("case", list(BAD))
def test_malformed_idx_files_are_one_line(tmp_path, dataset, case):
    write_idx(tmp_path, n_train=30, n_test=10)
    breaks, fragment = BAD[case]
    breaks(tmp_path)
    message = load_error(dataset, tmp_path, val_size=5)
    assert_one_line(message, TITLES[dataset], fragment)


def test_root_that_does_not_exist(tmp_path):
    assert_one_line(load_error("kmnist", tmp_path / "nowhere"), "KMNIST", "does not exist")
