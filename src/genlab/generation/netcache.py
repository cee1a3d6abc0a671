"""Where feature networks are cached, how their files are hashed, and the lock that lets one
process train a network while others wait for it."""
from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path


def cache_root() -> Path:
    """$GENLAB_CACHE, else $XDG_CACHE_HOME/genlab, else ~/.cache/genlab."""
    if os.environ.get("GENLAB_CACHE"):
        return Path(os.environ["GENLAB_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "genlab"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def training_lock(folder: Path):
    """An OS lock (released by the kernel if the holder dies) beside the cache folder."""
    import fcntl

    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"genlab: waiting for another process that is training the feature network in {folder}",
                  file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
