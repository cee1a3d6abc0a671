"""Figures as a self-contained page embeds them: each PNG re-encoded with at most 256 colours
(matplotlib's anti-aliased plots and grey sample grids lose nothing a reader sees) and kept
only where that is smaller; the run folder's figures/*.png stay as written."""
from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

MAX_WIDTH_PX = 2200  # twice the page's width: sharp on a high-density screen, no wider


def compressed_png(path: Path) -> bytes:
    """The figure's bytes for embedding: palette PNG (≤ 256 colours), scaled to MAX_WIDTH_PX,
    or the original where that is not smaller."""
    from PIL import Image

    original = Path(path).read_bytes()
    with Image.open(io.BytesIO(original)) as img:
        img = img.convert("RGB")
        if img.width > MAX_WIDTH_PX:
            img = img.resize((MAX_WIDTH_PX, round(img.height * MAX_WIDTH_PX / img.width)), Image.LANCZOS)
        buf = io.BytesIO()
        img.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
            buf, format="PNG", optimize=True)
    small = buf.getvalue()
    return small if len(small) < len(original) else original


def data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(compressed_png(path)).decode("ascii")


def content_key(path: Path) -> str:
    """Two figure files with the same pixels are one figure (shown once)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
