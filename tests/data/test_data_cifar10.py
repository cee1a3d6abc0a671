"""CIFAR-10 python batches: the folder or the archive, official or not, a restricted
unpickler, and every malformed batch one line."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import tarfile

import numpy as np
import pytest
from data_checks import assert_one_line, load_error
from data_writers import CIFAR_CLASSES, cifar_batch, synthetic, write_cifar10

from genlab.data import catalog, cifar, load
from genlab.data.options import DataConfig


def cfg(root, **options) -> DataConfig:
    return DataConfig(dataset="cifar10", root=str(root), **{"val_size": 10, **options})


@pytest.mark.parametrize("archive", [False, True])
def test_folder_and_archive_load_the_same(tmp_path, archive):
    root = write_cifar10(tmp_path, per_batch=8, n_test=12, archive=archive)
    data = load(cfg(root))
    assert data.train_images.shape == (40, 3, 32, 32) and data.test_images.shape == (12, 3, 32, 32)
    assert data.classes == tuple(CIFAR_CLASSES) and data.shape == (3, 32, 32) and not data.official
    images, labels = synthetic(8, (3, 32, 32), 10, 0)  # data_batch_1 comes first
    assert (data.train_images[:8].numpy() == images).all() and (data.train_labels[:8].numpy() == labels).all()
    assert "50,000 → 40 training images" in data.note


def test_root_may_be_the_batches_folder_or_the_archive_file(tmp_path):
    a = load(cfg(write_cifar10(tmp_path / "a", per_batch=4, n_test=4) / "cifar-10-batches-py"))
    b = load(cfg(write_cifar10(tmp_path / "b", per_batch=4, n_test=4, archive=True) / "cifar-10-python.tar.gz"))
    assert a.identity == b.identity


def test_without_batches_meta_the_declared_names(tmp_path):
    data = load(cfg(write_cifar10(tmp_path, per_batch=4, n_test=4, meta=False)))
    assert data.classes == catalog.CIFAR10.classes


def test_other_class_names_are_read_and_noted(tmp_path):
    root = write_cifar10(tmp_path, per_batch=4, n_test=4)
    names = [f"thing{i}" for i in range(10)]
    (root / "cifar-10-batches-py" / "batches.meta").write_bytes(pickle.dumps({"label_names": names}))
    data = load(cfg(root))
    assert data.classes == tuple(names) and "other class names" in data.note


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickles_of_any_protocol_with_numpy_arrays(tmp_path, protocol):
    root = write_cifar10(tmp_path, per_batch=4, n_test=4)
    images, labels = synthetic(4, (3, 32, 32), 10, 9)
    entry = {"data": images.reshape(4, -1), "labels": labels.tolist()}
    (root / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps(entry, protocol=protocol))
    assert (load(cfg(root)).test_images.numpy() == images).all()


def test_matching_md5s_make_it_official(tmp_path):
    root = write_cifar10(tmp_path, per_batch=4, n_test=4) / "cifar-10-batches-py"
    files = tuple(dataclasses.replace(f, checksums=(catalog.Checksum(
        "md5", "raw", hashlib.md5((root / f.name).read_bytes()).hexdigest(), "test"),)) for f in catalog.CIFAR10.files)
    spec = dataclasses.replace(catalog.CIFAR10, files=files, train_size=20, test_size=4)
    data = cifar.load_set(spec, root)
    assert data.official and "md5 of the decompressed files" in data.note


def test_a_pickle_that_imports_something_else_runs_nothing(tmp_path):
    marker = tmp_path / "owned"

    class Evil:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    root = write_cifar10(tmp_path / "c", per_batch=4, n_test=4)
    (root / "cifar-10-batches-py" / "data_batch_2").write_bytes(pickle.dumps({"data": Evil(), "labels": []}))
    message = load_error("cifar10", root)
    assert_one_line(message, "CIFAR-10", "data_batch_2 asks the unpickler for posix.system", "refuses this file")
    assert not marker.exists()


def _batch_file(root, name="data_batch_1"):
    return root / "cifar-10-batches-py" / name


def _put(root, obj, name="data_batch_1", protocol=2):
    _batch_file(root, name).write_bytes(pickle.dumps(obj, protocol=protocol))


BAD = {
    "truncated pickle": (lambda r: _batch_file(r).write_bytes(_batch_file(r).read_bytes()[:500]),
                         "data_batch_1 is not a readable pickle"),
    "not a pickle": (lambda r: _batch_file(r).write_bytes(b"hello, not a pickle"), "is not a readable pickle"),
    "empty file": (lambda r: _batch_file(r).write_bytes(b""), "is not a readable pickle"),
    "not a dict": (lambda r: _put(r, [1, 2, 3]), "not a CIFAR-10 batch: expected a dict with 'data' and 'labels'"),
    "no labels": (lambda r: _put(r, {"data": np.zeros((4, 3072), np.uint8)}), "expected a dict with 'data' and 'labels'"),
    "float data": (lambda r: _put(r, {"data": np.zeros((4, 3072), np.float32), "labels": [0] * 4}),
                   "'data' must be a uint8 array N×3072"),
    "wrong row length": (lambda r: _put(r, {"data": np.zeros((4, 1024), np.uint8), "labels": [0] * 4}),
                         "'data' must be a uint8 array N×3072"),
    "data a list": (lambda r: _put(r, {"data": [1, 2], "labels": [0] * 4}), "'data' must be a uint8 array"),
    "labels not ints": (lambda r: _put(r, {"data": np.zeros((2, 3072), np.uint8), "labels": ["a", "b"]}),
                        "'labels' must be a list of whole numbers"),
    "label out of range": (lambda r: _put(r, {"data": np.zeros((2, 3072), np.uint8), "labels": [0, 10]}),
                           "label 10 is outside 0..9"),
    "negative label": (lambda r: _put(r, {"data": np.zeros((2, 3072), np.uint8), "labels": [0, -1]}),
                       "label -1 is negative"),
    "labels count": (lambda r: _put(r, {"data": np.zeros((2, 3072), np.uint8), "labels": [0, 1, 2]}),
                     "2 images but labels of shape (3,)"),
    "missing batch": (lambda r: _batch_file(r, "data_batch_4").unlink(), "lacks data_batch_4"),
    "bad meta": (lambda r: _put(r, {"names": []}, "batches.meta"), "batches.meta has no 'label_names'"),
    "meta with too few names": (lambda r: _put(r, {"label_names": ["a", "b"]}, "batches.meta"),
                                "outside 0..1"),
    "object array": (lambda r: _put(r, {"data": np.array([object()] * 3072).reshape(1, 3072), "labels": [0]}),
                     "asks the unpickler for"),
    "pickle asking for a huge bytes()": (lambda r: _batch_file(r).write_bytes(
        b"\x80\x02c__builtin__\nbytes\nJ\x00\x00\x00\x40\x85R."), "is not a readable pickle"),
    "empty test batch": (lambda r: _put(r, {"data": np.zeros((0, 3072), np.uint8), "labels": []}, "test_batch"),
                         "the test split holds no images"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_malformed_batches_are_one_line(tmp_path, case):
    root = write_cifar10(tmp_path, per_batch=4, n_test=4)
    breaks, fragment = BAD[case]
    breaks(root)
    assert_one_line(load_error("cifar10", root, val_size=2), "CIFAR-10", fragment)


def test_truncated_archive(tmp_path):
    root = write_cifar10(tmp_path, per_batch=4, n_test=4, archive=True)
    archive = root / "cifar-10-python.tar.gz"
    archive.write_bytes(archive.read_bytes()[:200])
    assert_one_line(load_error("cifar10", root), "CIFAR-10", "is not a readable tar archive")


def test_archive_without_the_batches_folder(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        content = cifar_batch(*synthetic(2, (3, 32, 32)), "x")
        info = tarfile.TarInfo("elsewhere/data_batch_1")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(buffer.getvalue())
    assert_one_line(load_error("cifar10", tmp_path), "CIFAR-10", "lacks data_batch_1 (inside cifar-10-batches-py/)")


def test_folder_without_cifar_files(tmp_path):
    assert_one_line(load_error("cifar10", tmp_path), "CIFAR-10", "lacks cifar-10-batches-py/ or cifar-10-python.tar.gz")
