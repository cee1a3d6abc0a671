"""The IDX format (Fashion-MNIST, MNIST, KMNIST): one reader, every check a corrupt file fails.

IDX: big-endian header — 2 zero bytes, a type byte (0x08 = uint8), the number of
dimensions, then one uint32 per dimension — followed by the raw array. A set is four
files (train/t10k × images/labels), each gzipped or not; any image size the header gives.
"""
from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from pathlib import Path

import numpy as np

from genlab.data import verify
from genlab.data.arrays import Loaded, check_labels, check_pair
from genlab.data.catalog import Dataset
from genlab.errors import GenlabError

IMAGES_MAGIC = 2051  # 0x00000803: uint8, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: uint8, 1 dimension
MAGIC = {"images": IMAGES_MAGIC, "labels": LABELS_MAGIC}


def read_file(path: Path) -> tuple[bytes, bytes | None]:
    """(content, the gzip bytes as stored or None for a raw file), or a one-line error."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GenlabError(f"cannot read {path}: {exc.strerror}") from None
    if raw[:2] != b"\x1f\x8b":
        return raw, None
    try:
        return gzip.decompress(raw), raw
    except (OSError, EOFError, zlib.error) as exc:
        raise GenlabError(f"{path} is a truncated or corrupt gzip file ({exc}); delete it and download or "
                          "copy it again") from None


def read_bytes(path: Path) -> bytes:
    """The decompressed content of `path` (gzip or raw)."""
    return read_file(path)[0]


def parse_idx(content: bytes, expected_magic: int, path: Path) -> np.ndarray:
    """Parse decompressed IDX bytes into a uint8 array, checking magic and length."""
    if len(content) < 8:
        raise GenlabError(f"{path} is too short to be an IDX file ({len(content)} bytes); the file is truncated")
    magic = struct.unpack(">I", content[:4])[0]
    if magic != expected_magic:
        raise GenlabError(f"{path} has magic number {magic}, expected {expected_magic}: "
                          "it is not the right IDX file (images vs labels swapped, or corrupt)")
    ndim = content[3]
    header = 4 + 4 * ndim
    if len(content) < header:
        raise GenlabError(f"{path} is truncated inside its header")
    shape = struct.unpack(f">{ndim}I", content[4:header])
    expected = int(np.prod(shape)) if shape else 0
    body = len(content) - header
    if body != expected:
        raise GenlabError(f"{path} holds {body} data bytes but its header {tuple(shape)} needs {expected}: "
                          "the file is truncated or corrupt")
    return np.frombuffer(content, dtype=np.uint8, offset=header).reshape(shape)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def find_file(directory: Path, stem: str) -> Path | None:
    for name in (f"{stem}.gz", stem):
        if (directory / name).is_file():
            return directory / name
    return None


def missing(spec: Dataset, directory: Path) -> str | None:
    """The first of the four files `directory` lacks, or None."""
    return next((f"{f.name}(.gz)" for f in spec.files if find_file(Path(directory), f.name) is None), None)


def find(spec: Dataset, path: Path) -> Path | None:
    return path if path.is_dir() and missing(spec, path) is None else None


def load_set(spec: Dataset, directory: Path, cfg=None) -> Loaded:
    """The four files of `directory` as N×1×H×W images and labels, checked and verified."""
    arrays, matched, uncheckable = {}, [], False
    for f in spec.files:
        path = find_file(directory, f.name)
        if path is None:
            raise GenlabError(f"{directory} lacks {f.name}(.gz)")
        content, published = read_file(path)
        arrays[f.role] = parse_idx(content, MAGIC[f.role.split("_")[1]], path)
        matched.append(verify.match(f.checksums, published, content))
        uncheckable |= not verify.has_kind(f.checksums, published is not None)
    for split in ("train", "test"):
        n_img, n_lab = len(arrays[f"{split}_images"]), len(arrays[f"{split}_labels"])
        if n_img != n_lab:
            raise GenlabError(f"{directory}: {n_img:,} {split} images but {n_lab:,} labels; the files do not "
                              "belong together")
        arrays[f"{split}_labels"] = check_labels(arrays[f"{split}_labels"], n_lab, len(spec.classes),
                                                 f"{directory} ({split} labels)")
    data = check_pair(Loaded(arrays["train_images"][:, None], arrays["train_labels"],
                             arrays["test_images"][:, None], arrays["test_labels"], spec.classes), str(directory))
    diffs = verify.differences(spec, len(data.train_labels), len(data.test_labels), data.shape)
    data.official, data.note = verify.verdict(spec, matched, uncheckable, diffs)
    return data
