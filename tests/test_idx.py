"""The IDX parser itself, on good and deliberately broken bytes (datasets built on it:
tests/data/test_data_idx_sets.py)."""
from __future__ import annotations

import gzip

import numpy as np
import pytest
from data_writers import idx_bytes

from genlab.data.idx import IMAGES_MAGIC, LABELS_MAGIC, parse_idx, read_bytes, read_file
from genlab.errors import GenlabError


def test_parses_images_and_labels(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    path = tmp_path / "imgs.gz"
    path.write_bytes(gzip.compress(idx_bytes(images, IMAGES_MAGIC)))
    parsed = parse_idx(read_bytes(path), IMAGES_MAGIC, path)
    assert parsed.shape == (2, 28, 28) and (parsed == images).all()
    labels = np.array([3, 7, 9], dtype=np.uint8)
    assert parse_idx(idx_bytes(labels, LABELS_MAGIC), LABELS_MAGIC, tmp_path / "l").tolist() == [3, 7, 9]


def test_any_image_size(tmp_path):
    images = np.ones((3, 5, 7), dtype=np.uint8)
    assert parse_idx(idx_bytes(images, IMAGES_MAGIC), IMAGES_MAGIC, tmp_path / "x").shape == (3, 5, 7)


def test_read_file_keeps_the_published_bytes(tmp_path):
    content = idx_bytes(np.zeros(4), LABELS_MAGIC)
    (tmp_path / "a.gz").write_bytes(gzip.compress(content))
    (tmp_path / "a").write_bytes(content)
    assert read_file(tmp_path / "a.gz") == (content, (tmp_path / "a.gz").read_bytes())
    assert read_file(tmp_path / "a") == (content, None)


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


def test_unreadable_path(tmp_path):
    with pytest.raises(GenlabError, match="cannot read"):
        read_bytes(tmp_path)
