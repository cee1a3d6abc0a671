"""Small synthetic datasets written in every format genlab reads, for any test (a uniquely
named module, importable from every test folder like cli_helpers).

The images are learnable: class k is a bright disc at its own place on a circle (and, in
colour, in its own colour) over a dim noisy background, so even a tiny model separates
the classes after an epoch or two. Everything is seeded: the same call writes the same bytes.

    write_idx(DIR)                  MNIST-format IDX set (grey 28×28): data.dataset=mnist|kmnist|fashion_mnist
    write_cifar10(DIR)              CIFAR-10 python batches (RGB 32×32): data.dataset=cifar10
    write_image_folder(DIR, layout) PNG/JPEG folder (split | classes | flat): data.dataset=image_folder
    write_npz(PATH, scheme)         .npz arrays: data.dataset=npz
"""
from __future__ import annotations

import colorsys
import gzip
import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
IDX_NAMES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
             "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def synthetic(n: int, shape=(1, 28, 28), num_classes: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 N×C×H×W images, int64 labels), classes balanced and shuffled."""
    rng = np.random.default_rng(seed)
    channels, height, width = shape
    labels = rng.permutation(np.arange(n) % num_classes).astype(np.int64)
    images = rng.integers(0, 48, (n, channels, height, width)).astype(np.uint8)  # dim noise
    yy, xx = np.mgrid[0:height, 0:width]
    for k in range(num_classes):
        angle = 2 * np.pi * k / num_classes
        cy, cx = height * (0.5 + 0.28 * np.sin(angle)), width * (0.5 + 0.28 * np.cos(angle))
        disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= (0.2 * min(height, width)) ** 2
        colour = np.array(colorsys.hsv_to_rgb(k / num_classes, 0.9, 1.0)) * 255 if channels == 3 else [230.0]
        for c in range(channels):
            plane = images[labels == k, c]
            plane[:, disc] = np.clip(colour[c] - rng.integers(0, 25, (len(plane), int(disc.sum()))), 0, 255)
            images[labels == k, c] = plane
    return images, labels


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(np.uint8).tobytes()


def write_idx(folder: Path, n_train: int = 200, n_test: int = 50, size: int = 28, gz: bool = True,
              num_classes: int = 10, seed: int = 0) -> Path:
    """The four IDX files (gzipped unless gz=False), grey size×size images."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n, offset in (("train", n_train, 0), ("test", n_test, 1)):
        images, labels = synthetic(n, (1, size, size), num_classes, seed + offset)
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images[:, 0], labels
    for role, name in IDX_NAMES.items():
        content = idx_bytes(arrays[role], IMAGES_MAGIC if role.endswith("images") else LABELS_MAGIC)
        (folder / (name + ".gz" if gz else name)).write_bytes(gzip.compress(content, mtime=0) if gz else content)
    return folder


def cifar_batch(images: np.ndarray, labels: np.ndarray, name: str) -> bytes:
    """One batch pickled as the release's are read: a dict of 'data' (N×3072 uint8) and 'labels'."""
    entry = {"batch_label": name, "labels": [int(v) for v in labels],
             "data": images.reshape(len(images), -1), "filenames": [f"{name}_{i}.png" for i in range(len(images))]}
    return pickle.dumps(entry, protocol=2)


def write_cifar10(folder: Path, per_batch: int = 40, n_test: int = 60, archive: bool = False,
                  meta: bool = True, seed: int = 0) -> Path:
    """cifar-10-batches-py/ (or cifar-10-python.tar.gz) under `folder`; returns what to pass as data.root."""
    folder = Path(folder)
    members = {}
    for i in range(5):
        images, labels = synthetic(per_batch, (3, 32, 32), 10, seed + i)
        members[f"data_batch_{i + 1}"] = cifar_batch(images, labels, f"training batch {i + 1} of 5")
    members["test_batch"] = cifar_batch(*synthetic(n_test, (3, 32, 32), 10, seed + 5), "testing batch 1 of 1")
    if meta:
        members["batches.meta"] = pickle.dumps({"label_names": CIFAR_CLASSES, "num_vis": 3072,
                                                "num_cases_per_batch": per_batch}, protocol=2)
    folder.mkdir(parents=True, exist_ok=True)
    if archive:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for name, content in members.items():
                info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
        (folder / "cifar-10-python.tar.gz").write_bytes(buffer.getvalue())
        return folder
    batches = folder / "cifar-10-batches-py"
    batches.mkdir(exist_ok=True)
    for name, content in members.items():
        (batches / name).write_bytes(content)
    return folder


def save_image(path: Path, image: np.ndarray) -> None:
    """C×H×W uint8 → PNG or JPEG by the suffix."""
    from PIL import Image

    array = image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)
    Image.fromarray(np.ascontiguousarray(array)).save(path)


def write_image_folder(root: Path, layout: str = "split", n_train: int = 40, n_test: int = 20,
                       shape=(1, 28, 28), num_classes: int = 3, ext: str = ".png",
                       classes: list[str] | None = None, seed: int = 0) -> Path:
    """layout: split (train/CLASS, test/CLASS), classes (ROOT/CLASS), flat (ROOT/*), or
    split_flat (train/*, test/*). Files are index-numbered in each split."""
    root = Path(root)
    names = classes or [f"class_{chr(97 + k)}" for k in range(num_classes)]
    splits = {"train": synthetic(n_train, shape, num_classes, seed), "test": synthetic(n_test, shape, num_classes, seed + 1)}
    if layout in ("classes", "flat"):
        images = np.concatenate([splits["train"][0], splits["test"][0]])
        labels = np.concatenate([splits["train"][1], splits["test"][1]])
        splits = {"": (images, labels)}
    for split, (images, labels) in splits.items():
        for i, (image, label) in enumerate(zip(images, labels)):
            folder = root / split / (names[label] if layout in ("split", "classes") else "")
            folder.mkdir(parents=True, exist_ok=True)
            save_image(folder / f"{i}{ext}", image)
    return root


def write_npz(path: Path, scheme: str = "xy", layout: str = "nhw", dtype: str = "uint8", n_train: int = 60,
              n_test: int = 30, shape=(1, 28, 28), labelled: bool = True, class_names: bool = True,
              seed: int = 0) -> Path:
    """scheme: xy (x_train...), named (train_images...), single (images[, labels]);
    layout: nhw (grey only), nhwc, nchw; dtype uint8 or float32 (in [0, 1])."""
    path = Path(path)
    parts = {"train": synthetic(n_train, shape, 10, seed), "test": synthetic(n_test, shape, 10, seed + 1)}

    def arr(images):
        images = {"nhw": images[:, 0] if layout == "nhw" else None, "nchw": images,
                  "nhwc": images.transpose(0, 2, 3, 1)}[layout]
        return images.astype(np.float32) / 255 if dtype == "float32" else images

    if scheme == "single":
        arrays = {"images": arr(np.concatenate([parts["train"][0], parts["test"][0]])),
                  "labels": np.concatenate([parts["train"][1], parts["test"][1]])}
    else:
        keys = ("x_train", "y_train", "x_test", "y_test") if scheme == "xy" else \
            ("train_images", "train_labels", "test_images", "test_labels")
        arrays = {keys[0]: arr(parts["train"][0]), keys[1]: parts["train"][1],
                  keys[2]: arr(parts["test"][0]), keys[3]: parts["test"][1]}
    if not labelled:
        arrays = {k: v for k, v in arrays.items() if not (k.startswith("y_") or k.endswith("labels"))}
    elif class_names:
        arrays["classes"] = np.array([f"shape {k}" for k in range(10)])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return path
