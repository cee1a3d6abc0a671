"""Image folders: three layouts, natural order, the fixed test hold-out, resizing and
cropping, channels, the decoded-array cache, and every bad folder one line."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from data_checks import assert_one_line, load_error
from data_writers import save_image, synthetic, write_image_folder
from PIL import Image

from genlab.data import image_folder, images, load, loading
from genlab.data.arrays import HOLDOUT_SEED
from genlab.data.options import DataConfig


def cfg(root, **options) -> DataConfig:
    return DataConfig(dataset="image_folder", root=str(root), **options)


def test_split_layout_keeps_its_own_split_in_file_order(tmp_path):
    write_image_folder(tmp_path, "split", n_train=30, n_test=12)
    data = load(cfg(tmp_path))
    images_, labels = synthetic(30, (1, 28, 28), 3, 0)
    assert data.classes == ("class_a", "class_b", "class_c") and data.shape == (1, 28, 28)
    assert (data.train_images.numpy() == images_).all() and (data.train_labels.numpy() == labels).all()
    assert len(data.test_labels) == 12 and not data.official and data.title == tmp_path.name


def test_class_layout_holds_out_a_fixed_share(tmp_path):
    write_image_folder(tmp_path, "classes", n_train=40, n_test=10)  # 50 images in ROOT/CLASS/
    data = load(cfg(tmp_path))
    assert (len(data.train_labels), len(data.test_labels)) == (40, 10)  # default test_share 0.2
    every = np.concatenate([synthetic(40, (1, 28, 28), 3, 0)[0], synthetic(10, (1, 28, 28), 3, 1)[0]])
    test_idx = np.sort(np.random.default_rng(HOLDOUT_SEED).permutation(50)[:10])
    assert (data.test_images.numpy() == every[test_idx]).all()
    loading.forget()
    again = load(cfg(tmp_path, test_share=0.5))
    assert len(again.test_labels) == 25


def test_flat_layout_is_unlabelled(tmp_path):
    write_image_folder(tmp_path, "flat", n_train=16, n_test=4)
    data = load(cfg(tmp_path))
    assert data.classes is None and int(data.train_labels.abs().sum()) == 0 and len(data.test_labels) == 4


def test_split_layout_without_classes_is_unlabelled(tmp_path):
    write_image_folder(tmp_path, "split_flat", n_train=6, n_test=3)
    assert load(cfg(tmp_path)).classes is None


def test_natural_order_by_file_name_then_class(tmp_path):
    """2.png before 10.png; the same name in two classes: class folder order decides."""
    grey = lambda v: np.full((1, 4, 4), v, np.uint8)
    for name, cls, value in (("10.png", "b", 10), ("2.png", "a", 2), ("2.png", "b", 3), ("1.png", "b", 1)):
        (tmp_path / "train" / cls).mkdir(parents=True, exist_ok=True)
        save_image(tmp_path / "train" / cls / name, grey(value))
    (tmp_path / "test" / "a").mkdir(parents=True)
    save_image(tmp_path / "test" / "a" / "0.png", grey(0))
    data = load(cfg(tmp_path, val_size=0))
    assert data.train_images[:, 0, 0, 0].tolist() == [1, 2, 3, 10]
    assert data.train_labels.tolist() == [1, 0, 1, 1]
    assert image_folder.natural("img10.png") > image_folder.natural("img9.png")


def test_class_folders_in_natural_order(tmp_path):
    for cls in ("class10", "class9", "class1"):
        (tmp_path / cls).mkdir()
        for i in range(3):
            save_image(tmp_path / cls / f"{i}.png", np.zeros((1, 4, 4), np.uint8))
    assert load(cfg(tmp_path, test_share=0.2)).classes == ("class1", "class9", "class10")


def test_any_sizes_resized_and_centre_cropped(tmp_path):
    (tmp_path / "a").mkdir()
    wide = np.zeros((20, 40), np.uint8)
    wide[:, 6:34] = 200  # the centre is bright, the sides (cropped away) dark
    Image.fromarray(wide).save(tmp_path / "a" / "0.png")
    Image.fromarray(np.full((50, 30), 200, np.uint8)).save(tmp_path / "a" / "1.png")
    Image.fromarray(np.full((10, 10), 200, np.uint8)).save(tmp_path / "a" / "2.jpg")
    data = load(cfg(tmp_path, image_size=10, test_share=0.34))
    assert data.shape == (1, 10, 10)
    every = np.concatenate([data.train_images.numpy(), data.test_images.numpy()])
    assert every.min() >= 190, "the dark sides of the wide image must be cropped away"


def test_fit_keeps_an_image_of_the_right_size_exact():
    image = Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8))
    assert images.fit(image, (8, 8)) is image
    assert images.fit(image, (4, 6)).size == (6, 4)


def _two_images(tmp_path, first, second):
    (tmp_path / "a").mkdir(parents=True)
    Image.fromarray(first).save(tmp_path / "a" / "0.png")
    Image.fromarray(second).save(tmp_path / "a" / "1.png")
    return tmp_path


def test_channels_default_colour_if_any_image_has_colour(tmp_path):
    grey_rgb = np.stack([np.full((4, 4), 90, np.uint8)] * 3, axis=-1)  # an RGB file of grey pixels
    assert load(cfg(_two_images(tmp_path / "g", grey_rgb, np.zeros((4, 4), np.uint8)), test_share=0.5)).shape[0] == 1
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 0] = 255
    assert load(cfg(_two_images(tmp_path / "c", red, np.zeros((4, 4), np.uint8)), test_share=0.5)).shape[0] == 3


def test_channels_forced(tmp_path):
    rng = np.random.default_rng(0)
    colour = rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)
    root = _two_images(tmp_path, colour, colour)
    data = load(cfg(root, channels=1, test_share=0.5))
    expected = np.asarray(Image.fromarray(colour).convert("L"))  # pillow's own RGB → grey
    assert (data.train_images[0, 0].numpy() == expected).all()
    loading.forget()
    grey = load(cfg(_two_images(tmp_path / "g", colour[..., 0], colour[..., 0]), channels=3, test_share=0.5))
    assert grey.shape == (3, 6, 6) and (grey.train_images[0, 1] == grey.train_images[0, 0]).all()


def test_rgba_and_palette_images(tmp_path):
    (tmp_path / "a").mkdir()
    Image.fromarray(np.full((4, 4, 4), 128, np.uint8), "RGBA").save(tmp_path / "a" / "0.png")
    Image.fromarray(np.zeros((4, 4), np.uint8)).convert("P").save(tmp_path / "a" / "1.png")
    assert load(cfg(tmp_path, test_share=0.5)).shape == (1, 4, 4)


def test_decoded_arrays_are_cached_and_verified(tmp_path, monkeypatch):
    root = write_image_folder(tmp_path / "f", "split", n_train=9, n_test=3)
    first = load(cfg(root))
    cached = list((Path(os.environ["XDG_CACHE_HOME"]) / "genlab" / "image_folder").glob("*.npz"))
    assert len(cached) == 1
    loading.forget()
    monkeypatch.setattr(images, "decode", lambda *a: pytest.fail("decoded again instead of using the cache"))
    assert load(cfg(root)).identity == first.identity
    monkeypatch.undo()
    cached[0].write_bytes(cached[0].read_bytes()[:-200])  # a damaged cache file is decoded again, not trusted
    loading.forget()
    assert load(cfg(root)).identity == first.identity


def test_a_changed_file_is_decoded_again(tmp_path):
    root = write_image_folder(tmp_path / "f", "split", n_train=9, n_test=3)
    first = load(cfg(root))
    save_image(root / "train" / "class_a" / "100.png", np.zeros((1, 28, 28), np.uint8))
    loading.forget()
    assert len(load(cfg(root)).train_labels) == len(first.train_labels) + 1


def _png(path, size=(4, 4)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros(size, np.uint8)).save(path)


BAD = {
    "empty folder": (lambda r: r.mkdir(), "is empty"),
    "non-image file": (lambda r: (_png(r / "a" / "0.png"), (r / "a" / "notes.txt").write_text("x")),
                       "notes.txt is not a PNG/JPEG file"),
    "mixed sizes": (lambda r: (_png(r / "a" / "0.png"), _png(r / "a" / "1.png", (5, 4))),
                    "image sizes differ: 0.png is 4×4", "set data.image_size"),
    "truncated png": (lambda r: (_png(r / "a" / "0.png"), (r / "a" / "1.png").write_bytes(
        (r / "a" / "0.png").read_bytes()[:40])), "1.png cannot be decoded"),
    "text named png": (lambda r: (r / "a").mkdir(parents=True) or (r / "a" / "0.png").write_text("hello"),
                       "0.png cannot be decoded"),
    "gif named png": (lambda r: (r / "a").mkdir(parents=True) or Image.fromarray(np.zeros((4, 4), np.uint8)).save(
        r / "a" / "0.png", format="GIF"), "is a GIF image; image_folder reads PNG and JPEG"),
    "16-bit png": (lambda r: (r / "a").mkdir(parents=True) or Image.fromarray(
        np.zeros((4, 4), np.uint16)).save(r / "a" / "0.png"), "16-bit or floating point"),
    "nested folder": (lambda r: (_png(r / "a" / "0.png"), _png(r / "a" / "deeper" / "1.png")),
                      "holds a sub-folder deeper/"),
    "empty class folder": (lambda r: (_png(r / "a" / "0.png"), (r / "b").mkdir()), "b holds no images"),
    "class folders and files": (lambda r: (_png(r / "a" / "0.png"), _png(r / "1.png")), "mixes class folders"),
    "train without test": (lambda r: _png(r / "train" / "a" / "0.png"), "has train/ but no test/"),
    "test class not in train": (lambda r: (_png(r / "train" / "a" / "0.png"), _png(r / "test" / "b" / "0.png")),
                                "test/b is a class with no training folder"),
    "split layouts differ": (lambda r: (_png(r / "train" / "a" / "0.png"), _png(r / "test" / "0.png")),
                             "train/ has class folders but test/ images only"),
    "extra folder beside the split": (lambda r: (_png(r / "train" / "0.png"), _png(r / "test" / "0.png"),
                                                 _png(r / "val" / "0.png")), "also val; move it out"),
    "too few images for a test share": (lambda r: _png(r / "a" / "0.png"), "leaves no test images"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_folders_are_one_line(tmp_path, case):
    breaks, *fragments = BAD[case]
    breaks(tmp_path / "root")
    assert_one_line(load_error("image_folder", tmp_path / "root"), "image folder", *fragments)


def test_test_share_with_a_split_layout_is_refused(tmp_path):
    write_image_folder(tmp_path, "split", n_train=3, n_test=3)
    assert_one_line(load_error("image_folder", tmp_path, test_share=0.3), "image folder",
                    "has its own train/ and test/ split; data.test_share")


def test_a_file_as_root_is_refused(tmp_path):
    (tmp_path / "x.png").write_bytes(b"")
    assert_one_line(load_error("image_folder", tmp_path / "x.png"), "image folder", "lacks a folder of images")


def test_hidden_files_are_skipped(tmp_path):
    write_image_folder(tmp_path, "split", n_train=3, n_test=3)
    (tmp_path / "train" / "class_a" / ".DS_Store").write_bytes(b"junk")
    (tmp_path / ".cache").mkdir()
    assert len(load(cfg(tmp_path, val_size=0)).train_labels) == 3
