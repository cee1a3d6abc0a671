"""One PNG/JPEG file → a uint8 array (pillow): grey H×W or RGB H×W×3, optionally resized
(shorter side to fit) and centre-cropped; and the grey conversion of RGB arrays."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from genlab.errors import GenlabError

EXTENSIONS = (".png", ".jpg", ".jpeg")
FORMATS = ("PNG", "JPEG")
GREY_MODES = ("1", "L", "LA", "La")  # alpha is dropped
COLOUR_MODES = ("RGB", "RGBA", "RGBa", "RGBX", "P", "PA", "CMYK", "YCbCr", "LAB", "HSV")


def is_image_name(path: Path) -> bool:
    return path.suffix.lower() in EXTENSIONS


def decode(path: Path, size: tuple[int, int] | None) -> np.ndarray:
    """`path` as uint8 H×W (grey source) or H×W×3 (colour or palette source)."""
    try:
        with Image.open(path) as image:
            if image.format not in FORMATS:
                raise GenlabError(f"{path} is a {image.format} image; image_folder reads PNG and JPEG")
            if image.mode in GREY_MODES:
                image = image.convert("L")
            elif image.mode in COLOUR_MODES:
                image = image.convert("RGB")
            else:
                raise GenlabError(f"{path} is a {image.mode} image (16-bit or floating point); save it as 8-bit "
                                  "grey or RGB")
            return np.asarray(fit(image, size) if size else image)
    except GenlabError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise GenlabError(f"{path} cannot be decoded as an image ({str(exc)[:100]}); it is truncated, corrupt "
                          "or not a PNG/JPEG") from None


def fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize so the image covers height×width (the shorter side fits), then centre-crop.
    An image already that size is returned untouched (bit-exact)."""
    height, width = size
    w, h = image.size
    if (h, w) == (height, width):
        return image
    scale = max(height / h, width / w)
    new_w, new_h = max(width, round(w * scale)), max(height, round(h * scale))
    image = image.resize((new_w, new_h), Image.Resampling.BICUBIC)
    left, top = (new_w - width) // 2, (new_h - height) // 2
    return image.crop((left, top, left + width, top + height))


def has_colour(array: np.ndarray) -> bool:
    """An RGB array whose channels differ somewhere (an RGB file of grey pixels has none)."""
    return array.ndim == 3 and bool((array[..., 0] != array[..., 1]).any() or (array[..., 1] != array[..., 2]).any())


def to_grey(array: np.ndarray) -> np.ndarray:
    """H×W×3 → H×W with pillow's own RGB→L arithmetic (ITU-R 601-2 luma, fixed point), so a
    grey pixel keeps its value exactly."""
    rgb = array.astype(np.uint32)
    return ((rgb[..., 0] * 19595 + rgb[..., 1] * 38470 + rgb[..., 2] * 7471 + 0x8000) >> 16).astype(np.uint8)


def to_channels(array: np.ndarray, channels: int) -> np.ndarray:
    """H×W or H×W×3 → C×H×W with C = channels."""
    if channels == 1:
        return (to_grey(array) if array.ndim == 3 else array)[None]
    return np.repeat(array[None], 3, axis=0) if array.ndim == 2 else array.transpose(2, 0, 1)
