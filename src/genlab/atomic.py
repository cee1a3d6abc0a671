"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Every file genlab writes into a run folder goes through here, so an interrupted run
(Ctrl-C, kill, full disk) never leaves a truncated checkpoint, metrics file or report.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, IO


def _atomic(path: Path, mode: str, write: Callable[[IO], None]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)  # atomic on POSIX within one filesystem
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    return _atomic(path, "wb", lambda f: f.write(data))


def write_text(path: Path, text: str) -> Path:
    return _atomic(path, "w", lambda f: f.write(text))


def write_json(path: Path, obj: Any) -> Path:
    return write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=_jsonable) + "\n")


def append_jsonl(path: Path, record: dict) -> None:
    """Append one JSON line. A line is written with a single write() call so a crash
    leaves at most one unterminated trailing line, which `read_jsonl` skips."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        handle.write(json.dumps(record, default=_jsonable) + "\n")


def write_jsonl(path: Path, records: list[dict]) -> Path:
    """Replace a JSON-lines file with `records`, atomically."""
    return write_text(path, "".join(json.dumps(r, default=_jsonable) + "\n" for r in records))


def write_npz(path: Path, **arrays) -> Path:
    """Compressed .npz written atomically (np.savez_compressed into memory, then one replace)."""
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return write_bytes(path, buffer.getvalue())


def read_jsonl(path: Path) -> list[dict]:
    if not Path(path).exists():
        return []
    records = []
    for line in Path(path).read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a torn last line from an interrupted run
    return records


def save_torch(path: Path, obj: Any) -> Path:
    import torch

    return _atomic(path, "wb", lambda f: torch.save(obj, f))


def save_figure(path: Path, fig) -> Path:
    """Save a matplotlib figure as PNG atomically and close it. Losslessly smaller than
    matplotlib's RGBA: opaque figures are stored as RGB, and all-gray ones (image grids,
    samples) as 8-bit grayscale — a third of the bytes, which report.html embeds again."""
    import io

    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    image = Image.open(buf)
    rgba = np.asarray(image.convert("RGBA"))  # H×W×4
    if (rgba[..., 3] != 255).any():  # transparency: keep as drawn
        return write_bytes(path, buf.getvalue())
    rgb = rgba[..., :3]
    gray = bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())
    out = Image.fromarray(np.ascontiguousarray(rgb[..., 0]), "L") if gray else Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    packed = io.BytesIO()
    out.save(packed, format="PNG", optimize=True)
    return write_bytes(path, packed.getvalue())


def acquire_lock(path: Path, what: str) -> None:
    """Create lock file `path` holding this PID. A lock whose process is alive refuses in
    one line; one left by a process that no longer exists (killed) is taken over."""
    from genlab.errors import GenlabError

    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pid = _lock_pid(path)
            if pid and pid != os.getpid() and _alive(pid):
                raise GenlabError(f"{what} by process {pid} (lock file {path}); wait for it to finish or stop it, "
                                  "then run again") from None
            Path(path).unlink(missing_ok=True)  # stale: the process that held it is gone
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{os.getpid()}\n")
        return
    raise GenlabError(f"cannot take the lock {path}: it keeps reappearing; is another process using it?")


def release_lock(path: Path) -> None:
    if _lock_pid(path) == os.getpid():
        Path(path).unlink(missing_ok=True)


def _lock_pid(path: Path) -> int | None:
    try:
        return int(Path(path).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by another user
    return True


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
