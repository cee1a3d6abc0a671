"""Splits in N×C×H×W: the same Fashion-MNIST split, bit for bit, as genlab before issue 22;
batches and floats of colour data; the identity hash."""
from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pytest
import torch
from data_writers import write_cifar10, write_idx

from genlab.data import catalog, load, loading
from genlab.data.options import DataConfig
from genlab.data.splits import Split, make_splits

# From main at 3019f5f (images N×28×28 then): sha256 of each split's images and labels at seed 0.
BEFORE = {
    (5000, None, None): {
        "train": (55000, "9c6b6b487a1799bf9ce65192959d6424ee8cb0bb42e37f53de1ae23d29f9dbdf",
                  "38f3b42d8effee373e9814141d41e4d2180fe9da40a052882cca2edb37cf4546"),
        "val": (5000, "37e7ef700f72e4d215236d29d428a6fb39c0e2bf9a608fc5d601c35d4bfc7d90",
                "525b9df64162967b3eb8d2e365937dda92c11dbffd90ef9913f928434605e5f4"),
        "test": (10000, "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a",
                 "d51d859896c55775b9e9e219b77ff03bcec1b6ac322f313544dc3f9e7bc94fae")},
    (1000, 500, 300): {
        "train": (500, "de1355775ca1088d23676e1e3308f87ee66fc5f4298a61fed7ea08d9ca581a9c",
                  "e78e41d67286283f65e943e7e1c6fb0e6cd77b5710aa14ab5dc12f376aac92d1"),
        "val": (1000, "a18b849f83ae4e478b9ef74ba549a82b3444bf0619ceb1f1b71e742710df6ff5",
                "14a1e9d131016e50ddcba77dc3fafa2cfd6628c38c35f19f44aef2f9a26a2bc4"),
        "test": (300, "184ea41a51400dbecf213f9d51462f7ff2dfc2d1bcd01ce5a9c0286cb388aee2",
                 "22971630c25ac906c6c401b92863483a9573b3436173bc11243acac68171aab8")},
}


def sha(t: torch.Tensor) -> str:
    return hashlib.sha256(t.contiguous().numpy().tobytes()).hexdigest()


@pytest.mark.parametrize("sizes", list(BEFORE))
def test_fashion_mnist_split_is_bit_identical_to_before(sizes):
    if not catalog.FASHION_MNIST.debian_dir.is_dir():
        pytest.skip("dataset-fashion-mnist is not installed")
    val_size, train_subset, test_subset = sizes
    splits = make_splits(DataConfig(val_size=val_size, train_subset=train_subset, test_subset=test_subset), 0)
    for name, (n, images, labels) in BEFORE[sizes].items():
        split = getattr(splits, name)
        assert split.images.shape == (n, 1, 28, 28)
        assert (sha(split.images), sha(split.labels)) == (images, labels), name
    assert splits.facts.key == "fashion_mnist" and splits.facts.official and splits.classes[0] == "T-shirt/top"
    # the indices themselves: torch's seeded permutation, as before
    order = torch.randperm(60000, generator=torch.Generator().manual_seed(0))
    assert order[:5].tolist() == [36044, 10678, 57327, 55074, 21567]


def test_colour_batches_and_floats(tmp_path):
    root = write_cifar10(tmp_path, per_batch=6, n_test=8)
    splits = make_splits(DataConfig(dataset="cifar10", root=str(root), val_size=5, train_subset=20), 3)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (20, 5, 8)
    x, y = next(splits.train.batches(7, shuffle=True, generator=torch.Generator().manual_seed(0)))
    assert x.shape == (7, 3, 32, 32) and x.dtype == torch.float32 and 0 <= float(x.min()) and float(x.max()) <= 1
    assert y.dtype == torch.int64
    floats = splits.test.floats(4)
    assert floats.shape == (4, 3, 32, 32) and torch.equal(floats * 255, splits.test.images[:4].float())
    assert splits.facts.shape == (3, 32, 32) and splits.facts.num_classes == 10 and not splits.facts.official


def test_same_seed_same_split(tmp_path):
    root = str(write_idx(tmp_path, n_train=40, n_test=10))
    a = make_splits(DataConfig(dataset="mnist", root=root, val_size=8), 5)
    loading.forget()
    b = make_splits(DataConfig(dataset="mnist", root=root, val_size=8), 5)
    assert torch.equal(a.val.images, b.val.images) and torch.equal(a.train.labels, b.train.labels)


def test_split_helpers_keep_the_layout():
    split = Split(torch.zeros(5, 3, 4, 4, dtype=torch.uint8), torch.zeros(5, dtype=torch.int64))
    assert split.head(2).images.shape == (2, 3, 4, 4) and split.floats().shape == (5, 3, 4, 4)


def test_identity_is_the_content(tmp_path):
    gz = write_idx(tmp_path / "gz", n_train=20, n_test=5)
    raw = write_idx(tmp_path / "raw", n_train=20, n_test=5, gz=False)
    a = load(DataConfig(dataset="mnist", root=str(gz), val_size=2))
    assert a.identity == load(DataConfig(dataset="kmnist", root=str(raw), val_size=2)).identity
    assert a.facts.identity == a.identity and len(a.identity) == 64
    path = gz / "t10k-images-idx3-ubyte.gz"
    content = bytearray(gzip.decompress(path.read_bytes()))
    content[-1] ^= 1  # one bit of one pixel
    path.write_bytes(gzip.compress(bytes(content)))
    loading.forget()
    assert load(DataConfig(dataset="mnist", root=str(gz), val_size=2)).identity != a.identity


def test_identity_covers_labels(tmp_path):
    a = load(DataConfig(dataset="npz", root=str(_npz(tmp_path / "a.npz", [0, 1, 0, 1])), val_size=1))
    b = load(DataConfig(dataset="npz", root=str(_npz(tmp_path / "b.npz", [0, 1, 1, 1])), val_size=1))
    assert a.identity != b.identity


def _npz(path, labels):
    x = np.zeros((4, 2, 2), np.uint8)
    np.savez(path, x_train=x, y_train=np.array(labels), x_test=x, y_test=np.zeros(4, int))
    return path
