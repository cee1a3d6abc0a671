"""Where a dataset is, in order: `data.root` / `--data-dir` (only there when given),
`$GENLAB_DATA/KEY`, `$GENLAB_DATA` itself (Fashion-MNIST only: it used to name that
folder), the Debian package's folder, the user cache (`$XDG_CACHE_HOME` or ~/.cache, then
genlab/KEY) — else the official files are downloaded into the user cache.

`$GENLAB_DATA_URL` replaces the official download location: dataset KEY's files are then
fetched from `$GENLAB_DATA_URL/KEY/FILE` (a local mirror; the tests serve files they wrote).
"""
from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from genlab import atomic
from genlab.data.catalog import Dataset
from genlab.errors import GenlabError

Present = Callable[[Dataset, Path], "Path | None"]  # the dataset's source at a path, if there
Missing = Callable[[Dataset, Path], "str | None"]  # what a path lacks, in words


def cache_dir(key: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "genlab" / key


def candidates(spec: Dataset, root: str | Path | None = None) -> list[tuple[str, Path]]:
    """(label, path) where genlab looks for `spec`, in order."""
    if root:
        return [("--data-dir / data.root", Path(root).expanduser())]  # named means only there
    found = []
    if os.environ.get("GENLAB_DATA"):
        base = Path(os.environ["GENLAB_DATA"]).expanduser()
        found.append(("$GENLAB_DATA/" + spec.key, base / spec.key))
        if spec.key == "fashion_mnist":
            found.append(("$GENLAB_DATA", base))
    if spec.debian_dir:
        found.append((f"Debian package {spec.debian_package}", spec.debian_dir))
    if spec.downloadable:
        found.append(("user cache", cache_dir(spec.key)))
        if spec.key == "fashion_mnist":
            found.append(("user cache (old folder name)", cache_dir("fashion-mnist")))
    return found


def locate(spec: Dataset, root: str | Path | None, present: Present, missing: Missing,
           download: bool = True, progress: bool = True) -> tuple[str, Path]:
    """(label, source) of the first place holding `spec`; downloads as a last resort."""
    places = candidates(spec, root)
    for label, path in places:
        source = present(spec, path) if path.exists() else None
        if source is not None:
            return label, source
    if root:
        label, path = places[0]
        what = "does not exist" if not path.exists() else f"lacks {missing(spec, path)}"
        raise GenlabError(f"{label} {path} {what}; point it at the {spec.title} files")
    if not spec.downloadable:
        raise GenlabError(f"{spec.key} needs data.root (or --data-dir): the {spec.title} to read "
                          f"({spec.summary})")
    if not download:
        raise GenlabError(f"not found on this machine; {install_hint(spec)}")
    folder = fetch(spec, cache_dir(spec.key), progress)
    source = present(spec, folder)
    if source is None:
        raise GenlabError(f"the files downloaded into {folder} are incomplete ({missing(spec, folder)})")
    return "downloaded into the user cache", source


def install_hint(spec: Dataset) -> str:
    apt = f"install it with `apt-get install {spec.debian_package}`, or " if spec.debian_package else ""
    return f"{apt}pass --data-dir DIR (data.root) holding the files, or put them in {cache_dir(spec.key)}"


def urls(spec: Dataset, name: str) -> list[str]:
    mirror = os.environ.get("GENLAB_DATA_URL")
    if mirror:
        return [f"{mirror.rstrip('/')}/{spec.key}/{name}"]
    return [base + name for base in spec.base_urls]


def fetch(spec: Dataset, folder: Path, progress: bool = True) -> Path:
    """Download every official file `folder` lacks; each written atomically (never half a file)."""
    for name in spec.downloads:
        target = folder / name
        if target.is_file():
            continue
        errors = []
        for url in urls(spec, name):
            try:
                atomic.write_bytes(target, _get(url, progress))
                break
            except urllib.error.HTTPError as exc:
                errors.append(f"{url}: HTTP {exc.code} {exc.reason}")
            except (urllib.error.URLError, OSError, ValueError) as exc:
                errors.append(f"{url}: {getattr(exc, 'reason', exc)}")
        else:
            raise GenlabError(f"not found on this machine, and downloading failed ({errors[-1]}); if this machine "
                              f"is offline, {install_hint(spec)}")
    return folder


def _get(url: str, progress: bool) -> bytes:
    from tqdm import tqdm

    with urllib.request.urlopen(url, timeout=30) as response:
        total = int(response.headers.get("Content-Length") or 0)
        chunks = []
        with tqdm(total=total or None, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1],
                  disable=not progress or None, file=sys.stderr, leave=False) as bar:
            while chunk := response.read(1 << 16):
                chunks.append(chunk)
                bar.update(len(chunk))
    data = b"".join(chunks)
    if total and len(data) != total:
        raise OSError(f"connection closed after {len(data):,} of {total:,} bytes")
    return data
