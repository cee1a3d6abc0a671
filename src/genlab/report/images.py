"""Figures as a self-contained page embeds them. Each figure is reduced to at most 256 colours
(matplotlib's anti-aliased plots and grey sample grids lose nothing a reader sees) and stored
as lossless WebP, which every current browser shows and which is about a quarter smaller than
the same pixels as PNG; base64 then adds a third, so this is what keeps a quick dense page
under 1.5 MB. Where WebP is unavailable (a Pillow built without libwebp) or not smaller, the
palette PNG or the original is embedded. The run folder's figures/*.png stay as written."""
from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

MAX_WIDTH_PX = 2200  # twice the page's width: sharp on a high-density screen, no wider


def compressed_image(path: Path) -> tuple[str, bytes]:
    """(MIME type, bytes) of the smallest faithful encoding of the figure: lossless WebP or
    PNG of its ≤ 256-colour version, scaled to at most MAX_WIDTH_PX, or the original PNG."""
    from PIL import Image, features

    original = Path(path).read_bytes()
    with Image.open(io.BytesIO(original)) as img:
        img = img.convert("RGB")
        if img.width > MAX_WIDTH_PX:
            img = img.resize((MAX_WIDTH_PX, round(img.height * MAX_WIDTH_PX / img.width)), Image.LANCZOS)
        palette = img.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        candidates = [("image/png", original), ("image/png", _encode(palette, "PNG", optimize=True))]
        if features.check("webp"):
            # lossless on the palette image's RGB: the same pixels as the palette PNG
            candidates.append(("image/webp", _encode(palette.convert("RGB"), "WEBP", lossless=True, quality=100, method=4)))
    return min(candidates, key=lambda c: len(c[1]))


def _encode(img, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **options)
    return buf.getvalue()


def data_uri(path: Path) -> str:
    mime, data = compressed_image(path)
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def content_key(path: Path) -> str:
    """Two figure files with the same pixels are one figure (shown once)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
