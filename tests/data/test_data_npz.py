"""npz arrays: three naming schemes, three image layouts, uint8 or floats, labels optional;
bad keys, dtypes, ranges and shapes are one line each."""
from __future__ import annotations

import numpy as np
import pytest
from data_checks import assert_one_line, load_error
from data_writers import synthetic, write_npz

from genlab.data import load
from genlab.data.arrays import HOLDOUT_SEED
from genlab.data.options import DataConfig


def cfg(path, **options) -> DataConfig:
    return DataConfig(dataset="npz", root=str(path), **options)


@pytest.mark.parametrize("scheme", ["xy", "named"])
@pytest.mark.parametrize("layout,shape", [("nhw", (1, 28, 28)), ("nhwc", (3, 16, 16)), ("nchw", (3, 16, 16)),
                                          ("nhwc", (1, 12, 12))])
def test_schemes_and_layouts(tmp_path, scheme, layout, shape):
    path = write_npz(tmp_path / "d.npz", scheme, layout, shape=shape, n_train=20, n_test=10)
    data = load(cfg(path))
    images, labels = synthetic(20, shape, 10, 0)
    assert data.shape == shape and (data.train_images.numpy() == images).all()
    assert (data.train_labels.numpy() == labels).all() and data.classes[3] == "shape 3"
    assert data.title == "d" and not data.official and "no official release" in data.note


def test_single_array_split_by_a_fixed_share(tmp_path):
    path = write_npz(tmp_path / "d.npz", "single", n_train=40, n_test=10)
    data = load(cfg(path))
    assert (len(data.train_labels), len(data.test_labels)) == (40, 10)
    every = np.concatenate([synthetic(40, (1, 28, 28), 10, 0)[0], synthetic(10, (1, 28, 28), 10, 1)[0]])
    test_idx = np.sort(np.random.default_rng(HOLDOUT_SEED).permutation(50)[:10])
    assert (data.test_images.numpy() == every[test_idx]).all()


def test_floats_are_quantised_like_a_png(tmp_path):
    x = np.array([0.0, 0.5, 1.0, 0.2, 1 / 255, 0.998], np.float32).reshape(6, 1, 1) * np.ones((6, 2, 2), np.float32)
    np.savez(tmp_path / "f.npz", x_train=x, x_test=x[:2])
    data = load(cfg(tmp_path / "f.npz", val_size=1))
    assert data.train_images[:, 0, 0, 0].tolist() == [0, 128, 255, 51, 1, 254]
    path = write_npz(tmp_path / "g.npz", dtype="float32", n_train=10, n_test=5)
    assert (load(cfg(path)).train_images.numpy() == synthetic(10, (1, 28, 28), 10, 0)[0]).all()


def test_unlabelled_and_default_class_names(tmp_path):
    data = load(cfg(write_npz(tmp_path / "u.npz", labelled=False, n_train=10, n_test=5)))
    assert data.classes is None and int(data.train_labels.abs().sum()) == 0
    named = load(cfg(write_npz(tmp_path / "n.npz", class_names=False, n_train=20, n_test=10)))
    assert named.classes == tuple(str(i) for i in range(10))


def test_root_folder_with_one_npz(tmp_path):
    write_npz(tmp_path / "only.npz", n_train=10, n_test=5)
    assert load(cfg(tmp_path)).title == "only"


def _save(**arrays):
    return lambda p: np.savez(p, **arrays)


U8 = np.zeros((4, 8, 8), np.uint8)
BAD = {
    "not a zip": (lambda p: p.write_bytes(b"not a zip at all"), "is not an .npz archive (not a zip file)"),
    "a .npy": (lambda p: np.save(open(p, "wb"), U8), "is a single .npy array"),
    "truncated": (lambda p: (_save(x_train=U8, x_test=U8)(p), p.write_bytes(p.read_bytes()[:60])),
                  "truncated or corrupt"),
    "object array": (_save(x_train=np.array([object()] * 4), x_test=U8), "holds an object array"),
    "unknown keys": (_save(pictures=U8), "holds pictures; an npz dataset holds x_train"),
    "extra key": (_save(x_train=U8, x_test=U8, x_tset=U8), "holds x_test, x_train, x_tset"),
    "schemes mixed": (_save(x_train=U8, test_images=U8), "an npz dataset holds"),
    "labels for one split": (_save(x_train=U8, x_test=U8, y_train=np.zeros(4, np.int64)), "labels for one split only"),
    "flat vectors": (_save(x_train=np.zeros((4, 64), np.uint8), x_test=U8), "expected N×H×W, N×H×W×C or N×C×H×W"),
    "two channels": (_save(x_train=np.zeros((4, 8, 8, 2), np.uint8), x_test=U8), "neither axis 1 nor axis 3"),
    "ambiguous channels": (_save(x_train=np.zeros((4, 3, 5, 3), np.uint8), x_test=U8), "ambiguous"),
    "float out of range": (_save(x_train=np.full((4, 8, 8), 2.0), x_test=U8), "must lie in [0, 1]"),
    "float NaN": (_save(x_train=np.full((4, 8, 8), np.nan), x_test=U8), "NaN or infinite"),
    "int16 images": (_save(x_train=U8.astype(np.int16), x_test=U8), "images are int16"),
    "float labels": (_save(x_train=U8, x_test=U8, y_train=np.zeros(4), y_test=np.zeros(4)), "labels are float64"),
    "negative label": (_save(x_train=U8, x_test=U8, y_train=np.array([0, 1, -1, 0]), y_test=np.zeros(4, int)),
                       "label -1 is negative"),
    "label beyond classes": (_save(x_train=U8, x_test=U8, y_train=np.array([0, 1, 2, 0]), y_test=np.zeros(4, int),
                                   classes=np.array(["a", "b"])), "label 2 is outside 0..1"),
    "labels count": (_save(x_train=U8, x_test=U8, y_train=np.zeros(3, int), y_test=np.zeros(4, int)),
                     "4 images but labels of shape (3,)"),
    "classes not names": (_save(x_train=U8, x_test=U8, y_train=np.zeros(4, int), y_test=np.zeros(4, int),
                                classes=np.arange(3)), "classes must be a 1-D array of names"),
    "classes without labels": (_save(x_train=U8, x_test=U8, classes=np.array(["a"])), "a classes array but no labels"),
    "shapes differ": (_save(x_train=U8, x_test=np.zeros((4, 9, 9), np.uint8)),
                      "training images are 1×8×8 but test images 1×9×9"),
    "empty test split": (_save(x_train=U8, x_test=np.zeros((0, 8, 8), np.uint8)), "the test split holds no images"),
    "single too small": (_save(images=U8[:1]), "leaves no test images"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_npz_files_are_one_line(tmp_path, case):
    path = tmp_path / "bad.npz"
    writes, fragment = BAD[case]
    writes(path)
    assert_one_line(load_error("npz", path, val_size=1), "npz arrays", fragment)


def test_test_share_with_its_own_split(tmp_path):
    path = write_npz(tmp_path / "d.npz", n_train=10, n_test=5)
    assert_one_line(load_error("npz", path, test_share=0.3), "npz arrays", "has its own test split (x_test)")


def test_missing_file_and_ambiguous_folder(tmp_path):
    assert_one_line(load_error("npz", tmp_path / "none.npz"), "npz arrays", "does not exist")
    write_npz(tmp_path / "a.npz", n_train=4, n_test=2)
    write_npz(tmp_path / "b.npz", n_train=4, n_test=2)
    assert_one_line(load_error("npz", tmp_path), "npz arrays", "lacks an .npz file (or a folder holding exactly one)")
