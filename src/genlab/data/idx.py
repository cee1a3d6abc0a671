"""Reader for the IDX format Fashion-MNIST ships in, with every check a corrupt file fails.

IDX: big-endian header — 2 zero bytes, a type byte (0x08 = uint8), the number of
dimensions, then one uint32 per dimension — followed by the raw array.
"""
from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from pathlib import Path

import numpy as np

from genlab.errors import GenlabError

IMAGES_MAGIC = 2051  # 0x00000803: uint8, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: uint8, 1 dimension


def read_bytes(path: Path) -> bytes:
    """The decompressed content of `path` (gzip or raw), or a one-line error."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GenlabError(f"cannot read {path}: {exc.strerror}") from None
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise GenlabError(f"{path} is a truncated or corrupt gzip file ({exc}); delete it and reinstall "
                          "the data (apt-get install --reinstall dataset-fashion-mnist, or let genlab download it)") from None


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
                          "the file is truncated or corrupt; reinstall it")
    return np.frombuffer(content, dtype=np.uint8, offset=header).reshape(shape)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
