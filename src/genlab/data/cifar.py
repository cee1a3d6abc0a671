"""CIFAR-10, python version: `cifar-10-python.tar.gz` or the `cifar-10-batches-py/` folder it
unpacks to (data_batch_1..5, test_batch, batches.meta).

The batches are pickles. A pickle can name any Python function to call while it loads, so
genlab never hands a user's file to `pickle.load`: a restricted unpickler resolves only
what the batches need (numpy's array reconstruction, numpy.dtype; dicts, lists, strings and
bytes need no lookup) and refuses every other name before anything runs.
"""
from __future__ import annotations

import codecs
import io
import pickle
import tarfile
import zlib
from pathlib import Path, PurePosixPath

import numpy as np

from genlab.data import verify
from genlab.data.arrays import Loaded, check_labels, check_pair
from genlab.data.catalog import Dataset
from genlab.errors import GenlabError

try:  # numpy >= 2 (numpy.core is a deprecated alias there)
    from numpy._core.multiarray import _reconstruct
    from numpy._core.numeric import _frombuffer
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct
    from numpy.core.numeric import _frombuffer


def _latin1_encode(text: str, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """Python 3 pickles of protocol 2 store bytes as `_codecs.encode(text, 'latin1')`."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is allowed for latin1 text only")
    return codecs.encode(text, encoding, errors)


def _empty_bytes(*args) -> bytes:
    """Protocol-2 pickles store b"" as a call of bytes() with no argument (only that is allowed:
    bytes(n) would allocate n bytes)."""
    if args:
        raise pickle.UnpicklingError("bytes() is allowed without arguments only")
    return b""


ALLOWED = {(module, name): obj for modules, name, obj in (
    (("numpy.core.multiarray", "numpy._core.multiarray"), "_reconstruct", _reconstruct),
    (("numpy.core.numeric", "numpy._core.numeric"), "_frombuffer", _frombuffer),
    (("numpy",), "ndarray", np.ndarray),
    (("numpy",), "dtype", np.dtype),
    (("_codecs",), "encode", _latin1_encode),
    (("__builtin__", "builtins"), "bytes", _empty_bytes),
) for module in modules}


class _Refused(Exception):
    pass


class RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        raise _Refused(f"{module}.{name}")

    def persistent_load(self, pid):
        raise _Refused("a persistent object")


def unpickle(content: bytes, where: str):
    """A batch's object, through the restricted unpickler; any failure is one line."""
    try:
        return RestrictedUnpickler(io.BytesIO(content), encoding="latin1").load()
    except _Refused as exc:
        raise GenlabError(f"{where} asks the unpickler for {exc}; genlab reads only numpy arrays, dicts, lists and "
                          "strings from CIFAR-10 batches, so it refuses this file (it is not a CIFAR-10 batch)") from None
    except Exception as exc:  # a corrupt pickle fails in many ways (EOFError, UnpicklingError, ValueError, ...)
        raise GenlabError(f"{where} is not a readable pickle ({type(exc).__name__}: {str(exc)[:80]}); "
                          "the file is truncated or corrupt") from None


def find(spec: Dataset, path: Path) -> Path | None:
    """The archive or batches folder at `path` (the folder itself, its cifar-10-batches-py/,
    or the .tar.gz in it)."""
    if path.is_file():
        return path
    for candidate in (path / spec.folder, path):
        if candidate.is_dir() and (candidate / spec.files[0].name).is_file():
            return candidate
    archive = path / spec.archive.name
    return archive if archive.is_file() else None


def missing(spec: Dataset, path: Path) -> str | None:
    return None if find(spec, path) else f"{spec.folder}/ or {spec.archive.name}"


def _read_members(spec: Dataset, source: Path) -> tuple[dict[str, bytes], bytes | None]:
    """{batch name: bytes}, and the archive's own bytes (None for a folder)."""
    wanted = {f.name for f in spec.files}
    if source.is_dir():
        members = {f.name: (source / f.name).read_bytes() for f in spec.files if (source / f.name).is_file()}
        return members, None
    try:
        published = source.read_bytes()
        with tarfile.open(fileobj=io.BytesIO(published), mode="r:*") as tar:
            members = {}
            for member in tar:  # read in memory: nothing is extracted to disk, no path can escape
                name = PurePosixPath(member.name).name
                if member.isfile() and name in wanted and PurePosixPath(member.name).parent.name == spec.folder:
                    members[name] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise GenlabError(f"{source} is not a readable tar archive ({exc}); the download is truncated or corrupt, "
                          "delete it and download it again") from None
    return members, published


def _batch(content: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    """One batch's images (N×3×32×32) and labels."""
    entry = unpickle(content, where)
    if not isinstance(entry, dict) or "data" not in entry or "labels" not in entry:
        raise GenlabError(f"{where} is not a CIFAR-10 batch: expected a dict with 'data' and 'labels'")
    data, labels = entry["data"], entry["labels"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        shape = getattr(data, "shape", type(data).__name__)
        raise GenlabError(f"{where}: 'data' must be a uint8 array N×3072 (32×32 RGB rows), got {shape} "
                          f"{getattr(data, 'dtype', '')}".rstrip())
    if not isinstance(labels, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in labels):
        raise GenlabError(f"{where}: 'labels' must be a list of whole numbers")
    return data.reshape(-1, 3, 32, 32), np.asarray(labels, dtype=np.int64)  # rows are R, G, B planes


def _class_names(spec: Dataset, members: dict[str, bytes], where: str) -> tuple[str, ...]:
    if "batches.meta" not in members:
        return spec.classes
    meta = unpickle(members["batches.meta"], f"{where}/batches.meta")
    names = meta.get("label_names") if isinstance(meta, dict) else None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        raise GenlabError(f"{where}/batches.meta has no 'label_names' list of class names")
    return tuple(names)


def load_set(spec: Dataset, source: Path, cfg=None) -> Loaded:
    members, published = _read_members(spec, source)
    lacking = [f.name for f in spec.files if f.role != "meta" and f.name not in members]
    if lacking:
        raise GenlabError(f"{source} lacks {lacking[0]}" + (f" (inside {spec.folder}/)" if published else ""))
    classes = _class_names(spec, members, str(source))
    parts = {"train": [], "test": []}
    for f in spec.files:
        if f.role in parts:
            images, labels = _batch(members[f.name], f"{source}/{f.name}")
            parts[f.role].append((images, check_labels(labels, len(images), len(classes), f"{source}/{f.name}")))
    arrays = [np.concatenate([p[i] for p in parts[s]]) for s in ("train", "test") for i in (0, 1)]
    data = check_pair(Loaded(*arrays, classes=classes), str(source))
    data.official, data.note = _verdict(spec, members, published, data)
    return data


def _verdict(spec: Dataset, members: dict[str, bytes], published: bytes | None, data: Loaded) -> tuple[bool, str]:
    if published is not None and verify.match(spec.archive.checksums, published, b""):
        matched = list(spec.archive.checksums)
    else:
        matched = [verify.match(f.checksums, None, members[f.name]) if f.name in members else None
                   for f in spec.files]
    diffs = verify.differences(spec, len(data.train_labels), len(data.test_labels), data.shape)
    if data.classes != spec.classes:
        diffs.append("other class names in batches.meta")
    return verify.verdict(spec, matched, False, diffs)
