"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Every file genlab writes into a run folder goes through here, so an interrupted run
(Ctrl-C, kill, full disk) never leaves a truncated checkpoint, metrics file or report.
A write that fails for want of space, a read-only target or an I/O error ends in one
line (`WriteError`) naming the file, the bytes it needed and what was free; the previous
file is left as it was. Files get the permissions the umask gives, like any other tool's
(a temporary file alone would be 0600: a report nobody else could read).
"""
from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from genlab.errors import GenlabError

# what a write can fail with that is the machine's state, not a bug: said in one line
DISK_ERRNOS = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
               errno.EROFS: "read-only file system", errno.EIO: "input/output error",
               errno.EFBIG: "file too large for the file system", errno.EACCES: "permission denied",
               errno.EPERM: "operation not permitted"}


class WriteError(GenlabError):
    """A file could not be written (full disk, read-only target, I/O error); `path` names it."""

    def __init__(self, message: str, path: Path):
        super().__init__(message)
        self.path = Path(path)


def write_error(path: Path, exc: OSError, needed: int | None = None) -> WriteError:
    """One line for a failed write of `path`: what failed, the space it needed and what is free."""
    why = DISK_ERRNOS.get(exc.errno, exc.strerror or str(exc))
    free = free_bytes(Path(path).parent)
    space = ""
    need = f"it needs about {size_text(needed)}" if needed else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) and free is not None:
        space = f" ({need + ', ' if need else ''}{size_text(free)} free there)"
    elif exc.errno == errno.EFBIG and need:
        space = f" ({need}, over the largest file this process may write)"
    return WriteError(f"cannot write {path}: {why}{space}", path)


def free_bytes(folder: Path) -> int | None:
    """Bytes an unprivileged writer may still use under `folder` (its nearest existing ancestor)."""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        st = os.statvfs(folder)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def size_text(n: int | None) -> str:
    if n is None:
        return "?"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def umask() -> int:
    """This process's umask, read without changing it (Linux: /proc; elsewhere set and restore)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode open() would give a new file: 0666 less the umask."""
    return 0o666 & ~umask()


def _atomic(path: Path, data: bytes) -> Path:
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), file_mode())  # mkstemp makes it 0600
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)  # atomic on POSIX within one filesystem
    except OSError as exc:
        _unlink(tmp)
        if exc.errno in DISK_ERRNOS:
            raise write_error(path, exc, len(data)) from None
        raise
    except BaseException:
        _unlink(tmp)
        raise
    return path


def _unlink(tmp: str | None) -> None:
    if tmp is not None:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def write_bytes(path: Path, data: bytes) -> Path:
    return _atomic(path, bytes(data))


def write_text(path: Path, text: str) -> Path:
    return _atomic(path, text.encode("utf-8"))


def write_json(path: Path, obj: Any) -> Path:
    return write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=_jsonable) + "\n")


def append_jsonl(path: Path, record: dict) -> None:
    """Append one JSON line. A line is written with a single write() call so a crash
    leaves at most one unterminated trailing line, which `read_jsonl` skips."""
    path = Path(path)
    line = (json.dumps(record, default=_jsonable) + "\n").encode("utf-8")
    size = path.stat().st_size if path.exists() else 0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as handle:
            handle.write(line)
            handle.flush()
    except OSError as exc:
        try:  # a short write on a full disk: cut the torn line off again
            os.truncate(path, size)
        except OSError:
            pass
        if exc.errno in DISK_ERRNOS:
            raise write_error(path, exc, len(line)) from None
        raise


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
    """torch.save into memory, then one atomic write: a full disk is an OSError with its
    errno (torch's own zip writer would fail with "unexpected pos"), and the size is known."""
    import io

    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return write_bytes(path, buffer.getbuffer())


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
    """Create lock file `path` holding this process's id and start time. A lock whose process
    is alive refuses in one line; one left by a process that no longer exists (killed), or
    whose id now belongs to another process, is taken over."""
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            check_lock(path, what)
            Path(path).unlink(missing_ok=True)  # stale: the process that held it is gone
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{os.getpid()} {_started(os.getpid()) or ''}\n")
        return
    raise GenlabError(f"cannot take the lock {path}: it keeps reappearing; is another process using it?")


def check_lock(path: Path, what: str) -> None:
    """Refuse at once (torch-free, before any other work) if a live process holds `path`."""
    pid = lock_holder(path)
    if pid:
        raise GenlabError(f"{what} by process {pid} (lock file {path}); wait for it to finish or stop it, "
                          "then run again")


def lock_holder(path: Path) -> int | None:
    """The live process (not this one) holding lock file `path`, or None."""
    try:
        fields = Path(path).read_text().split()
        pid, started = int(fields[0]), (fields[1] if len(fields) > 1 else None)
    except (OSError, ValueError, IndexError):
        return None
    if pid == os.getpid() or not _alive(pid):
        return None
    now = _started(pid)
    return None if started and now and now != started else pid  # the id was reused by another process


def release_lock(path: Path) -> None:
    if _lock_pid(path) == os.getpid():
        Path(path).unlink(missing_ok=True)


def _lock_pid(path: Path) -> int | None:
    try:
        return int(Path(path).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _started(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, /proc/PID/stat field 22), or None."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by another user
    try:  # a zombie (ended, not yet reaped by its parent) holds nothing
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")

