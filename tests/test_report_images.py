"""Figures embedded in a self-contained page: the smallest faithful encoding (lossless WebP of
the ≤ 256-colour image where Pillow has WebP), decoding to exactly the palette image's pixels."""
import base64
import io

import numpy as np
import pytest
from PIL import Image, features

from genlab.report import images


@pytest.fixture
def figure(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    x = np.linspace(0, 10, 400)
    for k in range(4):
        ax.plot(x, np.sin(x + k), label=f"model {k}")
    ax.imshow(np.random.default_rng(0).random((28, 280)), extent=(0, 10, -3, -2), cmap="gray", aspect="auto")
    ax.legend()
    path = tmp_path / "fig.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def test_embedded_figure_is_smaller_and_shows_the_palette_pixels(figure):
    mime, data = images.compressed_image(figure)
    assert len(data) < figure.stat().st_size
    with Image.open(figure) as img:
        palette = img.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        expected = np.asarray(palette.convert("RGB"))
    assert np.array_equal(_pixels(data), expected)  # lossless after the palette step
    if features.check("webp"):
        assert mime == "image/webp"


def test_data_uri_names_its_format(figure):
    uri = images.data_uri(figure)
    mime, payload = uri[len("data:"):].split(";base64,")
    assert mime in ("image/webp", "image/png")
    assert base64.b64decode(payload) == images.compressed_image(figure)[1]


def test_a_figure_already_smaller_than_any_reencoding_is_kept(tmp_path):
    path = tmp_path / "tiny.png"
    Image.new("RGB", (2, 2), (255, 255, 255)).save(path, optimize=True)
    mime, data = images.compressed_image(path)
    assert len(data) <= path.stat().st_size
