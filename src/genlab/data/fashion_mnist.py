"""Fashion-MNIST: find it, verify it, hold it in memory as uint8 tensors.

Search order: an explicit directory (``--data-dir`` / ``data.data_dir``), ``$GENLAB_DATA``,
the Debian package ``dataset-fashion-mnist``, the user cache, and last a download of the
official files into the user cache. Verification checks the *decompressed* bytes: the
Debian package re-gzips the files, so their .gz checksums differ from the official ones.
"""
from __future__ import annotations

import functools
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from genlab import atomic
from genlab.data.idx import IMAGES_MAGIC, LABELS_MAGIC, parse_idx, read_bytes, sha256
from genlab.errors import GenlabError

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
DOWNLOAD_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"


@dataclass(frozen=True)
class IdxFile:
    stem: str  # file name without .gz
    magic: int
    count: int
    sha256: str  # of the decompressed content


FILES = {
    "train_images": IdxFile("train-images-idx3-ubyte", IMAGES_MAGIC, 60000,
                            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    "train_labels": IdxFile("train-labels-idx1-ubyte", LABELS_MAGIC, 60000,
                            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
    "test_images": IdxFile("t10k-images-idx3-ubyte", IMAGES_MAGIC, 10000,
                           "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
    "test_labels": IdxFile("t10k-labels-idx1-ubyte", LABELS_MAGIC, 10000,
                           "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
}


@dataclass
class FashionMNIST:
    """The four arrays as uint8 tensors: images N×28×28, labels N (int64)."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    source: Path

    classes: tuple[str, ...] = CLASSES


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "genlab" / "fashion-mnist"


def candidate_dirs(data_dir: str | Path | None = None) -> list[tuple[str, Path]]:
    """Where genlab looks, in order, each with a label for `genlab data`."""
    if data_dir:
        return [("--data-dir", Path(data_dir))]  # explicit means only there
    found = []
    if os.environ.get("GENLAB_DATA"):
        return [("$GENLAB_DATA", Path(os.environ["GENLAB_DATA"]))]
    found.append(("Debian package dataset-fashion-mnist", DEBIAN_DIR))
    found.append(("user cache", cache_dir()))
    return found


def find_file(directory: Path, stem: str) -> Path | None:
    for name in (f"{stem}.gz", stem):
        if (directory / name).is_file():
            return directory / name
    return None


def locate(data_dir: str | Path | None = None, download: bool = True) -> tuple[str, Path]:
    """The first directory that holds all four files, downloading as a last resort."""
    candidates = candidate_dirs(data_dir)
    for label, directory in candidates:
        if all(find_file(directory, f.stem) for f in FILES.values()):
            return label, directory
    if data_dir or os.environ.get("GENLAB_DATA"):
        label, directory = candidates[0]
        missing = [f.stem for f in FILES.values() if not find_file(directory, f.stem)]
        raise GenlabError(f"{label} {directory} lacks {missing[0]}(.gz); put the four Fashion-MNIST IDX files there "
                          "or drop the option to use the Debian package / download")
    if not download:
        raise GenlabError("Fashion-MNIST not found; install it with `apt-get install dataset-fashion-mnist` "
                          "or pass --data-dir DIR holding the four IDX files")
    return "downloaded", download_official(cache_dir())


def download_official(directory: Path) -> Path:
    from tqdm import tqdm

    for spec in FILES.values():
        target = directory / f"{spec.stem}.gz"
        if target.is_file():
            continue
        url = DOWNLOAD_URL + target.name
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                total = int(response.headers.get("Content-Length") or 0)
                chunks = []
                with tqdm(total=total, unit="B", unit_scale=True, desc=target.name) as bar:
                    while chunk := response.read(1 << 16):
                        chunks.append(chunk)
                        bar.update(len(chunk))
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GenlabError(f"Fashion-MNIST is not installed and downloading {url} failed ({reason}); "
                              "offline, install it with `apt-get install dataset-fashion-mnist` "
                              "or pass --data-dir DIR") from None
        atomic.write_bytes(target, b"".join(chunks))
    return directory


def load_file(directory: Path, spec: IdxFile) -> np.ndarray:
    path = find_file(directory, spec.stem)
    if path is None:
        raise GenlabError(f"{directory} lacks {spec.stem}(.gz); reinstall the data")
    content = read_bytes(path)
    array = parse_idx(content, spec.magic, path)
    if array.shape[0] != spec.count:
        raise GenlabError(f"{path} holds {array.shape[0]} items, Fashion-MNIST has {spec.count}: "
                          "wrong or partial file; reinstall it")
    if spec.magic == IMAGES_MAGIC and array.shape[1:] != (28, 28):
        raise GenlabError(f"{path} holds {array.shape[1]}×{array.shape[2]} images, expected 28×28")
    digest = sha256(content)
    if digest != spec.sha256:
        raise GenlabError(f"{path} fails its checksum (sha256 of the decompressed data is {digest[:12]}…, "
                          f"expected {spec.sha256[:12]}…): the file is corrupt or not Fashion-MNIST; reinstall it")
    return array


@functools.lru_cache(maxsize=4)
def _load_cached(directory: Path) -> FashionMNIST:
    arrays = {key: load_file(directory, spec) for key, spec in FILES.items()}
    for split in ("train", "test"):
        n_img, n_lab = len(arrays[f"{split}_images"]), len(arrays[f"{split}_labels"])
        if n_img != n_lab:
            raise GenlabError(f"{directory}: {n_img} {split} images but {n_lab} labels; reinstall the data")
    if arrays["train_labels"].max() > 9 or arrays["test_labels"].max() > 9:
        raise GenlabError(f"{directory}: labels outside 0..9; the label files are corrupt")
    tensors = {k: torch.from_numpy(v.copy()) for k, v in arrays.items()}
    for key in ("train_labels", "test_labels"):
        tensors[key] = tensors[key].long()
    return FashionMNIST(source=directory, **tensors)


_named_dir: Path | None = None  # the folder a study or command named (--data-dir): later loads look there first


def load(data_dir: str | Path | None = None, download: bool = True) -> FashionMNIST:
    """Fashion-MNIST from `data_dir`, else from the folder named earlier in this process, else
    $GENLAB_DATA, the Debian package, the cache. (The feature network behind FID loads the
    data without a folder of its own: it must find the one the user named.)"""
    global _named_dir
    _, directory = locate(data_dir or _named_dir, download)
    data = _load_cached(Path(directory).resolve())
    if data_dir:  # only a folder that held valid data
        _named_dir = Path(directory)
    return data
