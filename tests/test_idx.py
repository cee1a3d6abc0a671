"""IDX parsing and Fashion-MNIST verification, on good and deliberately broken files."""
from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from genlab.data import fashion_mnist as fm
from genlab.data.idx import IMAGES_MAGIC, LABELS_MAGIC, parse_idx, read_bytes
from genlab.errors import GenlabError


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(np.uint8).tobytes()


def test_parses_images_and_labels(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    path = tmp_path / "imgs.gz"
    path.write_bytes(gzip.compress(idx_bytes(images, IMAGES_MAGIC)))
    parsed = parse_idx(read_bytes(path), IMAGES_MAGIC, path)
    assert parsed.shape == (2, 28, 28) and (parsed == images).all()
    labels = np.array([3, 7, 9], dtype=np.uint8)
    assert parse_idx(idx_bytes(labels, LABELS_MAGIC), LABELS_MAGIC, tmp_path / "l").tolist() == [3, 7, 9]


def test_bad_magic(tmp_path):
    with pytest.raises(GenlabError, match="magic number 2049, expected 2051"):
        parse_idx(idx_bytes(np.zeros(3), LABELS_MAGIC), IMAGES_MAGIC, tmp_path / "x")


def test_truncated_body(tmp_path):
    content = idx_bytes(np.zeros((2, 28, 28)), IMAGES_MAGIC)[:-10]
    with pytest.raises(GenlabError, match="truncated"):
        parse_idx(content, IMAGES_MAGIC, tmp_path / "x")


def test_truncated_gzip(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.random.default_rng(0).integers(0, 256, (50, 28, 28)), IMAGES_MAGIC))[:2000])
    with pytest.raises(GenlabError, match="truncated or corrupt gzip"):
        read_bytes(path)


def test_count_mismatch_against_dataset(tmp_path):
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(100), LABELS_MAGIC))
    with pytest.raises(GenlabError, match="holds 100 items, Fashion-MNIST has 60000"):
        fm.load_file(tmp_path, fm.FILES["train_labels"])


def test_checksum_mismatch(tmp_path):
    wrong = np.random.default_rng(0).integers(0, 10, 60000)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(wrong, LABELS_MAGIC)))
    with pytest.raises(GenlabError, match="fails its checksum"):
        fm.load_file(tmp_path, fm.FILES["train_labels"])


def test_images_labels_disagree(tmp_path, monkeypatch):
    """Both files internally valid, but a different number of images and labels."""
    specs = {"train_images": fm.IdxFile("train-images-idx3-ubyte", IMAGES_MAGIC, 4, ""),
             "train_labels": fm.IdxFile("train-labels-idx1-ubyte", LABELS_MAGIC, 3, ""),
             "test_images": fm.IdxFile("t10k-images-idx3-ubyte", IMAGES_MAGIC, 2, ""),
             "test_labels": fm.IdxFile("t10k-labels-idx1-ubyte", LABELS_MAGIC, 2, "")}
    for spec in specs.values():
        shape = (spec.count, 28, 28) if spec.magic == IMAGES_MAGIC else (spec.count,)
        (tmp_path / spec.stem).write_bytes(idx_bytes(np.zeros(shape), spec.magic))
    monkeypatch.setattr(fm, "FILES", specs)
    monkeypatch.setattr(fm, "sha256", lambda content: "")  # these tiny files have no official digest
    fm._load_cached.cache_clear()
    with pytest.raises(GenlabError, match="4 train images but 3 labels"):
        fm.load(tmp_path)
    fm._load_cached.cache_clear()


def test_missing_directory_names_fix(tmp_path):
    with pytest.raises(GenlabError, match="lacks train-images-idx3-ubyte"):
        fm.locate(tmp_path / "nowhere")


def test_offline_download_fails_cleanly(tmp_path, monkeypatch):
    monkeypatch.setattr(fm, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("GENLAB_DATA", raising=False)
    monkeypatch.setattr(fm, "DOWNLOAD_URL", "http://127.0.0.1:9/")  # nothing listens on the discard port
    with pytest.raises(GenlabError, match="downloading .* failed"):
        fm.locate()


def test_real_dataset_verifies():
    data = fm.load()
    assert data.train_images.shape == (60000, 28, 28) and data.train_images.dtype.is_floating_point is False
    assert data.test_labels.bincount().tolist() == [1000] * 10


def test_a_named_folder_is_where_later_loads_look(tmp_path, monkeypatch):
    """`--data-dir` reaches every load of the process, e.g. the feature network's (it names no folder)."""
    _, real = fm.locate(download=False)
    named = tmp_path / "named"
    named.mkdir()
    for f in real.iterdir():
        (named / f.name).symlink_to(f.resolve())
    monkeypatch.setenv("GENLAB_DATA", str(tmp_path / "empty"))  # without the named folder, load() fails
    monkeypatch.setattr(fm, "_named_dir", None)
    with pytest.raises(GenlabError, match="lacks"):
        fm.load()
    first = fm.load(named)
    assert fm.load() is first
